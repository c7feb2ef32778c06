//! Fault injection: damaged copies of the synthetic TESS, CaFE and IEMOCAP corpora
//! ([`emoshift_corpus::synth::damage`]) scanned next to the clean ones. For each kind
//! of damage the scan skips it (counted by kind), rejects it with the decoder's own
//! reason, excludes it with a reason, lists it as a problem, or reads it with its
//! true label — and every good file of the clean corpus is kept with its label. Audio
//! the quality gates refuse (a 1 Hz header, 10 ms) is a problem in the scan, and what
//! only its samples show (silence, clipping, NaN) is refused by extraction, with the
//! same reason texts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use emoshift_audio::decode::decode_file;
use emoshift_audio::{AudioError, FeatureSpec, FeatureStore, QualityGates};
use emoshift_corpus::synth::damage::{damaged_copy, Damage, DamagedCorpus, Injection};
use emoshift_corpus::synth::{synthesize_corpora, SynthCorpus};
use emoshift_corpus::walk::{walk, Skip, AUDIO_EXTENSIONS};
use emoshift_corpus::{adapter, render_table, scan_paths, CorpusScan, Utterance};

const SEED: u64 = 10;

/// A clean synthetic corpus, its damaged copy and both scans.
struct Case {
    _dir: tempfile::TempDir,
    synth: SynthCorpus,
    copy: DamagedCorpus,
    clean: CorpusScan,
    damaged: CorpusScan,
}

impl Case {
    fn new(corpus: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let summary = synthesize_corpora(&dir.path().join("clean"), SEED, 0.3, &[corpus]).unwrap();
        let synth = summary.corpora[0].clone();
        let copy = damaged_copy(
            &synth,
            &dir.path().join("damaged"),
            &dir.path().join("outside"),
            SEED,
        )
        .unwrap();
        let reader = adapter(corpus).unwrap();
        let clean = reader.scan(&synth.root).unwrap();
        // As `corpora scan` and `emoshift run` see it: with the default gates.
        let damaged = reader
            .scan(&copy.root)
            .unwrap()
            .gated(&QualityGates::default());
        Case {
            _dir: dir,
            synth,
            copy,
            clean,
            damaged,
        }
    }

    fn injection(&self, damage: Damage) -> &Injection {
        self.copy
            .injections
            .iter()
            .find(|i| i.damage == damage)
            .unwrap_or_else(|| panic!("{damage:?} not injected"))
    }

    fn utterance_at(&self, path: &Path) -> Option<&Utterance> {
        self.damaged.utterances.iter().find(|u| u.path == path)
    }

    fn reason(list: &[(PathBuf, String)], path: &Path) -> Option<String> {
        list.iter().find(|(p, _)| p == path).map(|(_, r)| r.clone())
    }
}

fn relative(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap().to_path_buf()
}

#[test]
fn every_good_file_is_kept_with_its_label() {
    for corpus in ["tess", "cafe", "iemocap"] {
        let case = Case::new(corpus);
        assert!(case.clean.problems.is_empty(), "{:?}", case.clean.problems);
        assert!(case.clean.excluded.is_empty(), "{:?}", case.clean.excluded);
        assert_eq!(case.clean.utterances.len(), case.synth.files.len());
        let damaged: BTreeMap<PathBuf, &Utterance> = case
            .damaged
            .utterances
            .iter()
            .map(|u| (relative(&u.path, &case.copy.root), u))
            .collect();
        for good in &case.clean.utterances {
            let rel = relative(&good.path, &case.synth.root);
            let kept = damaged
                .get(&rel)
                .unwrap_or_else(|| panic!("{corpus}: good file {} lost", rel.display()));
            assert_eq!(
                (&kept.id, kept.emotion, &kept.raw_label, &kept.speaker),
                (&good.id, good.emotion, &good.raw_label, &good.speaker),
                "{corpus}: {}",
                rel.display()
            );
            assert_eq!(kept.duration_s, good.duration_s, "{}", rel.display());
        }
    }
}

