//! Property tests of the label-file and manifest readers where cargo-fuzz
//! cannot run: IEMOCAP's EmoEvaluation `.txt` files, MSP-Improv's
//! `Evalution.txt`, MSP-Podcast's `labels_consensus.csv`, CREMA-D's
//! `VideoDemographics.csv`, the generic `emoshift-corpus.csv`/`.jsonl`
//! descriptions (all through their adapter's scan), and [`Manifest::read`]
//! (CSV and JSONL). Guards: none panics on arbitrary bytes, arbitrary text or
//! valid files with lines dropped, repeated, swapped, inserted, cut short or
//! with a field edited; an error names the file; a scan's utterances point at
//! audio files of the corpus; with valid label files every audio file is an
//! utterance and nothing is a problem; and a manifest reads back what was
//! written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use emoshift_corpus::{adapter, Emotion, Gender, Manifest, Utterance};
use proptest::prelude::*;

mod mutate;
use mutate::{apply_edit, edit, put, Edit, WAV};

// ---- text mutations ---------------------------------------------------------

/// One edit of a text file, by line.
#[derive(Debug, Clone)]
enum LineEdit {
    /// Edit a field of line `i % n`.
    Field(usize, Edit),
    Drop(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, String),
    /// Keep the first `i % (len + 1)` characters.
    Cut(usize),
}

fn line_edit() -> BoxedStrategy<LineEdit> {
    prop_oneof![
        4 => (any::<usize>(), edit()).prop_map(|(i, e)| LineEdit::Field(i, e)),
        1 => any::<usize>().prop_map(LineEdit::Drop),
        1 => any::<usize>().prop_map(LineEdit::Duplicate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| LineEdit::Swap(i, j)),
        1 => (any::<usize>(), "\\PC{0,30}").prop_map(|(i, s)| LineEdit::Insert(i, s)),
        1 => any::<usize>().prop_map(LineEdit::Cut),
    ]
    .boxed()
}

fn apply_line_edit(text: &str, e: &LineEdit) -> String {
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    let n = lines.len();
    match e {
        LineEdit::Field(i, edit) => lines[i % n] = apply_edit(&lines[i % n], edit),
        LineEdit::Drop(i) => {
            lines.remove(i % n);
        }
        LineEdit::Duplicate(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        LineEdit::Swap(i, j) => lines.swap(i % n, j % n),
        LineEdit::Insert(i, s) => lines.insert(i % (n + 1), s.clone()),
        LineEdit::Cut(i) => {
            let chars: Vec<char> = text.chars().collect();
            return chars[..i % (chars.len() + 1)].iter().collect();
        }
    }
    lines.join("\n")
}

/// The contents of a label file: arbitrary bytes, arbitrary text, or `valid`
/// with one to three line edits.
fn contents(valid: BoxedStrategy<String>) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..300),
        1 => "(\\PC|\n|\t|\r){0,300}".prop_map(String::into_bytes),
        6 => (valid, proptest::collection::vec(line_edit(), 1..=3)).prop_map(|(text, edits)| {
            edits
                .iter()
                .fold(text, |t, e| apply_line_edit(&t, e))
                .into_bytes()
        }),
    ]
    .boxed()
}

// ---- corpora with label files -------------------------------------------------

/// A corpus whose labels live in one file.
struct LabelCorpus {
    adapter: &'static str,
    /// The label file, relative to the corpus root.
    label_file: &'static str,
    /// Writes the rest of the corpus (audio and whatever detection needs).
    skeleton: fn(&Path),
    /// Valid label files.
    valid: fn() -> BoxedStrategy<String>,
}

const TURNS: [&str; 4] = [
    "Ses01F_impro01_F000",
    "Ses01F_impro01_M001",
    "Ses01F_script02_1_F002",
    "Ses01M_impro03b_M013",
];
const IEMOCAP_CODES: [&str; 11] = [
    "neu", "hap", "exc", "sad", "ang", "fru", "fea", "sur", "dis", "oth", "xxx",
];

