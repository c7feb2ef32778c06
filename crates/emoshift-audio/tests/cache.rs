//! Feature cache and parallel extraction: reuse, content addressing, atomic
//! writes, damaged-entry recovery, stale temporary files, file modes, runs
//! over folders with bad files and runs whose cache cannot be written.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::fixture;
use emoshift_audio::{extract_all, CacheHit, FeatureSpec, FeatureStore};

fn spec() -> FeatureSpec {
    FeatureSpec::preset("da_mldg").unwrap()
}

/// Copies fixture `name` into `dir` as `as_name`.
fn copy_fixture(dir: &Path, name: &str, as_name: &str) -> PathBuf {
    let dst = dir.join(as_name);
    std::fs::copy(fixture(&format!("audio/{name}")), &dst).unwrap();
    dst
}

/// All files under `dir` (recursively).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn second_request_reuses_the_entry_and_matches_direct_computation() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let wav = copy_fixture(audio_dir.path(), "pcm_s16.wav", "a.wav");
    let store = FeatureStore::open(cache_dir.path()).unwrap();
    let (first, hit) = store.get_or_compute(&wav, &spec()).unwrap();
    assert_eq!(hit, CacheHit::Computed);
    let (second, hit) = store.get_or_compute(&wav, &spec()).unwrap();
    assert_eq!(hit, CacheHit::Reused);
    assert_eq!(first, second);
    assert_eq!(first, spec().compute_file(&wav).unwrap());
    // Content-addressed: a renamed copy hits the same entry.
    let copy = copy_fixture(audio_dir.path(), "pcm_s16.wav", "renamed.wav");
    assert_eq!(
        store.get_or_compute(&copy, &spec()).unwrap().1,
        CacheHit::Reused
    );
    // Another spec is another entry.
    let other = FeatureSpec::preset("voxceleb").unwrap();
    assert_eq!(
        store.get_or_compute(&wav, &other).unwrap().1,
        CacheHit::Computed
    );
    // Nothing temporary is left behind; each spec folder says what it holds.
    let files = files_under(cache_dir.path());
    assert!(files
        .iter()
        .all(|p| !p.file_name().unwrap().to_string_lossy().starts_with(".tmp")));
    assert_eq!(files.iter().filter(|p| p.ends_with("spec.json")).count(), 2);
    let spec_json =
        std::fs::read_to_string(cache_dir.path().join(spec().id()).join("spec.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<FeatureSpec>(&spec_json).unwrap(),
        spec()
    );
}

#[test]
fn damaged_entries_are_recomputed() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let wav = copy_fixture(audio_dir.path(), "pcm_s16.wav", "a.wav");
    let store = FeatureStore::open(cache_dir.path()).unwrap();
    let (good, _) = store.get_or_compute(&wav, &spec()).unwrap();
    let hash = blake3::hash(&std::fs::read(&wav).unwrap()).to_hex();
    let entry = store.entry_path(hash.as_str(), &spec());
    let bytes = std::fs::read(&entry).unwrap();
    let mut flipped = bytes.clone();
    flipped[40] ^= 0x55;
    for damaged in [bytes[..bytes.len() / 2].to_vec(), flipped, Vec::new()] {
        std::fs::write(&entry, &damaged).unwrap();
        let (features, hit) = store.get_or_compute(&wav, &spec()).unwrap();
        assert_eq!(hit, CacheHit::Computed);
        assert_eq!(features, good);
        assert_eq!(std::fs::read(&entry).unwrap(), bytes, "entry rewritten");
    }
}

#[test]
fn leftovers_of_an_interrupted_write_are_ignored() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let wav = copy_fixture(audio_dir.path(), "pcm_s16.wav", "a.wav");
    let store = FeatureStore::open(cache_dir.path()).unwrap();
    let hash = blake3::hash(&std::fs::read(&wav).unwrap()).to_hex();
    let entry = store.entry_path(hash.as_str(), &spec());
    // A run killed mid-write leaves only a temporary file, never the entry.
    std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
    std::fs::write(entry.parent().unwrap().join(".tmp-killed"), b"EMSF\x01").unwrap();
    let (_, hit) = store.get_or_compute(&wav, &spec()).unwrap();
    assert_eq!(hit, CacheHit::Computed);
    assert_eq!(
        store.get_or_compute(&wav, &spec()).unwrap().1,
        CacheHit::Reused
    );
}