#[test]
fn links_and_debris_are_skipped_and_counted_by_kind() {
    for corpus in ["tess", "cafe"] {
        let case = Case::new(corpus);
        let mut expected = case.clean.skipped_counts.clone();
        for kind in [
            Skip::FolderLink,
            Skip::FolderLink,
            Skip::AppleDouble,
            Skip::MacosxFolder,
            Skip::DsStore,
            Skip::ThumbsDb,
            Skip::Extension("txt".into()),
        ] {
            *expected.entry(kind.to_string()).or_insert(0) += 1;
        }
        assert_eq!(case.damaged.skipped_counts, expected, "{corpus}");
        let table = render_table(std::slice::from_ref(&case.damaged));
        assert!(
            table.contains("folder symlinks (not followed) 2 · non-audio files (.txt) 1"),
            "{table}"
        );
        let loop_dir = &case.injection(Damage::SymlinkLoop).path;
        let elsewhere = &case.injection(Damage::LinkOutside).path;
        for u in &case.damaged.utterances {
            assert!(
                !u.path.starts_with(loop_dir) && !u.path.starts_with(elsewhere),
                "{corpus}: followed a folder link to {}",
                u.path.display()
            );
        }
    }
}

#[test]
fn broken_audio_is_rejected_with_the_reason_extraction_gives() {
    for corpus in ["tess", "cafe"] {
        let case = Case::new(corpus);
        for (damage, start) in [
            (Damage::ZeroBytes, "file is empty (0 bytes)"),
            (
                Damage::TruncatedHeader,
                "truncated: the container ends while its headers",
            ),
            (
                Damage::HeaderOnly,
                "truncated: header declares", // … before the first complete packet
            ),
            (Damage::Truncated, "truncated: header declares"),
            (Damage::RandomBytes, "unsupported format or codec"),
        ] {
            let path = &case.injection(damage).path;
            let reason = Case::reason(&case.damaged.problems, path)
                .unwrap_or_else(|| panic!("{corpus}: {damage:?} not a problem"));
            assert!(reason.starts_with(start), "{corpus}: {damage:?}: {reason}");
            let extraction = decode_file(path).expect_err("decodes a broken file");
            assert_eq!(reason, extraction.reason(), "{corpus}: {damage:?}");
        }
    }
}

#[test]
fn audio_the_wav_header_reader_dropped_is_read_with_its_true_label() {
    for corpus in ["tess", "cafe"] {
        let case = Case::new(corpus);
        for damage in [Damage::FlacAsWav, Damage::Float64Wav, Damage::ExtensibleWav] {
            let injected = case.injection(damage);
            let u = case.utterance_at(&injected.path).unwrap_or_else(|| {
                panic!("{corpus}: {damage:?} not read: {:?}", case.damaged.problems)
            });
            assert_eq!(u.emotion, injected.emotion, "{corpus}: {damage:?}");
            assert_eq!(
                u.extra["sample_rate"],
                case.synth.sample_rate.to_string(),
                "{corpus}: {damage:?}"
            );
            let source = &injected.source;
            let original = case
                .damaged
                .utterances
                .iter()
                .find(|o| &o.path == source)
                .unwrap();
            assert_eq!(u.duration_s, original.duration_s, "{corpus}: {damage:?}");
            decode_file(&injected.path).unwrap_or_else(|e| panic!("{corpus}: {damage:?}: {e}"));
        }
    }
}

/// Good audio in the other encodings real corpora mix: each damage with the sample
/// rate it is written at (`None`: the corpus'), its channel count, and how far its
/// decoded samples may lie from the good file's (`None`: another signal).
const ENCODINGS: [(Damage, Option<u32>, usize, Option<f32>); 9] = [
    (Damage::Unsigned8Wav, None, 1, Some(1.0 / 128.0)),
    (Damage::Pcm24Wav, None, 1, Some(0.0)),
    (Damage::Float32Wav, None, 1, Some(0.0)),
    (Damage::StereoSameWav, None, 2, Some(0.0)),
    (Damage::StereoDifferentWav, None, 2, None),
    (Damage::Rate8kWav, Some(8_000), 1, None),
    (Damage::Rate96kWav, Some(96_000), 1, None),
    (Damage::ListBeforeFmtWav, None, 1, Some(0.0)),
    (Damage::OddChunkWav, None, 1, Some(0.0)),
];

