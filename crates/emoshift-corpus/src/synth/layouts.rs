//! What each synthetic corpus contains and where its files go: speakers, items,
//! acting style and recording chain per corpus, in the corpus' real layout and
//! naming, plus the side files the adapters read (CREMA-D's `VideoDemographics.csv`,
//! IEMOCAP's `EmoEvaluation` label files).

use rand::seq::SliceRandom;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;
use std::path::PathBuf;

use super::chain::{Chain, Eq};
use super::style::ActingStyle;
use crate::emotion::{Emotion, Gender};

/// One synthetic speaker of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerSpec {
    /// Speaker id as the adapter will report it.
    pub id: String,
    /// Gender.
    pub gender: Gender,
    /// F0 shift in semitones from the random voice (TESS' older speaker is lower).
    pub f0_st: f32,
}

/// One file to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Path below the corpus folder.
    pub rel_path: PathBuf,
    /// Index into the plan's speakers.
    pub speaker: usize,
    /// The emotion rendered.
    pub rendered: Emotion,
    /// The emotion the label says (`None` for IEMOCAP's `xxx`).
    pub label: Option<Emotion>,
    /// The label as the corpus writes it.
    pub raw_label: String,
    /// Index into the plan's sentences.
    pub sentence: usize,
    /// Strength of the rendition relative to the corpus' usual intensity.
    pub strength: f32,
}

impl Item {
    /// An acted utterance of `emotion` whose label is the emotion acted,
    /// written by the corpus as `raw_label`.
    pub fn acted(
        rel_path: impl Into<PathBuf>,
        speaker: usize,
        emotion: Emotion,
        raw_label: &str,
        sentence: usize,
        strength: f32,
    ) -> Self {
        Item {
            rel_path: rel_path.into(),
            speaker,
            rendered: emotion,
            label: Some(emotion),
            raw_label: raw_label.to_string(),
            sentence,
            strength,
        }
    }
}

/// A whole synthetic corpus.
#[derive(Debug, Clone)]
pub struct CorpusPlan {
    /// Canonical corpus name.
    pub corpus: &'static str,
    /// Folder below the output folder.
    pub dir: &'static str,
    /// Language of the sentences.
    pub language: &'static str,
    /// Syllables per sentence (inclusive range).
    pub syllables: (usize, usize),
    /// Number of distinct sentences.
    pub sentences: usize,
    /// Speakers.
    pub speakers: Vec<SpeakerSpec>,
    /// Whether the adapter reports the speakers' gender (AESDD's does not).
    pub reports_gender: bool,
    /// Files.
    pub items: Vec<Item>,
    /// Recording chain.
    pub chain: Chain,
    /// Channels of the files (EMOVO is stereo, both channels the same signal).
    pub channels: u16,
    /// Acting style.
    pub style: ActingStyle,
}

/// Builds a corpus plan for a scale, drawing the acting style from the generator.
pub type PlanBuilder = fn(f32, &mut ChaCha8Rng) -> CorpusPlan;

/// `base` times `scale`, rounded, at least `min`.
pub(super) fn count(base: usize, min: usize, scale: f32) -> usize {
    ((base as f32 * scale).round() as usize).max(min)
}

/// A speaker with the random voice's own F0.
pub(super) fn speaker(id: impl Into<String>, gender: Gender) -> SpeakerSpec {
    SpeakerSpec {
        id: id.into(),
        gender,
        f0_st: 0.0,
    }
}

/// RAVDESS: `Actor_XX/03-01-EE-II-SS-01-AA.wav`, 48 kHz studio recordings.
pub fn ravdess(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let actors = count(6, 2, scale).div_ceil(2) * 2;
    let codes = [
        ("01", Emotion::Neutral),
        ("02", Emotion::Calm),
        ("03", Emotion::Happiness),
        ("04", Emotion::Sadness),
        ("05", Emotion::Anger),
        ("06", Emotion::Fear),
        ("07", Emotion::Disgust),
        ("08", Emotion::Surprise),
    ];
    let speakers: Vec<SpeakerSpec> = (1..=actors)
        .map(|a| {
            speaker(
                format!("Actor_{a:02}"),
                if a % 2 == 1 {
                    Gender::Male
                } else {
                    Gender::Female
                },
            )
        })
        .collect();
    let mut items = Vec::new();
    for a in 1..=actors {
        for (code, emotion) in codes {
            let intensities: &[(&str, f32)] = if emotion == Emotion::Neutral {
                &[("01", 1.0)]
            } else {
                &[("01", 0.8), ("02", 1.25)]
            };
            for &(intensity, strength) in intensities {
                for statement in 1..=2 {
                    items.push(Item::acted(
                        format!(
                            "Actor_{a:02}/03-01-{code}-{intensity}-{statement:02}-01-{a:02}.wav"
                        ),
                        a - 1,
                        emotion,
                        code,
                        statement - 1,
                        strength,
                    ));
                }
            }
        }
    }
    CorpusPlan {
        corpus: "ravdess",
        dir: "RAVDESS",
        language: "en",
        syllables: (4, 5),
        sentences: 2,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 48_000,
            eq: vec![Eq::HighPass(60.0), Eq::HighShelf(6000.0, 2.0)],
            reverb: None,
            level_dbfs: -22.0,
            noise_dbfs: -74.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.1, 0.3, 0.5, rng),
    }
}