fn dims() -> BoxedStrategy<String> {
    "[1-5]\\.[0-9]{4}".boxed()
}

fn iemocap_skeleton(root: &Path) {
    for turn in TURNS {
        let dialog = turn.rsplit_once('_').unwrap().0;
        put(
            &root.join(format!("Session1/sentences/wav/{dialog}/{turn}.wav")),
            &WAV,
        );
    }
}

/// An EmoEvaluation file labelling every one of [`TURNS`].
fn iemocap_valid() -> BoxedStrategy<String> {
    let line = (
        proptest::sample::select(&IEMOCAP_CODES[..]),
        dims(),
        dims(),
        dims(),
        0..600u32,
    );
    proptest::collection::vec(line, TURNS.len())
        .prop_map(|lines| {
            let mut text =
                String::from("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
            for (turn, (code, v, a, d, start)) in TURNS.iter().zip(lines) {
                text.push_str(&format!(
                    "[{start}.2901 - {}.8357]\t{turn}\t{code}\t[{v}, {a}, {d}]\n",
                    start + 2
                ));
                text.push_str("C-E2:\tNeutral;\t()\nC-E3:\tAnger; Frustration;\t(angry)\n");
                text.push_str("A-E3:\tval 3; act 2; dom  2;\t()\n\n");
            }
            text
        })
        .boxed()
}

const CLIPS: [&str; 3] = [
    "MSP-IMPROV-S01A-F01-S-FM01",
    "MSP-IMPROV-S02H-M01-R-MF02",
    "MSP-IMPROV-S10N-F03-P-FM115",
];

fn msp_improv_skeleton(root: &Path) {
    for clip in CLIPS {
        let parts: Vec<&str> = clip.split('-').collect();
        let session = &parts[3][1..];
        put(
            &root.join(format!(
                "Audio/session{session}/{}/{}/{clip}.wav",
                parts[2], parts[4]
            )),
            &WAV,
        );
    }
}

fn msp_improv_valid() -> BoxedStrategy<String> {
    let line = (
        proptest::sample::select(&["A", "H", "S", "N", "O", "X"][..]),
        dims(),
        dims(),
        dims(),
    );
    proptest::collection::vec(line, CLIPS.len())
        .prop_map(|lines| {
            let mut text = String::new();
            for (clip, (code, a, v, d)) in CLIPS.iter().zip(lines) {
                let utd = clip.replacen("MSP", "UTD", 1);
                text.push_str(&format!("{utd}.avi; {code}; A:{a}; V:{v}; D:{d}; N:3.0;\n"));
                text.push_str("    A-E1; Neutral; A:3.0; V:3.0; D:3.0;\n");
                text.push_str("    A-E2; Angry; A:4.0; V:2.0; D:4.0;\n\n");
            }
            text
        })
        .boxed()
}

const PODCAST_FILES: [&str; 3] = [
    "MSP-PODCAST_0001_0008.wav",
    "MSP-PODCAST_0001_0019.wav",
    "MSP-PODCAST_1170_0031.wav",
];

fn msp_podcast_skeleton(root: &Path) {
    for f in PODCAST_FILES {
        put(&root.join("Audios").join(f), &WAV);
    }
}

fn msp_podcast_valid() -> BoxedStrategy<String> {
    let row = (
        proptest::sample::select(&["A", "S", "H", "U", "F", "D", "C", "N", "O", "X"][..]),
        dims(),
        prop_oneof![Just("Unknown".to_string()), "[0-9]{1,4}"],
        proptest::sample::select(&["Female", "Male", "Unknown"][..]),
        proptest::sample::select(&["Train", "Development", "Test1"][..]),
    );
    proptest::collection::vec(row, PODCAST_FILES.len())
        .prop_map(|rows| {
            let mut text =
                String::from("FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n");
            for (file, (class, dim, spk, gender, split)) in PODCAST_FILES.iter().zip(rows) {
                text.push_str(&format!(
                    "{file},{class},{dim},{dim},{dim},{spk},{gender},{split}\n"
                ));
            }
            text
        })
        .boxed()
}

fn crema_d_skeleton(root: &Path) {
    for f in ["1001_DFA_ANG_XX.wav", "1002_IEO_HAP_HI.wav"] {
        put(&root.join("AudioWAV").join(f), &WAV);
    }
}

fn crema_d_valid() -> BoxedStrategy<String> {
    proptest::collection::vec(
        (
            0..50u32,
            proptest::sample::select(&["Male", "Female"][..]),
            proptest::sample::select(&["Caucasian", "African American", "Asian"][..]),
        ),
        2,
    )
    .prop_map(|rows| {
        let mut text = String::from("ActorID,Age,Sex,Race,Ethnicity\n");
        for (i, (age, sex, race)) in rows.into_iter().enumerate() {
            text.push_str(&format!(
                "{},{},{sex},{race},Not Hispanic\n",
                1001 + i,
                20 + age
            ));
        }
        text
    })
    .boxed()
}

fn manifest_skeleton(root: &Path) {
    for f in ["a.wav", "sub/b.wav", "c d.wav"] {
        put(&root.join(f), &WAV);
    }
}

fn manifest_row() -> impl Strategy<Value = (String, String, String, String, String)> {
    (
        proptest::sample::select(&["anger", "happy", "Neutral", "sad"][..]).prop_map(String::from),
        "[a-z0-9]{1,6}",
        proptest::sample::select(&["female", "m", ""][..]).prop_map(String::from),
        proptest::sample::select(&["low", "high", "0", "1", ""][..]).prop_map(String::from),
        proptest::sample::select(&["negative", "positive", ""][..]).prop_map(String::from),
    )
}

fn manifest_csv_valid() -> BoxedStrategy<String> {
    proptest::collection::vec(manifest_row(), 3)
        .prop_map(|rows| {
            let mut text = String::from("path,label,speaker,gender,arousal,valence,note\n");
            for (path, (label, speaker, gender, arousal, valence)) in
                ["a.wav", "sub/b.wav", "\"c d.wav\""].iter().zip(rows)
            {
                text.push_str(&format!(
                    "{path},{label},{speaker},{gender},{arousal},{valence},take 1\n"
                ));
            }
            text
        })
        .boxed()
}

fn manifest_jsonl_valid() -> BoxedStrategy<String> {
    proptest::collection::vec(manifest_row(), 3)
        .prop_map(|rows| {
            let mut text = String::new();
            for (path, (label, speaker, gender, arousal, valence)) in
                ["a.wav", "sub/b.wav", "c d.wav"].iter().zip(rows)
            {
                let row = serde_json::json!({
                    "path": path, "label": label, "speaker": speaker, "gender": gender,
                    "arousal": arousal, "valence": valence, "note": 1, "corpus": null,
                });
                text.push_str(&format!("{row}\n"));
            }
            text
        })
        .boxed()
}

const CORPORA: [LabelCorpus; 7] = [
    LabelCorpus {
        adapter: "iemocap",
        label_file: "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt",
        skeleton: iemocap_skeleton,
        valid: iemocap_valid,
    },
    LabelCorpus {
        adapter: "msp_improv",
        label_file: "Evalution.txt",
        skeleton: msp_improv_skeleton,
        valid: msp_improv_valid,
    },
    LabelCorpus {
        adapter: "msp_podcast",
        label_file: "Labels/labels_consensus.csv",
        skeleton: msp_podcast_skeleton,
        valid: msp_podcast_valid,
    },
    LabelCorpus {
        adapter: "crema_d",
        label_file: "VideoDemographics.csv",
        skeleton: crema_d_skeleton,
        valid: crema_d_valid,
    },
    LabelCorpus {
        adapter: "manifest",
        label_file: "emoshift-corpus.csv",
        skeleton: manifest_skeleton,
        valid: manifest_csv_valid,
    },
    LabelCorpus {
        adapter: "manifest",
        label_file: "emoshift-corpus.jsonl",
        skeleton: manifest_skeleton,
        valid: manifest_jsonl_valid,
    },
    // IEMOCAP keeps one label file per dialog; a second, valid one must be
    // read whatever the first holds.
    LabelCorpus {
        adapter: "iemocap",
        label_file: "Session1/dialog/EmoEvaluation/Ses01F_impro00.txt",
        skeleton: |root| {
            iemocap_skeleton(root);
            let text = "[1.0 - 2.0]\tSes01F_impro01_F000\tang\t[1.0, 4.0, 4.5]\n";
            put(
                &root.join("Session1/dialog/EmoEvaluation/Ses01F_impro01.txt"),
                text.as_bytes(),
            );
        },
        valid: iemocap_valid,
    },
];

fn corpus(adapter: &str, label_file: &str) -> &'static LabelCorpus {
    CORPORA
        .iter()
        .find(|c| c.adapter == adapter && c.label_file == label_file)
        .unwrap()
}