#[test]
fn audio_in_other_encodings_is_read_with_its_true_label() {
    for corpus in ["tess", "cafe"] {
        let case = Case::new(corpus);
        for (damage, rate, channels, within) in ENCODINGS {
            let injected = case.injection(damage);
            let at = format!("{corpus}: {damage:?}");
            let u = case
                .utterance_at(&injected.path)
                .unwrap_or_else(|| panic!("{at} not read: {:?}", case.damaged.problems));
            let source = case.utterance_at(&injected.source).unwrap();
            assert!(injected.emotion.is_some(), "{at}");
            assert_eq!(u.emotion, injected.emotion, "{at}");
            assert_eq!(u.emotion, source.emotion, "{at}");
            let rate = rate.unwrap_or(case.synth.sample_rate);
            assert_eq!(u.extra["sample_rate"], rate.to_string(), "{at}");
            assert_eq!(u.extra["channels"], channels.to_string(), "{at}");

            let audio = decode_file(&injected.path).unwrap_or_else(|e| panic!("{at}: {e}"));
            let good = decode_file(&injected.source).unwrap();
            assert_eq!(audio.sample_rate, rate, "{at}");
            assert!(audio.samples.iter().all(|v| v.is_finite()), "{at}");
            let (seconds, expected) = (audio.duration_seconds(), good.duration_seconds());
            assert!(
                (seconds - expected).abs() <= 0.01 * expected,
                "{at}: {seconds} s, expected {expected} s"
            );
            assert_eq!(u.duration_s, Some(seconds), "{at}");
            if let Some(within) = within {
                assert_eq!(audio.samples.len(), good.samples.len(), "{at}");
                let off = audio
                    .samples
                    .iter()
                    .zip(&good.samples)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                assert!(off <= within, "{at}: a sample lies {off} from the good one");
            }
        }
    }
}

#[test]
fn audio_the_quality_gates_refuse_never_reaches_features() {
    let spec = FeatureSpec::preset("da_mldg").unwrap();
    for corpus in ["tess", "cafe"] {
        let case = Case::new(corpus);
        let cache = tempfile::tempdir().unwrap();
        let store = FeatureStore::open(cache.path()).unwrap();
        // What the header shows is refused by the scan already, with the
        // reason extraction gives.
        for (damage, reason) in [
            (Damage::TooShort, "rejected: too short"),
            (Damage::SampleRateBomb, "rejected: sample rate 1 Hz"),
        ] {
            let path = &case.injection(damage).path;
            assert!(case.utterance_at(path).is_none(), "{corpus}: {damage:?}");
            let problem = Case::reason(&case.damaged.problems, path)
                .unwrap_or_else(|| panic!("{corpus}: {damage:?} is not a problem"));
            assert!(problem.starts_with(reason), "{corpus}: {problem}");
            let err = store.get_or_compute(path, &spec).unwrap_err();
            assert_eq!(err.reason(), problem, "{corpus}: {damage:?}");
        }
        // What only the samples show is refused by extraction.
        for (damage, reason) in [
            (Damage::Silent, "rejected: silent"),
            (Damage::Clipped, "rejected: clipped"),
            (Damage::NanSamples, "sample "),
        ] {
            let path = &case.injection(damage).path;
            let err = store.get_or_compute(path, &spec).unwrap_err();
            assert!(
                err.reason().starts_with(reason),
                "{corpus}: {damage:?}: {err}"
            );
        }
        let path = &case.injection(Damage::NanSamples).path;
        let err = decode_file(path).expect_err("decodes NaN samples");
        assert!(
            matches!(err, AudioError::NonFinite { value, .. } if value.is_nan()),
            "{corpus}: {err}"
        );
    }
}