/// CREMA-D: `AudioWAV/AAAA_SSS_EEE_LL.wav` and `VideoDemographics.csv`, 16 kHz,
/// crowd-rated actors of uneven skill.
pub fn crema_d(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let actors = count(6, 2, scale);
    let sentences = ["IEO", "TIE", "IOM", "IWW"];
    let n_sent = count(4, 2, scale).min(sentences.len());
    let codes = [
        ("ANG", Emotion::Anger),
        ("DIS", Emotion::Disgust),
        ("FEA", Emotion::Fear),
        ("HAP", Emotion::Happiness),
        ("NEU", Emotion::Neutral),
        ("SAD", Emotion::Sadness),
    ];
    let levels = [("LO", 0.6), ("MD", 0.9), ("HI", 1.25)];
    let speakers: Vec<SpeakerSpec> = (0..actors)
        .map(|i| {
            speaker(
                (1001 + i).to_string(),
                if i % 2 == 0 {
                    Gender::Male
                } else {
                    Gender::Female
                },
            )
        })
        .collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (s, sentence) in sentences.iter().take(n_sent).enumerate() {
            for (code, emotion) in codes {
                let (level, strength) = if *sentence == "IEO" && emotion != Emotion::Neutral {
                    levels[i % levels.len()]
                } else {
                    ("XX", 1.0)
                };
                items.push(Item::acted(
                    format!("AudioWAV/{}_{sentence}_{code}_{level}.wav", spk.id),
                    i,
                    emotion,
                    code,
                    s,
                    strength,
                ));
            }
        }
    }
    CorpusPlan {
        corpus: "crema_d",
        dir: "CREMA-D",
        language: "en",
        syllables: (4, 5),
        sentences: n_sent,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 16_000,
            eq: vec![
                Eq::HighPass(180.0),
                Eq::Peak(2500.0, -3.0, 1.0),
                Eq::LowPass(7000.0),
            ],
            reverb: None,
            level_dbfs: -24.0,
            noise_dbfs: -50.0,
            hum: Some((60.0, -60.0)),
        },
        channels: 1,
        style: ActingStyle::new(1.1, 0.22, 0.6, rng),
    }
}

/// CREMA-D's `VideoDemographics.csv` for the plan's actors.
pub fn crema_d_demographics(plan: &CorpusPlan) -> String {
    let mut out = String::from("ActorID,Age,Sex,Race,Ethnicity\n");
    for (i, s) in plan.speakers.iter().enumerate() {
        let sex = if s.gender == Gender::Male {
            "Male"
        } else {
            "Female"
        };
        let _ = writeln!(out, "{},{},{sex},Caucasian,Not Hispanic", s.id, 25 + 3 * i);
    }
    out
}

/// EmoDB: `wav/SSTTTEV.wav`, 16 kHz anechoic recordings of German sentences.
pub fn emodb(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let all = [
        ("03", Gender::Male),
        ("08", Gender::Female),
        ("10", Gender::Male),
        ("09", Gender::Female),
        ("11", Gender::Male),
        ("13", Gender::Female),
        ("12", Gender::Male),
        ("14", Gender::Female),
        ("15", Gender::Male),
        ("16", Gender::Female),
    ];
    let n = count(6, 2, scale).min(all.len());
    let texts = ["a01", "a02", "a04", "b01", "a05", "b02"];
    let n_text = count(4, 2, scale).min(texts.len());
    let codes = [
        ("W", Emotion::Anger),
        ("L", Emotion::Boredom),
        ("E", Emotion::Disgust),
        ("A", Emotion::Fear),
        ("F", Emotion::Happiness),
        ("T", Emotion::Sadness),
        ("N", Emotion::Neutral),
    ];
    let speakers: Vec<SpeakerSpec> = all[..n].iter().map(|(id, g)| speaker(*id, *g)).collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (t, text) in texts.iter().take(n_text).enumerate() {
            for (code, emotion) in codes {
                items.push(Item::acted(
                    format!("wav/{}{text}{code}a.wav", spk.id),
                    i,
                    emotion,
                    code,
                    t,
                    1.0,
                ));
            }
        }
    }
    CorpusPlan {
        corpus: "emodb",
        dir: "EmoDB",
        language: "de",
        syllables: (4, 5),
        sentences: n_text,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 16_000,
            eq: vec![Eq::LowShelf(200.0, -2.0), Eq::HighShelf(4000.0, 1.5)],
            reverb: None,
            level_dbfs: -19.0,
            noise_dbfs: -68.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.1, 0.3, 0.5, rng),
    }
}