/// Scans a corpus whose label file holds `contents`: no panic, an error that
/// names the label file, or a scan whose utterances are audio files of the corpus.
fn check_labels(c: &LabelCorpus, contents: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    (c.skeleton)(&root);
    let label_file = root.join(c.label_file);
    put(&label_file, contents);
    let reader = adapter(c.adapter).unwrap();
    prop_assert!(reader.detect(&root), "{} not detected", c.adapter);
    match reader.scan(&root) {
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.contains(&label_file.display().to_string()),
                "error does not name the label file: {}",
                message
            );
        }
        Ok(scan) => {
            for u in &scan.utterances {
                prop_assert!(!u.id.is_empty() && !u.speaker.is_empty(), "{:?}", u);
                prop_assert!(
                    u.path.starts_with(&root) && u.path.is_file(),
                    "{}",
                    u.path.display()
                );
            }
        }
    }
    Ok(())
}

/// Scans a corpus with a valid label file: no problem, and every audio file
/// of the corpus is an utterance.
fn check_valid_labels(c: &LabelCorpus, text: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    (c.skeleton)(&root);
    put(&root.join(c.label_file), text.as_bytes());
    let scan = adapter(c.adapter)
        .unwrap()
        .scan(&root)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    let audio: BTreeSet<PathBuf> = emoshift_corpus::walk::walk(&root, &["wav"])
        .files
        .into_iter()
        .collect();
    let read: BTreeSet<PathBuf> = scan.utterances.iter().map(|u| u.path.clone()).collect();
    prop_assert_eq!(read, audio);
    Ok(())
}

