//! Property tests of the corpus file-name parsers where cargo-fuzz cannot run.
//! The parsers are private to the adapters, so each is driven through its
//! adapter's public scan over a temporary corpus whose files (or, for IEMOCAP
//! and the MSP corpora, label entries) carry the generated names. Guards: no
//! parser panics on arbitrary names or on near-valid ones (a field of a valid
//! name replaced, dropped, duplicated, recased, or given unicode or empty
//! text); every file is accounted for (an utterance, excluded, a problem or a
//! skip count); every utterance points at a file of the corpus and has an id,
//! a speaker and numbers written in ASCII digits; and a valid generated name
//! round-trips to the fields it was built from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use emoshift_corpus::{adapter, CorpusScan, Emotion, Gender};
use proptest::prelude::*;
use proptest::strategy::Union;

mod mutate;
use mutate::{apply_edit, edit, put, WAV};

/// `name` as a file name that can be created: without `/` and NUL, at most
/// 200 bytes; `None` for names that name no new file (``, `.`, `..`).
fn file_safe(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars().filter(|c| !matches!(c, '/' | '\0')) {
        if out.len() + c.len_utf8() > 200 {
            break;
        }
        out.push(c);
    }
    (!matches!(out.as_str(), "" | "." | "..")).then_some(out)
}

/// The fields a valid generated name must come back as.
#[derive(Debug, Clone)]
struct Expected {
    id: String,
    speaker: String,
    raw_label: String,
    emotion: Option<Emotion>,
    gender: Option<Gender>,
    session: Option<String>,
    extra: Vec<(&'static str, String)>,
}

impl Expected {
    fn new(
        id: impl Into<String>,
        speaker: impl Into<String>,
        raw_label: impl Into<String>,
        emotion: Emotion,
        gender: Option<Gender>,
    ) -> Self {
        Expected {
            id: id.into(),
            speaker: speaker.into(),
            raw_label: raw_label.into(),
            emotion: Some(emotion),
            gender,
            session: None,
            extra: Vec::new(),
        }
    }

    fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((key, value.into()));
        self
    }
}

/// A valid name and what it encodes.
type Valid = (String, Expected);

/// One corpus: how names become a corpus tree, and its valid names.
struct Corpus {
    adapter: &'static str,
    /// Writes a corpus under the root holding `names` and whatever detection
    /// needs; returns the number of audio files written, or `None` where the
    /// names live in a label file rather than in file names.
    build: fn(&Path, &[String]) -> Option<usize>,
    valid: fn() -> BoxedStrategy<Valid>,
}

/// Writes `anchors` and the file-safe `names` as WAV files into `dir`
/// (relative to `root`); the number of distinct files written.
fn files_in(root: &Path, dir: &str, anchors: &[&str], names: &[String]) -> usize {
    let mut written = BTreeSet::new();
    std::fs::create_dir_all(root.join(dir)).unwrap();
    for a in anchors {
        put(&root.join(a), &WAV);
        written.insert(root.join(a));
    }
    for name in names.iter().filter_map(|n| file_safe(n)) {
        let path = root.join(dir).join(name);
        if path.is_dir() {
            continue; // a name that repeats a folder of the skeleton
        }
        put(&path, &WAV);
        written.insert(path);
    }
    written.len()
}

fn two(n: u32) -> String {
    format!("{n:02}")
}

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> BoxedStrategy<T> {
    proptest::sample::select(items).boxed()
}

// ---- the corpora ----------------------------------------------------------

fn ravdess_emotion(code: u32) -> Emotion {
    use Emotion::*;
    [
        Neutral, Calm, Happiness, Sadness, Anger, Fear, Disgust, Surprise,
    ][code as usize - 1]
}