/// TESS: `<folder>/{OAF|YAF}_<word>_<emotion>.wav`, 24 414 Hz, two female speakers;
/// the folder names use the release's inconsistent spellings.
pub fn tess(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let words = [
        "back", "bar", "base", "bath", "bean", "beg", "bite", "boat", "bone", "book", "bought",
        "burn", "cab", "calm", "came", "cause", "chain", "chair",
    ];
    let n_words = count(12, 3, scale).min(words.len());
    let tokens = [
        ("angry", Emotion::Anger),
        ("disgust", Emotion::Disgust),
        ("fear", Emotion::Fear),
        ("happy", Emotion::Happiness),
        ("neutral", Emotion::Neutral),
        ("ps", Emotion::Surprise),
        ("sad", Emotion::Sadness),
    ];
    let folder = |spk: &str, token: &str| -> String {
        match (spk, token) {
            ("OAF", "fear") => "OAF_Fear".to_string(),
            ("OAF", "ps") => "OAF_Pleasant_surprise".to_string(),
            ("OAF", "sad") => "OAF_Sad".to_string(),
            ("YAF", "ps") => "YAF_pleasant_surprised".to_string(),
            (s, t) => format!("{s}_{t}"),
        }
    };
    let mut older = speaker("OAF", Gender::Female);
    older.f0_st = -3.0;
    let speakers = vec![older, speaker("YAF", Gender::Female)];
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (w, word) in words.iter().take(n_words).enumerate() {
            for (token, emotion) in tokens {
                items.push(Item::acted(
                    format!("{}/{}_{word}_{token}.wav", folder(&spk.id, token), spk.id),
                    i,
                    emotion,
                    token,
                    w,
                    1.0,
                ));
            }
        }
    }
    CorpusPlan {
        corpus: "tess",
        dir: "TESS",
        language: "en",
        syllables: (4, 4),
        sentences: n_words,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 24_414,
            eq: vec![Eq::LowShelf(250.0, 3.0), Eq::LowPass(9000.0)],
            reverb: None,
            level_dbfs: -17.0,
            noise_dbfs: -62.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.35, 0.25, 0.5, rng),
    }
}

/// SAVEE: `AudioData/{DC,JE,JK,KL}/<code>NN.wav`, 44.1 kHz, four male speakers.
pub fn savee(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let per_emotion = count(4, 1, scale);
    let codes = [
        ("a", Emotion::Anger),
        ("d", Emotion::Disgust),
        ("f", Emotion::Fear),
        ("h", Emotion::Happiness),
        ("n", Emotion::Neutral),
        ("sa", Emotion::Sadness),
        ("su", Emotion::Surprise),
    ];
    let speakers: Vec<SpeakerSpec> = ["DC", "JE", "JK", "KL"]
        .iter()
        .map(|s| speaker(*s, Gender::Male))
        .collect();
    let n_sentences = 2 * per_emotion;
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (code, emotion) in codes {
            let n = if emotion == Emotion::Neutral {
                2 * per_emotion
            } else {
                per_emotion
            };
            for k in 1..=n {
                items.push(Item::acted(
                    format!("AudioData/{}/{code}{k:02}.wav", spk.id),
                    i,
                    emotion,
                    code,
                    (k - 1) % n_sentences,
                    1.0,
                ));
            }
        }
    }
    CorpusPlan {
        corpus: "savee",
        dir: "SAVEE",
        language: "en",
        syllables: (4, 5),
        sentences: n_sentences,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 44_100,
            eq: vec![Eq::HighPass(100.0), Eq::HighShelf(5000.0, -4.0)],
            reverb: None,
            level_dbfs: -21.0,
            noise_dbfs: -58.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(0.9, 0.4, 0.55, rng),
    }
}

/// IEMOCAP's six categorical codes used by the synthetic dialogs.
const IEMOCAP_CODES: [(&str, Emotion); 6] = [
    ("neu", Emotion::Neutral),
    ("hap", Emotion::Happiness),
    ("exc", Emotion::Excitement),
    ("sad", Emotion::Sadness),
    ("ang", Emotion::Anger),
    ("fru", Emotion::Frustration),
];