// ---- manifests --------------------------------------------------------------

fn utterance() -> impl Strategy<Value = Utterance> {
    (
        (
            "\\PC{1,12}",
            "\\PC{1,20}",
            "[a-z_]{1,8}",
            "[a-z]{2}",
            "\\PC{1,8}",
        ),
        (
            proptest::option::of(proptest::sample::select(
                &[Gender::Female, Gender::Male][..],
            )),
            "\\PC{0,6}",
            proptest::option::of(proptest::sample::select(&Emotion::ALL[..])),
            proptest::option::of(0.0..1e4f64),
            // An empty session is read back as none from CSV, which has no way
            // to tell the two apart; sessions are never empty.
            proptest::option::of("\\PC{1,8}"),
            proptest::collection::btree_map("\\PC{1,6}", "\\PC{0,8}", 0..3),
        ),
    )
        .prop_map(
            |(
                (id, path, corpus, language, speaker),
                (gender, raw, emotion, duration, session, extra),
            )| {
                let mut u = Utterance::new(
                    &corpus,
                    &language,
                    id,
                    PathBuf::from(path),
                    speaker,
                    gender,
                    raw,
                    emotion,
                );
                u.duration_s = duration;
                u.session = session;
                u.extra = extra;
                u
            },
        )
}

/// Reads `bytes` as a manifest called `name`: no panic, and an error names the file.
fn check_manifest_read(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    put(&path, bytes);
    if let Err(e) = Manifest::read(&path) {
        let message = e.to_string();
        prop_assert!(
            message.contains(&path.display().to_string()),
            "error does not name the manifest: {}",
            message
        );
    }
    Ok(())
}