#[test]
fn unknown_codes_are_problems_and_label_conflicts_are_excluded() {
    for (corpus, unknown) in [
        ("tess", "unknown emotion token bored"),
        ("cafe", "unknown emotion letter X"),
    ] {
        let case = Case::new(corpus);
        let path = &case.injection(Damage::UnknownLabel).path;
        assert_eq!(
            Case::reason(&case.damaged.problems, path).as_deref(),
            Some(unknown)
        );
        let path = &case.injection(Damage::LabelConflict).path;
        let reason = Case::reason(&case.damaged.excluded, path)
            .unwrap_or_else(|| panic!("{corpus}: conflict not excluded"));
        assert!(
            reason.starts_with("label conflict: folder says "),
            "{corpus}: {reason}"
        );
        assert!(case.utterance_at(path).is_none());
    }
}

#[test]
fn of_two_same_named_tess_files_the_mislabelled_one_is_excluded() {
    let case = Case::new("tess");
    let copy = case.injection(Damage::MislabelledDuplicate);
    let genuine = &copy.source;
    assert!(copy.path < *genuine, "the mislabelled copy is walked first");
    let reason = Case::reason(&case.damaged.excluded, &copy.path).unwrap();
    assert!(
        reason.starts_with("label conflict: folder says fear"),
        "{reason}"
    );
    let kept = case
        .utterance_at(genuine)
        .expect("the genuine file is kept");
    assert_eq!(kept.emotion, copy.emotion);
}

#[test]
fn a_tess_file_in_the_other_speakers_folder_is_excluded_and_its_twin_kept() {
    let case = Case::new("tess");
    let copy = case.injection(Damage::SpeakerConflict);
    let genuine = &copy.source;
    assert_eq!(copy.path.file_name(), genuine.file_name());
    assert!(copy.path < *genuine, "the misplaced copy is walked first");
    let reason = Case::reason(&case.damaged.excluded, &copy.path).unwrap();
    assert!(
        reason.starts_with("label conflict: folder says speaker YAF (YAF_"),
        "{reason}"
    );
    let kept = case
        .utterance_at(genuine)
        .expect("the genuine twin is kept");
    assert_eq!((kept.emotion, kept.speaker.as_str()), (copy.emotion, "OAF"));
}

#[test]
fn iemocap_audio_without_a_label_line_and_a_label_line_without_audio_are_problems() {
    let case = Case::new("iemocap");
    let kinds: Vec<Damage> = case.copy.injections.iter().map(|i| i.damage).collect();
    assert_eq!(kinds, [Damage::UnlabelledAudio, Damage::LabelWithoutAudio]);
    let turn = |i: &Injection| i.path.file_stem().unwrap().to_string_lossy().into_owned();

    let unlabelled = case.injection(Damage::UnlabelledAudio);
    assert!(unlabelled.path.is_file());
    assert_eq!(
        Case::reason(&case.damaged.problems, &unlabelled.path),
        Some(format!("audio file {} has no label line", turn(unlabelled)))
    );
    let missing = case.injection(Damage::LabelWithoutAudio);
    assert!(!missing.path.exists());
    assert_eq!(
        Case::reason(&case.damaged.problems, &missing.path),
        Some(format!("labelled turn {} has no audio file", turn(missing)))
    );
    for injected in [unlabelled, missing] {
        assert!(
            case.damaged
                .utterances
                .iter()
                .all(|u| u.path != injected.path && u.id != turn(injected)),
            "{:?} given a label",
            injected.damage
        );
    }
    assert_eq!(
        case.damaged.problems.len(),
        2,
        "{:?}",
        case.damaged.problems
    );
    assert!(
        case.damaged.excluded.is_empty(),
        "{:?}",
        case.damaged.excluded
    );
    assert_eq!(case.damaged.utterances.len(), case.clean.utterances.len());
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let case = Case::new("tess");
    let dir = tempfile::tempdir().unwrap();
    let again = damaged_copy(
        &case.synth,
        &dir.path().join("damaged"),
        &dir.path().join("outside"),
        SEED,
    )
    .unwrap();
    let files = |root: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| (relative(e.path(), root), std::fs::read(e.path()).unwrap()))
            .collect()
    };
    let (first, second) = (files(&case.copy.root), files(&again.root));
    assert_eq!(first.len(), second.len());
    for (path, bytes) in &first {
        assert!(
            second.get(path) == Some(bytes),
            "{} differs",
            path.display()
        );
    }
}