/// IEMOCAP: `SessionN/sentences/wav/<dialog>/<turn>.wav` with
/// `SessionN/dialog/EmoEvaluation/<dialog>.txt`, 16 kHz lapel microphones in a room,
/// subtle dyadic acting; one `xxx` (no majority) turn per dialog.
pub fn iemocap(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let sessions = count(3, 2, scale);
    let turns = count(28, 8, scale);
    let mut speakers = Vec::new();
    let mut items = Vec::new();
    for s in 1..=sessions {
        let f = speakers.len();
        speakers.push(speaker(format!("Ses{s:02}F"), Gender::Female));
        speakers.push(speaker(format!("Ses{s:02}M"), Gender::Male));
        for dialog in [
            format!("Ses{s:02}F_impro01"),
            format!("Ses{s:02}M_script01_1"),
        ] {
            let mut emotions: Vec<(&str, Emotion)> = (0..turns - 1)
                .map(|k| IEMOCAP_CODES[k % IEMOCAP_CODES.len()])
                .collect();
            emotions.shuffle(rng);
            let xxx_at = rng.random_range(0..turns);
            let mut counters = [0usize; 2];
            let mut next = emotions.into_iter();
            for t in 0..turns {
                let side = t % 2;
                let letter = if side == 0 { "F" } else { "M" };
                let turn = format!("{dialog}_{letter}{:03}", counters[side]);
                counters[side] += 1;
                let (raw, rendered, label) = if t == xxx_at {
                    let (_, e) = IEMOCAP_CODES[rng.random_range(0..IEMOCAP_CODES.len())];
                    ("xxx".to_string(), e, None)
                } else {
                    let (code, e) = next.next().expect("turns - 1 emotions");
                    (code.to_string(), e, Some(e))
                };
                items.push(Item {
                    rel_path: PathBuf::from(format!(
                        "Session{s}/sentences/wav/{dialog}/{turn}.wav"
                    )),
                    speaker: f + side,
                    rendered,
                    label,
                    raw_label: raw,
                    sentence: t,
                    strength: 1.0,
                });
            }
        }
    }
    CorpusPlan {
        corpus: "iemocap",
        dir: "IEMOCAP",
        language: "en",
        syllables: (4, 5),
        sentences: turns,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 16_000,
            eq: vec![
                Eq::HighPass(150.0),
                Eq::Peak(1200.0, 3.0, 0.8),
                Eq::LowPass(6500.0),
            ],
            reverb: Some((0.35, 0.25)),
            level_dbfs: -26.0,
            noise_dbfs: -46.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.0, 0.25, 0.6, rng),
    }
}

/// Dimensional ratings (valence, activation, dominance on 1–5) IEMOCAP-style for a code.
fn vad(raw: &str) -> [f32; 3] {
    match raw {
        "hap" => [4.0, 3.0, 3.0],
        "exc" => [4.0, 4.0, 3.5],
        "sad" => [1.5, 2.0, 2.0],
        "ang" => [1.5, 4.0, 4.0],
        "fru" => [2.0, 3.5, 3.5],
        _ => [3.0, 2.5, 2.5],
    }
}

/// IEMOCAP `EmoEvaluation` files (one per dialog, with rater lines) for the rendered
/// items, given each item's duration in seconds; paths below the corpus folder.
pub fn iemocap_labels(plan: &CorpusPlan, durations: &[f64]) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut clock = 0.0f64;
    for (item, duration) in plan.items.iter().zip(durations) {
        let rel = item.rel_path.to_string_lossy().into_owned();
        let mut parts = rel.split('/');
        let session = parts.next().unwrap_or_default().to_string();
        let dialog = parts.nth(2).unwrap_or_default().to_string();
        let turn = item
            .rel_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = PathBuf::from(format!("{session}/dialog/EmoEvaluation/{dialog}.txt"));
        if files.last().map(|(p, _)| p) != Some(&path) {
            files.push((
                path,
                "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n".to_string(),
            ));
            clock = 1.0;
        }
        let [v, a, d] = vad(&item.raw_label);
        let start = clock;
        let end = clock + duration;
        clock = end + 0.5;
        let rater = match item.raw_label.as_str() {
            "xxx" => "Neutral; Frustration;".to_string(),
            _ => {
                let name = item.label.map_or("Other", |e| match e {
                    Emotion::Neutral => "Neutral",
                    Emotion::Happiness => "Happiness",
                    Emotion::Excitement => "Excited",
                    Emotion::Sadness => "Sadness",
                    Emotion::Anger => "Anger",
                    Emotion::Frustration => "Frustration",
                    _ => "Other",
                });
                format!("{name};")
            }
        };
        let text = &mut files.last_mut().expect("pushed above").1;
        let _ = writeln!(
            text,
            "[{start:.4} - {end:.4}]\t{turn}\t{}\t[{v:.4}, {a:.4}, {d:.4}]",
            item.raw_label
        );
        for rater_id in ["C-E1", "C-E2", "C-E4"] {
            let _ = writeln!(text, "{rater_id}:\t{rater}\t()");
        }
        let _ = writeln!(
            text,
            "A-E1:\tval {}; act {}; dom  {};\t()\n",
            v.round(),
            a.round(),
            d.round()
        );
    }
    files
}