/// A manifest as written by [`Manifest::write`].
fn written_manifest(name: &str, utterances: Vec<Utterance>) -> (Manifest, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let manifest = Manifest::new(utterances);
    manifest.write(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    (manifest, text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn iemocap_labels_never_panic(bytes in contents(iemocap_valid())) {
        check_labels(corpus("iemocap", "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt"), &bytes)?;
    }

    #[test]
    fn iemocap_second_label_file_never_panics(bytes in contents(iemocap_valid())) {
        check_labels(corpus("iemocap", "Session1/dialog/EmoEvaluation/Ses01F_impro00.txt"), &bytes)?;
    }

    #[test]
    fn msp_improv_labels_never_panic(bytes in contents(msp_improv_valid())) {
        check_labels(corpus("msp_improv", "Evalution.txt"), &bytes)?;
    }

    #[test]
    fn msp_podcast_labels_never_panic(bytes in contents(msp_podcast_valid())) {
        check_labels(corpus("msp_podcast", "Labels/labels_consensus.csv"), &bytes)?;
    }

    #[test]
    fn crema_d_demographics_never_panic(bytes in contents(crema_d_valid())) {
        check_labels(corpus("crema_d", "VideoDemographics.csv"), &bytes)?;
    }

    #[test]
    fn corpus_csv_descriptions_never_panic(bytes in contents(manifest_csv_valid())) {
        check_labels(corpus("manifest", "emoshift-corpus.csv"), &bytes)?;
    }

    #[test]
    fn corpus_jsonl_descriptions_never_panic(bytes in contents(manifest_jsonl_valid())) {
        check_labels(corpus("manifest", "emoshift-corpus.jsonl"), &bytes)?;
    }

    #[test]
    fn valid_label_files_label_every_file(
        (i, text) in (0..CORPORA.len()).prop_flat_map(|i| (Just(i), (CORPORA[i].valid)())),
    ) {
        check_valid_labels(&CORPORA[i], &text)?;
    }

    #[test]
    fn manifests_read_back_what_was_written(
        utterances in proptest::collection::vec(utterance(), 0..4),
        jsonl in any::<bool>(),
    ) {
        let name = if jsonl { "m.jsonl" } else { "m.csv" };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let manifest = Manifest::new(utterances);
        manifest.write(&path).unwrap();
        prop_assert_eq!(Manifest::read(&path).unwrap(), manifest);
    }

    #[test]
    fn damaged_manifests_never_panic(
        utterances in proptest::collection::vec(utterance(), 1..4),
        jsonl in any::<bool>(),
        edits in proptest::collection::vec(line_edit(), 1..=3),
        raw in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
    ) {
        let name = if jsonl { "m.jsonl" } else { "m.csv" };
        let bytes = match raw {
            Some(bytes) => bytes,
            None => {
                let (_, text) = written_manifest(name, utterances);
                edits.iter().fold(text, |t, e| apply_line_edit(&t, e)).into_bytes()
            }
        };
        check_manifest_read(name, &bytes)?;
    }
}

/// Found by `manifests_read_back_what_was_written`: without serde_json's
/// `float_roundtrip`, this duration came back from JSONL one ulp off.
#[test]
fn jsonl_manifest_keeps_durations_exact() {
    let mut u = Utterance::new("a", "aa", "x", PathBuf::from("A"), " ", None, "", None);
    u.duration_s = Some(1538.4089334088799);
    for name in ["m.jsonl", "m.csv"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let manifest = Manifest::new(vec![u.clone()]);
        manifest.write(&path).unwrap();
        assert_eq!(Manifest::read(&path).unwrap(), manifest, "{name}");
    }
}