#[test]
fn the_walker_lists_each_audio_file_once_and_never_leaves_the_tree() {
    let case = Case::new("tess");
    let clean = walk(&case.synth.root, &AUDIO_EXTENSIONS);
    let damaged = walk(&case.copy.root, &AUDIO_EXTENSIONS);
    let written = case
        .copy
        .injections
        .iter()
        .filter(|i| {
            i.path.extension().is_some_and(|e| e == "wav")
                && !i
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("._")
        })
        .count();
    assert_eq!(damaged.files.len(), clean.files.len() + written);
    let mut unique = damaged.files.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), damaged.files.len());
    assert!(damaged
        .files
        .iter()
        .all(|f| f.starts_with(&case.copy.root) && !f.starts_with(&case.copy.outside)));
    assert_eq!(damaged.skipped[&Skip::FolderLink], 2);
    assert!(damaged.unreadable.is_empty());
}

#[test]
fn scan_takes_files_and_folders_in_any_mix_and_survives_a_loop_beside_corpora() {
    let case = Case::new("tess");
    let parent = case.copy.root.parent().unwrap().to_path_buf();
    std::fs::write(parent.join("README.txt"), "corpora").unwrap();
    std::fs::write(parent.join("manifest.csv"), "id,path\n").unwrap();
    std::os::unix::fs::symlink(".", parent.join("loop")).unwrap();

    let outcome = scan_paths(
        &[
            parent.join("README.txt"),
            case.copy.root.clone(),
            parent.join("manifest.csv"),
            parent.join("nope"),
        ],
        &Default::default(),
    );
    assert_eq!(outcome.scans.len(), 1);
    assert_eq!(
        outcome.scans[0].utterances.len(),
        case.damaged.utterances.len()
    );
    let ignored: Vec<&Path> = outcome.ignored.iter().map(|(p, _)| p.as_path()).collect();
    assert_eq!(
        ignored,
        [parent.join("README.txt"), parent.join("manifest.csv")]
    );
    assert_eq!(outcome.missing, [parent.join("nope")]);
    assert!(outcome.failed.is_empty());

    let outcome = scan_paths(
        &[parent.clone(), case.copy.root.clone()],
        &Default::default(),
    );
    assert_eq!(outcome.scans.len(), 1, "one TESS, found once");
    let scan = &outcome.scans[0];
    assert_eq!(scan.utterances.len(), case.damaged.utterances.len());
    assert_eq!(scan.excluded, case.damaged.excluded);
}

#[test]
fn an_mp3_named_wav_is_read_as_mp3() {
    let case = Case::new("tess");
    let named = case
        .injection(Damage::FlacAsWav)
        .path
        .with_file_name("OAF_mp3_angry.wav");
    std::fs::write(
        &named,
        include_bytes!("../../emoshift-audio/tests/fixtures/audio/tone_1k.mp3"),
    )
    .unwrap();
    let scan = adapter("tess")
        .unwrap()
        .scan(&case.copy.root)
        .unwrap()
        .gated(&QualityGates::default());
    let u = scan
        .utterances
        .iter()
        .find(|u| u.path == named)
        .unwrap_or_else(|| panic!("not read: {:?}", scan.problems));
    assert_eq!(u.raw_label, "angry");
    assert_eq!(u.extra["sample_rate"], "16000");
    assert_eq!(scan.utterances.len(), case.damaged.utterances.len() + 1);
}
