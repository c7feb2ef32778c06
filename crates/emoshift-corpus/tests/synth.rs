//! The synthetic corpora scan back through the real adapters with every label,
//! speaker and gender right, and the same seed gives the same bytes.

use emoshift_corpus::synth::synthesize;
use emoshift_corpus::{render_table, scan_dirs};
use std::collections::BTreeMap;
use std::path::PathBuf;
use walkdir::WalkDir;

const SCALE: f32 = 0.25;

fn tree_bytes(root: &std::path::Path) -> BTreeMap<PathBuf, Vec<u8>> {
    WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn synth_scans_back_with_every_label_right() {
    let dir = tempfile::tempdir().unwrap();
    let summary = synthesize(dir.path(), 7, SCALE).unwrap();
    assert_eq!(summary.corpora.len(), 6);
    let scans = scan_dirs(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<&str> = scans.iter().map(|s| s.corpus.as_str()).collect();
    assert_eq!(
        names,
        ["crema_d", "emodb", "iemocap", "ravdess", "savee", "tess"]
    );
    for corpus in &summary.corpora {
        let scan = scans.iter().find(|s| s.corpus == corpus.corpus).unwrap();
        assert!(
            scan.problems.is_empty(),
            "{}: {:?}",
            corpus.corpus,
            scan.problems
        );
        assert!(
            scan.excluded.is_empty(),
            "{}: {:?}",
            corpus.corpus,
            scan.excluded
        );
        assert_eq!(
            scan.utterances.len(),
            corpus.files.len(),
            "{}",
            corpus.corpus
        );
        let by_path: BTreeMap<_, _> = scan
            .utterances
            .iter()
            .map(|u| (u.path.clone(), u))
            .collect();
        for f in &corpus.files {
            let u = by_path
                .get(&f.path)
                .unwrap_or_else(|| panic!("{} not scanned", f.path.display()));
            assert_eq!(u.emotion, f.emotion, "{}", f.path.display());
            assert_eq!(u.raw_label, f.raw_label, "{}", f.path.display());
            assert_eq!(u.speaker, f.speaker, "{}", f.path.display());
            assert_eq!(u.gender, Some(f.gender), "{}", f.path.display());
            let d = u.duration_s.unwrap();
            assert!((d - f.duration_s).abs() < 1e-6);
            assert!((0.8..=2.6).contains(&d), "{}: {d} s", f.path.display());
            assert_eq!(u.extra["sample_rate"], corpus.sample_rate.to_string());
        }
    }
    let rates: BTreeMap<_, _> = summary
        .corpora
        .iter()
        .map(|c| (c.corpus.as_str(), c.sample_rate))
        .collect();
    assert_eq!(rates["ravdess"], 48_000);
    assert_eq!(rates["tess"], 24_414);
    assert_eq!(rates["savee"], 44_100);
    assert_eq!(rates["crema_d"], 16_000);
    let table = render_table(&scans);
    assert!(
        table.contains("RAVDESS") && table.contains("IEMOCAP"),
        "{table}"
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    synthesize(a.path(), 3, 0.1).unwrap();
    synthesize(b.path(), 3, 0.1).unwrap();
    synthesize(c.path(), 4, 0.1).unwrap();
    let (ta, tb, tc) = (
        tree_bytes(a.path()),
        tree_bytes(b.path()),
        tree_bytes(c.path()),
    );
    assert!(!ta.is_empty());
    assert_eq!(ta, tb);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tc.keys().collect::<Vec<_>>());
    let differing = ta.iter().filter(|(k, v)| tc[*k] != **v).count();
    assert!(
        differing > ta.len() / 2,
        "only {differing} of {} files differ",
        ta.len()
    );
}

#[test]
fn bad_scale_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(synthesize(dir.path(), 1, 0.0).is_err());
    assert!(synthesize(dir.path(), 1, f32::NAN).is_err());
}