fn ravdess_valid() -> BoxedStrategy<Valid> {
    (1..=8u32, 1..=2u32, 1..=2u32, 1..=2u32, 1..=24u32)
        .prop_map(|(e, i, s, r, a)| {
            let stem = format!(
                "03-01-{}-{}-{}-{}-{}",
                two(e),
                two(i),
                two(s),
                two(r),
                two(a)
            );
            let gender = if a % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            let exp = Expected::new(
                &stem,
                format!("Actor_{}", two(a)),
                two(e),
                ravdess_emotion(e),
                Some(gender),
            )
            .with("intensity", if i == 1 { "normal" } else { "strong" })
            .with("statement", two(s))
            .with("repetition", two(r));
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const CREMA_SENTENCES: [&str; 12] = [
    "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
];
const CREMA_EMOTIONS: [(&str, Emotion); 6] = [
    ("ANG", Emotion::Anger),
    ("DIS", Emotion::Disgust),
    ("FEA", Emotion::Fear),
    ("HAP", Emotion::Happiness),
    ("NEU", Emotion::Neutral),
    ("SAD", Emotion::Sadness),
];

fn crema_d_valid() -> BoxedStrategy<Valid> {
    (
        1001..=1091u32,
        pick(&CREMA_SENTENCES),
        pick(&CREMA_EMOTIONS),
        pick(&["LO", "MD", "HI", "XX"]),
    )
        .prop_map(|(actor, sentence, (code, emotion), level)| {
            let stem = format!("{actor}_{sentence}_{code}_{level}");
            let exp = Expected::new(&stem, actor.to_string(), code, emotion, None)
                .with("sentence", sentence)
                .with("level", level);
            (format!("{stem}.wav"), exp)
        })
        // The one silent recording is excluded on purpose.
        .prop_filter("not the silent file", |(name, _)| {
            name != "1076_MTI_SAD_XX.wav"
        })
        .boxed()
}

const EMODB_SPEAKERS: [(&str, Gender); 10] = [
    ("03", Gender::Male),
    ("08", Gender::Female),
    ("09", Gender::Female),
    ("10", Gender::Male),
    ("11", Gender::Male),
    ("12", Gender::Male),
    ("13", Gender::Female),
    ("14", Gender::Female),
    ("15", Gender::Male),
    ("16", Gender::Female),
];
const EMODB_EMOTIONS: [(&str, Emotion); 7] = [
    ("W", Emotion::Anger),
    ("L", Emotion::Boredom),
    ("E", Emotion::Disgust),
    ("A", Emotion::Fear),
    ("F", Emotion::Happiness),
    ("T", Emotion::Sadness),
    ("N", Emotion::Neutral),
];

fn emodb_valid() -> BoxedStrategy<Valid> {
    (
        pick(&EMODB_SPEAKERS),
        "[ab]0[1-7]",
        pick(&EMODB_EMOTIONS),
        "[a-z]",
    )
        .prop_map(|((speaker, gender), text, (code, emotion), version)| {
            let stem = format!("{speaker}{text}{code}{version}");
            let exp = Expected::new(&stem, speaker, code, emotion, Some(gender))
                .with("text", text)
                .with("version", version);
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const TESS_EMOTIONS: [(&str, Emotion); 7] = [
    ("angry", Emotion::Anger),
    ("disgust", Emotion::Disgust),
    ("fear", Emotion::Fear),
    ("happy", Emotion::Happiness),
    ("neutral", Emotion::Neutral),
    ("ps", Emotion::Surprise),
    ("sad", Emotion::Sadness),
];

fn tess_valid() -> BoxedStrategy<Valid> {
    (
        // The speaker of the folder the files are put in (`OAF_words`), in any case.
        pick(&["OAF", "oaf", "Oaf"]),
        "[a-z]{1,8}",
        pick(&TESS_EMOTIONS),
        any::<bool>(),
    )
        .prop_map(|(speaker, word, (token, emotion), upper)| {
            let written = if upper {
                token.to_uppercase()
            } else {
                token.to_string()
            };
            let stem = format!("{speaker}_{word}_{written}");
            let exp = Expected::new(
                &stem,
                speaker.to_uppercase(),
                token,
                emotion,
                Some(Gender::Female),
            )
            .with("word", word);
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const SAVEE_SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];
const SAVEE_EMOTIONS: [(&str, Emotion); 7] = [
    ("a", Emotion::Anger),
    ("d", Emotion::Disgust),
    ("f", Emotion::Fear),
    ("h", Emotion::Happiness),
    ("n", Emotion::Neutral),
    ("sa", Emotion::Sadness),
    ("su", Emotion::Surprise),
];

fn savee_flat_valid() -> BoxedStrategy<Valid> {
    (pick(&SAVEE_SPEAKERS), pick(&SAVEE_EMOTIONS), 1..=30u32)
        .prop_map(|(speaker, (code, emotion), n)| {
            let id = format!("{speaker}_{code}{}", two(n));
            let exp = Expected::new(&id, speaker, code, emotion, Some(Gender::Male))
                .with("number", two(n));
            (format!("{id}.wav"), exp)
        })
        .boxed()
}

/// Nested SAVEE names all live in `AudioData/DC/`.
fn savee_nested_valid() -> BoxedStrategy<Valid> {
    (pick(&SAVEE_EMOTIONS), 1..=30u32)
        .prop_map(|((code, emotion), n)| {
            let exp = Expected::new(
                format!("DC_{code}{}", two(n)),
                "DC",
                code,
                emotion,
                Some(Gender::Male),
            )
            .with("number", two(n));
            (format!("{code}{}.wav", two(n)), exp)
        })
        .boxed()
}

const EMOVO_EMOTIONS: [(&str, Emotion); 7] = [
    ("neu", Emotion::Neutral),
    ("dis", Emotion::Disgust),
    ("gio", Emotion::Happiness),
    ("pau", Emotion::Fear),
    ("rab", Emotion::Anger),
    ("sor", Emotion::Surprise),
    ("tri", Emotion::Sadness),
];

fn emovo_valid() -> BoxedStrategy<Valid> {
    (
        pick(&EMOVO_EMOTIONS),
        "[fm][1-3]",
        "[a-z]{1,2}[1-9]",
        any::<bool>(),
    )
        .prop_map(|((code, emotion), speaker, sentence, upper)| {
            let written = if upper {
                code.to_uppercase()
            } else {
                code.to_string()
            };
            let stem = format!("{written}-{speaker}-{sentence}");
            let gender = if speaker.starts_with('f') {
                Gender::Female
            } else {
                Gender::Male
            };
            let exp = Expected::new(&stem, &speaker, code, emotion, Some(gender))
                .with("sentence", sentence);
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const SHEMO_EMOTIONS: [(&str, Emotion); 6] = [
    ("A", Emotion::Anger),
    ("H", Emotion::Happiness),
    ("N", Emotion::Neutral),
    ("S", Emotion::Sadness),
    ("W", Emotion::Surprise),
    ("F", Emotion::Fear),
];

fn shemo_valid() -> BoxedStrategy<Valid> {
    (
        pick(&[("F", Gender::Female), ("M", Gender::Male)]),
        1..=56u32,
        pick(&SHEMO_EMOTIONS),
        "[0-9]{2,3}",
    )
        .prop_map(|((g, gender), speaker, (code, emotion), number)| {
            let stem = format!("{g}{}{code}{number}", two(speaker));
            let exp = Expected::new(
                &stem,
                format!("{g}{}", two(speaker)),
                code,
                emotion,
                Some(gender),
            );
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const CAFE_EMOTIONS: [(&str, Emotion); 7] = [
    ("C", Emotion::Anger),
    ("D", Emotion::Disgust),
    ("J", Emotion::Happiness),
    ("N", Emotion::Neutral),
    ("P", Emotion::Fear),
    ("S", Emotion::Surprise),
    ("T", Emotion::Sadness),
];

fn cafe_valid() -> BoxedStrategy<Valid> {
    (
        1..=12u32,
        pick(&CAFE_EMOTIONS),
        1..=2u32,
        1..=6u32,
        any::<bool>(),
    )
        .prop_map(|(actor, (code, emotion), intensity, sentence, short)| {
            let gender = if actor % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            // Neutral files may omit the intensity (`AA-N-S.wav`).
            let short = short && code == "N";
            let stem = if short {
                format!("{}-{code}-{sentence}", two(actor))
            } else {
                format!("{}-{code}-{intensity}-{sentence}", two(actor))
            };
            let mut exp = Expected::new(&stem, two(actor), code, emotion, Some(gender))
                .with("sentence", sentence.to_string());
            if !short {
                exp = exp.with("intensity", if intensity == 1 { "faible" } else { "fort" });
            }
            (format!("{stem}.wav"), exp)
        })
        .boxed()
}

const AESDD_EMOTIONS: [(&str, Emotion); 5] = [
    ("a", Emotion::Anger),
    ("d", Emotion::Disgust),
    ("f", Emotion::Fear),
    ("h", Emotion::Happiness),
    ("s", Emotion::Sadness),
];

fn aesdd_valid() -> BoxedStrategy<Valid> {
    (
        pick(&AESDD_EMOTIONS),
        1..=20u32,
        pick(&[" ", ""]),
        1..=5u32,
        pick(&["", "b"]),
    )
        .prop_map(|((code, emotion), n, space, speaker, take)| {
            let stem = format!("{code}{}{space}({speaker}){take}", two(n));
            let take = if take.is_empty() { "a" } else { take };
            let exp = Expected::new(&stem, speaker.to_string(), code, emotion, None)
                .with("number", two(n))
                .with("take", take);
            (format!("{stem}.wav"), exp)
        })
        // The one defective recording is excluded on purpose.
        .prop_filter("not the defective file", |(name, _)| name != "s05 (3).wav")
        .boxed()
}

/// IEMOCAP names are turn ids in a label file of `Session1`.
fn iemocap_valid() -> BoxedStrategy<Valid> {
    (
        1..=5u32,
        pick(&["F", "M"]),
        prop_oneof!["impro0[1-8]", "script0[1-3]_[1-3]", "impro0[1-8][ab]"],
        pick(&[("F", Gender::Female), ("M", Gender::Male)]),
        0..1000u32,
    )
        .prop_map(|(session, lead, dialog, (g, gender), turn)| {
            let dialog_id = format!("Ses{}{lead}_{dialog}", two(session));
            let id = format!("{dialog_id}_{g}{turn:03}");
            let mut exp = Expected::new(
                &id,
                format!("Ses{}{g}", two(session)),
                "neu",
                Emotion::Neutral,
                Some(gender),
            )
            .with("dialog", dialog_id)
            .with(
                "kind",
                if dialog.contains("script") {
                    "scripted"
                } else {
                    "improvised"
                },
            );
            exp.session = Some("Session1".into());
            (id, exp)
        })
        .boxed()
}

/// MSP-Improv names are clip names in `Evalution.txt`.
fn msp_improv_valid() -> BoxedStrategy<Valid> {
    (
        pick(&["UTD", "MSP"]),
        "S[0-9]{2}[A-Z]",
        pick(&[("F", Gender::Female), ("M", Gender::Male)]),
        1..=6u32,
        "[RSTP]",
        "[A-Z]{1,2}[0-9]{2,3}",
        pick(&["avi", "wav"]),
    )
        .prop_map(|(prefix, sentence, (g, gender), n, condition, turn, ext)| {
            let speaker = format!("{g}{}", two(n));
            let id = format!("MSP-IMPROV-{sentence}-{speaker}-{condition}-{turn}");
            let mut exp = Expected::new(&id, &speaker, "N", Emotion::Neutral, Some(gender))
                .with("sentence", &sentence)
                .with("condition", &condition);
            exp.session = Some(format!("session{n}"));
            (
                format!("{prefix}-IMPROV-{sentence}-{speaker}-{condition}-{turn}.{ext}"),
                exp,
            )
        })
        .boxed()
}

/// MSP-Podcast names are `FileName`s in the label CSV, all of unknown speakers.
fn msp_podcast_valid() -> BoxedStrategy<Valid> {
    ("[0-9]{4}", "[0-9]{4}")
        .prop_map(|(podcast, segment)| {
            let id = format!("MSP-PODCAST_{podcast}_{segment}");
            let exp = Expected::new(
                &id,
                format!("unknown_{podcast}"),
                "N",
                Emotion::Neutral,
                None,
            );
            (format!("{id}.wav"), exp)
        })
        .boxed()
}

fn build_iemocap(root: &Path, names: &[String]) -> Option<usize> {
    let session = root.join("Session1");
    let mut text = String::from("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
    for name in names {
        text.push_str(&format!(
            "[6.2901 - 8.2357]\t{name}\tneu\t[2.5000, 2.5000, 2.5000]\n"
        ));
        text.push_str("C-E2:\tNeutral;\t()\n\n");
        // The audio of every turn id that names a file inside the corpus.
        if let Some((dialog, _)) = name.rsplit_once('_') {
            if let (Some(d), Some(f)) = (file_safe(dialog), file_safe(&format!("{name}.wav"))) {
                if d == dialog && f == format!("{name}.wav") {
                    put(&session.join("sentences/wav").join(d).join(f), &WAV);
                }
            }
        }
    }
    put(
        &session.join("dialog/EmoEvaluation/Ses01F_impro01.txt"),
        text.as_bytes(),
    );
    None
}

fn build_msp_improv(root: &Path, names: &[String]) -> Option<usize> {
    let mut text = String::new();
    for name in names {
        text.push_str(&format!(
            "{name}; N; A:3.000000; V:3.500000; D:3.000000; N:3.0;\n"
        ));
        text.push_str("    A-E1; Neutral; A:3.0; V:3.0; D:3.0;\n");
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let stem = stem
            .strip_prefix("UTD-")
            .map_or(stem.to_string(), |s| format!("MSP-{s}"));
        if let Some(f) = file_safe(&format!("{stem}.wav")) {
            put(&root.join("Audio/session1/clips").join(f), &WAV);
        }
    }
    put(&root.join("Evalution.txt"), text.as_bytes());
    std::fs::create_dir_all(root.join("Audio")).unwrap();
    None
}

fn build_msp_podcast(root: &Path, names: &[String]) -> Option<usize> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "FileName",
        "EmoClass",
        "EmoAct",
        "EmoVal",
        "EmoDom",
        "SpkrID",
        "Gender",
        "Split_Set",
    ])
    .unwrap();
    for name in names {
        w.write_record([
            name.as_str(),
            "N",
            "4.0",
            "4.2",
            "4.4",
            "Unknown",
            "Unknown",
            "Train",
        ])
        .unwrap();
        if let Some(f) = file_safe(name) {
            if &f == name {
                put(&root.join("Audios").join(f), &WAV);
            }
        }
    }
    put(
        &root.join("Labels/labels_consensus.csv"),
        &w.into_inner().unwrap(),
    );
    std::fs::create_dir_all(root.join("Audios")).unwrap();
    None
}

static CORPORA: LazyLock<BTreeMap<&'static str, Corpus>> = LazyLock::new(|| {
    let list = [
        (
            "ravdess",
            Corpus {
                adapter: "ravdess",
                build: |r, n| Some(files_in(r, "Actor_01", &[], n)),
                valid: ravdess_valid,
            },
        ),
        (
            "crema_d",
            Corpus {
                adapter: "crema_d",
                build: |r, n| {
                    Some(files_in(
                        r,
                        "AudioWAV",
                        &["AudioWAV/1001_DFA_ANG_XX.wav"],
                        n,
                    ))
                },
                valid: crema_d_valid,
            },
        ),
        (
            "emodb",
            Corpus {
                adapter: "emodb",
                build: |r, n| Some(files_in(r, "wav", &["wav/03a01Wa.wav"], n)),
                valid: emodb_valid,
            },
        ),
        (
            "tess",
            Corpus {
                // A speaker folder without an emotion, so no folder label conflicts;
                // the names carry its speaker, so no speaker conflicts either.
                adapter: "tess",
                build: |r, n| Some(files_in(r, "OAF_words", &[], n)),
                valid: tess_valid,
            },
        ),
        (
            "savee_flat",
            Corpus {
                adapter: "savee",
                build: |r, n| Some(files_in(r, "", &["DC_a01.wav"], n)),
                valid: savee_flat_valid,
            },
        ),
        (
            "savee_nested",
            Corpus {
                adapter: "savee",
                build: |r, n| Some(files_in(r, "AudioData/DC", &[], n)),
                valid: savee_nested_valid,
            },
        ),
        (
            "emovo",
            Corpus {
                adapter: "emovo",
                build: |r, n| Some(files_in(r, "f1", &["f1/neu-f1-b1.wav"], n)),
                valid: emovo_valid,
            },
        ),
        (
            "shemo",
            Corpus {
                adapter: "shemo",
                build: |r, n| Some(files_in(r, "female", &["female/F01A01.wav"], n)),
                valid: shemo_valid,
            },
        ),
        (
            "cafe",
            Corpus {
                // Emotion folders for detection; the names lie outside them, so no
                // folder label conflicts.
                adapter: "cafe",
                build: |r, n| {
                    for d in ["Colère", "Joie", "Neutre"] {
                        std::fs::create_dir_all(r.join(d)).unwrap();
                    }
                    Some(files_in(r, "", &[], n))
                },
                valid: cafe_valid,
            },
        ),
        (
            "aesdd",
            Corpus {
                adapter: "aesdd",
                build: |r, n| {
                    // Numbered past the valid names, whose ids they would repeat.
                    let anchors = [
                        "anger/a99 (1).wav",
                        "disgust/d99 (1).wav",
                        "fear/f99 (1).wav",
                    ];
                    Some(files_in(r, "", &anchors, n))
                },
                valid: aesdd_valid,
            },
        ),
        (
            "iemocap",
            Corpus {
                adapter: "iemocap",
                build: build_iemocap,
                valid: iemocap_valid,
            },
        ),
        (
            "msp_improv",
            Corpus {
                adapter: "msp_improv",
                build: build_msp_improv,
                valid: msp_improv_valid,
            },
        ),
        (
            "msp_podcast",
            Corpus {
                adapter: "msp_podcast",
                build: build_msp_podcast,
                valid: msp_podcast_valid,
            },
        ),
    ];
    list.into_iter().collect()
});

// ---- names ------------------------------------------------------------------

/// Names for a corpus: arbitrary text (with or without `.wav`) and valid names
/// with one or two field edits.
fn names(corpus: &Corpus) -> BoxedStrategy<Vec<String>> {
    let arbitrary = (
        prop_oneof!["\\PC{0,40}", ".{0,40}", "[ -~]{0,40}"],
        any::<bool>(),
    )
        .prop_map(|(s, wav)| if wav { format!("{s}.wav") } else { s });
    let near_valid = ((corpus.valid)(), proptest::collection::vec(edit(), 1..=2))
        .prop_map(|((name, _), edits)| edits.iter().fold(name, |n, e| apply_edit(&n, e)));
    let one = Union::new_weighted(vec![(1, arbitrary.boxed()), (3, near_valid.boxed())]);
    proptest::collection::vec(one, 1..8).boxed()
}

// ---- checks -----------------------------------------------------------------

/// A decimal digit of a script other than ASCII.
static OTHER_DIGIT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"[\d&&[^0-9]]").unwrap());

fn scan(
    corpus: &Corpus,
    names: &[String],
) -> Result<(tempfile::TempDir, CorpusScan, Option<usize>), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    let files = (corpus.build)(&root, names);
    let reader = adapter(corpus.adapter).unwrap();
    prop_assert!(reader.detect(&root), "{} not detected", corpus.adapter);
    let scan = reader
        .scan(&root)
        .map_err(|e| TestCaseError::fail(format!("scan failed: {e}")))?;
    Ok((dir, scan, files))
}

/// What every scan must satisfy, whatever the names.
fn check_scan(scan: &CorpusScan, files: Option<usize>) -> Result<(), TestCaseError> {
    let root = &scan.root;
    for u in &scan.utterances {
        prop_assert!(!u.id.is_empty() && !u.speaker.is_empty(), "{u:?}");
        prop_assert!(
            u.path.starts_with(root) && u.path.is_file(),
            "{}",
            u.path.display()
        );
        // Every corpus writes its numbers in ASCII digits; a field holding
        // another script's decimal digit comes from a name that is not the
        // corpus'. Free-text fields are exempt: TESS' word, IEMOCAP's dialog
        // name, and MSP-Podcast's `unknown_<file stem>` speaker for a file
        // not named MSP-PODCAST_<podcast>_….
        let mut fields: Vec<(&str, &str)> = vec![("raw_label", &u.raw_label)];
        if !(u.corpus == "msp_podcast" && u.speaker == format!("unknown_{}", u.id)) {
            fields.push(("speaker", &u.speaker));
        }
        fields.extend(u.session.as_deref().map(|s| ("session", s)));
        fields.extend(
            u.extra
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "word" | "dialog"))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for (key, value) in fields {
            prop_assert!(
                !OTHER_DIGIT.is_match(value),
                "{key} {value:?} of {} holds a non-ASCII digit",
                u.path.display()
            );
        }
    }
    if let Some(files) = files {
        let accounted = scan.utterances.len()
            + scan.excluded.len()
            + scan.problems.len()
            + scan.skipped_counts.values().sum::<usize>();
        prop_assert_eq!(accounted, files, "files not accounted for: {:#?}", scan);
    }
    Ok(())
}

fn check_names(key: &str, names: &[String]) -> Result<(), TestCaseError> {
    let corpus = &CORPORA[key];
    let (_dir, scan, files) = scan(corpus, names)?;
    check_scan(&scan, files)
}

fn check_round_trip(key: &str, valid: &[Valid]) -> Result<(), TestCaseError> {
    let corpus = &CORPORA[key];
    let names: Vec<String> = valid.iter().map(|(n, _)| n.clone()).collect();
    let (_dir, scan, files) = scan(corpus, &names)?;
    check_scan(&scan, files)?;
    prop_assert!(scan.problems.is_empty(), "problems: {:?}", scan.problems);
    prop_assert!(scan.excluded.is_empty(), "excluded: {:?}", scan.excluded);
    for (name, exp) in valid {
        let u = scan.utterances.iter().find(|u| u.id == exp.id);
        let Some(u) = u else {
            return Err(TestCaseError::fail(format!(
                "{name}: no utterance {}",
                exp.id
            )));
        };
        prop_assert_eq!(&u.speaker, &exp.speaker, "{}", name);
        prop_assert_eq!(&u.raw_label, &exp.raw_label, "{}", name);
        prop_assert_eq!(u.emotion, exp.emotion, "{}", name);
        prop_assert_eq!(u.gender, exp.gender, "{}", name);
        prop_assert_eq!(&u.session, &exp.session, "{}", name);
        for (k, v) in &exp.extra {
            prop_assert_eq!(u.extra.get(*k), Some(v), "{}: extra {}", name, k);
        }
    }
    Ok(())
}

/// Valid names of distinct utterances (a second name of one id, e.g. an MSP-Improv
/// clip as `.avi` and `.wav`, would be excluded as a duplicate) for a corpus.
fn valid_set(key: &str) -> BoxedStrategy<Vec<Valid>> {
    proptest::collection::vec((CORPORA[key].valid)(), 1..6)
        .prop_map(|v| {
            let mut seen = BTreeSet::new();
            v.into_iter()
                .filter(|(_, e)| seen.insert(e.id.clone()))
                .collect()
        })
        .boxed()
}

macro_rules! corpus_properties {
    ($($corpus:ident),* $(,)?) => {
        $(
            mod $corpus {
                use super::*;

                proptest! {
                    #![proptest_config(ProptestConfig::with_cases(48))]

                    #[test]
                    fn names_never_panic(names in names(&CORPORA[stringify!($corpus)])) {
                        check_names(stringify!($corpus), &names)?;
                    }

                    #[test]
                    fn valid_names_round_trip(valid in valid_set(stringify!($corpus))) {
                        check_round_trip(stringify!($corpus), &valid)?;
                    }
                }
            }
        )*
    };
}

corpus_properties!(
    ravdess,
    crema_d,
    emodb,
    tess,
    savee_flat,
    savee_nested,
    emovo,
    shemo,
    cafe,
    aesdd,
    iemocap,
    msp_improv,
    msp_podcast,
);

/// Scans `names` as `corpus` and returns the scan, which must hold no utterance.
fn none_accepted(key: &str, names: &[&str]) -> CorpusScan {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let (_dir, scan, files) = scan(&CORPORA[key], &names).unwrap();
    check_scan(&scan, files).unwrap();
    let accepted: Vec<&str> = scan.utterances.iter().map(|u| u.id.as_str()).collect();
    let anchors = ["neu-f1-b1"];
    assert!(
        accepted.iter().all(|id| anchors.contains(id)),
        "accepted {accepted:?}"
    );
    scan
}

/// Found by `cafe::names_never_panic`: `\d` matched Arabic-Indic digits, so
/// `٠٣-C-1-1.wav` was read as actor `٠٣`, whose number `parse` rejected and
/// the adapter took as 0, hence female.
#[test]
fn cafe_names_with_non_ascii_digits_are_problems() {
    let scan = none_accepted("cafe", &["01-C-1-٣.wav", "٠٣-C-1-1.wav"]);
    assert_eq!(scan.problems.len(), 2, "{:?}", scan.problems);
}

/// Found by `emovo::names_never_panic`: the sentence code `a٣1` was accepted.
#[test]
fn emovo_names_with_non_ascii_digits_are_problems() {
    let scan = none_accepted("emovo", &["neu-m1-a٣1.wav"]);
    assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
}

/// The same `\d` in MSP-Improv's label line read speaker `F٠١` as session 0.
#[test]
fn msp_improv_clips_with_non_ascii_digits_are_problems() {
    let scan = none_accepted("msp_improv", &["UTD-IMPROV-S01A-F٠١-S-FM01.avi"]);
    let problems: Vec<&str> = scan.problems.iter().map(|(_, r)| r.as_str()).collect();
    assert!(
        problems.iter().any(|r| r.starts_with("label line is not")),
        "{problems:?}"
    );
}