#[test]
fn extract_all_continues_past_bad_files_and_lists_them() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let dir = audio_dir.path();
    let mut paths = vec![
        copy_fixture(dir, "pcm_s16.wav", "good1.wav"),
        copy_fixture(dir, "float32.wav", "good2.wav"),
        copy_fixture(dir, "stereo_s16.flac", "good3.flac"),
    ];
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let garbage = dir.join("garbage.ogg");
    std::fs::write(&garbage, vec![0x5Au8; 3000]).unwrap();
    let truncated = dir.join("truncated.wav");
    let full = std::fs::read(fixture("audio/pcm_s16.wav")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let missing = dir.join("missing.wav");
    paths.splice(
        1..1,
        [
            empty.clone(),
            garbage.clone(),
            truncated.clone(),
            missing.clone(),
        ],
    );

    let store = FeatureStore::open(cache_dir.path()).unwrap();
    let summary = extract_all(&paths, &spec(), &store, false).unwrap();
    assert_eq!((summary.computed, summary.reused), (3, 0));
    let failed: Vec<&PathBuf> = summary.failures.iter().map(|(p, _)| p).collect();
    assert_eq!(failed, vec![&empty, &garbage, &truncated, &missing]);
    // 400 samples at 8 kHz = 50 ms each, to within one 10 ms hop.
    assert!(
        (summary.seconds_of_audio - 0.15).abs() < 0.03,
        "{}",
        summary.seconds_of_audio
    );
    let text = summary.to_string();
    for (path, reason) in &summary.failures {
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(reason.as_str()), "{text}");
    }
    assert!(text.contains("empty"), "{text}");
    assert!(text.contains("truncated"), "{text}");

    let rerun = extract_all(&paths, &spec(), &store, false).unwrap();
    assert_eq!(
        (rerun.computed, rerun.reused, rerun.failures.len()),
        (0, 3, 4)
    );
}

/// The cache entry `file`'s audio has under `spec()`.
fn entry_of(store: &FeatureStore, file: &Path) -> PathBuf {
    let hash = blake3::hash(&std::fs::read(file).unwrap()).to_hex();
    store.entry_path(hash.as_str(), &spec())
}

#[test]
fn a_cache_write_failure_is_an_error_naming_the_entry() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let dir = audio_dir.path();
    let blocked = copy_fixture(dir, "pcm_s16.wav", "blocked.wav");
    let stored = copy_fixture(dir, "float32.wav", "stored.wav");
    let bad = dir.join("empty.wav");
    std::fs::write(&bad, b"").unwrap();
    let store = FeatureStore::open(cache_dir.path()).unwrap();
    // A regular file where the entry's folder must go: it cannot be created.
    let folder = entry_of(&store, &blocked).parent().unwrap().to_path_buf();
    assert_ne!(entry_of(&store, &stored).parent().unwrap(), folder);
    std::fs::create_dir_all(folder.parent().unwrap()).unwrap();
    std::fs::write(&folder, b"").unwrap();

    let err = extract_all(&[bad, blocked, stored.clone()], &spec(), &store, false).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&folder.display().to_string()), "{text}");
    assert!(text.contains("cannot create folder"), "{text}");
    // The other files were still tried and their entries kept.
    assert!(entry_of(&store, &stored).is_file());
    assert_eq!(
        store.get_or_compute(&stored, &spec()).unwrap().1,
        CacheHit::Reused
    );
}

#[test]
fn stale_temporary_files_are_removed_when_the_store_opens() {
    let cache_dir = tempfile::tempdir().unwrap();
    let folder = cache_dir.path().join(spec().id()).join("ab");
    std::fs::create_dir_all(&folder).unwrap();
    let stale = folder.join(".tmp-killed-long-ago");
    let young = folder.join(".tmp-still-writing");
    for (path, age) in [(&stale, 2 * 3600), (&young, 60)] {
        let file = std::fs::File::create(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age))
            .unwrap();
    }
    FeatureStore::open(cache_dir.path()).unwrap();
    assert!(!stale.exists());
    assert!(young.exists());
}

#[test]
fn cache_entries_get_0o666_less_the_umask() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let wav = copy_fixture(audio_dir.path(), "pcm_s16.wav", "a.wav");
    let store = FeatureStore::open(cache_dir.path()).unwrap();
    store.get_or_compute(&wav, &spec()).unwrap();
    let expected = 0o666 & !emoshift_fs::umask();
    for file in [
        entry_of(&store, &wav),
        cache_dir.path().join(spec().id()).join("spec.json"),
    ] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{}", file.display());
    }
}
