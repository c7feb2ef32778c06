//! The other-language corpora of the DA-MLDG scenarios — EMOVO (Italian), ShEMO
//! (Persian), CaFE (Canadian French) and AESDD (Greek) — as [`CorpusPlan`]s in their
//! real layouts and naming, each with its own language, acting style and recording
//! chain.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::chain::{Chain, Eq};
use super::layouts::{count, speaker, CorpusPlan, Item, SpeakerSpec};
use super::style::ActingStyle;
use crate::emotion::{Emotion, Gender};

/// EMOVO: `<spk>/EEE-SS-PP.wav` for speakers f1–f3, m1–m3, 48 kHz stereo (both
/// channels the same signal) studio recordings of Italian sentences.
pub fn emovo(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    // The corpus' sentence codes, interleaved by type so a small scale mixes them.
    let texts = [
        "b1", "l1", "n1", "d1", "b2", "l2", "n2", "d2", "b3", "l3", "n3", "l4", "n4", "n5",
    ];
    let n_text = count(3, 2, scale).min(texts.len());
    let codes = [
        ("dis", Emotion::Disgust),
        ("gio", Emotion::Happiness),
        ("neu", Emotion::Neutral),
        ("pau", Emotion::Fear),
        ("rab", Emotion::Anger),
        ("sor", Emotion::Surprise),
        ("tri", Emotion::Sadness),
    ];
    let speakers: Vec<SpeakerSpec> = [
        ("f1", Gender::Female),
        ("f2", Gender::Female),
        ("f3", Gender::Female),
        ("m1", Gender::Male),
        ("m2", Gender::Male),
        ("m3", Gender::Male),
    ]
    .iter()
    .map(|(id, g)| speaker(*id, *g))
    .collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (t, text) in texts.iter().take(n_text).enumerate() {
            for (code, emotion) in codes {
                items.push(Item::acted(
                    format!("{0}/{code}-{0}-{text}.wav", spk.id),
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
        corpus: "emovo",
        dir: "EMOVO",
        language: "it",
        syllables: (4, 6),
        sentences: n_text,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 48_000,
            eq: vec![
                Eq::HighPass(70.0),
                Eq::LowShelf(300.0, 2.5),
                Eq::HighShelf(7000.0, -3.0),
            ],
            reverb: None,
            level_dbfs: -20.0,
            noise_dbfs: -66.0,
            hum: None,
        },
        channels: 2,
        style: ActingStyle::new(1.0, 0.3, 0.55, rng),
    }
}

/// ShEMO: `{female|male}/GSSENN.wav`, 44.1 kHz mono speech from radio plays: many
/// speakers, each line a different sentence, natural rather than acted intensity,
/// and the real corpus' skew (anger and neutral common, fear rare, no disgust).
pub fn shemo(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let n_speakers = count(8, 4, scale);
    let n_female = (2 * n_speakers).div_ceil(5);
    let letters = [
        ("A", Emotion::Anger, 4),
        ("N", Emotion::Neutral, 4),
        ("S", Emotion::Sadness, 2),
        ("H", Emotion::Happiness, 2),
        ("W", Emotion::Surprise, 1),
        ("F", Emotion::Fear, 1),
    ];
    let speakers: Vec<SpeakerSpec> = (0..n_speakers)
        .map(|i| {
            if i < n_female {
                speaker(format!("F{:02}", i + 1), Gender::Female)
            } else {
                speaker(format!("M{:02}", i - n_female + 1), Gender::Male)
            }
        })
        .collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        let folder = if spk.gender == Gender::Female {
            "female"
        } else {
            "male"
        };
        for (letter, emotion, base) in letters {
            // Not every speaker has every emotion, nor the same amount of each; the
            // counts depend on the speaker only, so every seed writes the same names.
            let n = match emotion {
                Emotion::Fear if i % 3 == 2 => 0,
                Emotion::Anger => base + (i * 2) % 3,
                Emotion::Neutral => base + (i + 1) % 3,
                _ => base,
            };
            for k in 1..=n {
                items.push(Item::acted(
                    format!("{folder}/{}{letter}{k:02}.wav", spk.id),
                    i,
                    emotion,
                    letter,
                    items.len(),
                    rng.random_range(0.7..1.15),
                ));
            }
        }
    }
    CorpusPlan {
        corpus: "shemo",
        dir: "ShEMO",
        language: "fa",
        syllables: (4, 5),
        sentences: items.len(),
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 44_100,
            eq: vec![
                Eq::HighPass(140.0),
                Eq::Peak(3000.0, 3.0, 1.0),
                Eq::LowPass(7500.0),
            ],
            reverb: Some((0.25, 0.15)),
            level_dbfs: -18.0,
            noise_dbfs: -52.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(0.85, 0.4, 0.6, rng),
    }
}

/// CaFE: `<Émotion>/<Faible|Fort>/AA-E-I-S.wav` and `Neutre/AA-N-S.wav`, 48 kHz
/// studio recordings; actor odd = male; folder names with their accents (NFC).
pub fn cafe(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let actors = count(4, 2, scale).div_ceil(2) * 2;
    let n_sentences = count(2, 1, scale).min(6);
    let codes = [
        ("C", Emotion::Anger, "Colère"),
        ("D", Emotion::Disgust, "Dégoût"),
        ("J", Emotion::Happiness, "Joie"),
        ("N", Emotion::Neutral, "Neutre"),
        ("P", Emotion::Fear, "Peur"),
        ("S", Emotion::Surprise, "Surprise"),
        ("T", Emotion::Sadness, "Tristesse"),
    ];
    let speakers: Vec<SpeakerSpec> = (1..=actors)
        .map(|a| {
            let gender = if a % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            speaker(format!("{a:02}"), gender)
        })
        .collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (letter, emotion, folder) in codes {
            for s in 1..=n_sentences {
                let mut push = |rel_path: String, strength: f32| {
                    items.push(Item::acted(rel_path, i, emotion, letter, s - 1, strength));
                };
                if emotion == Emotion::Neutral {
                    push(format!("{folder}/{}-{letter}-{s}.wav", spk.id), 1.0);
                } else {
                    for (level, code, strength) in [("Faible", 1, 0.75), ("Fort", 2, 1.3)] {
                        push(
                            format!("{folder}/{level}/{}-{letter}-{code}-{s}.wav", spk.id),
                            strength,
                        );
                    }
                }
            }
        }
    }
    CorpusPlan {
        corpus: "cafe",
        dir: "CaFE",
        language: "fr",
        syllables: (4, 5),
        sentences: n_sentences,
        speakers,
        reports_gender: true,
        items,
        chain: Chain {
            sample_rate: 48_000,
            eq: vec![Eq::HighPass(50.0), Eq::HighShelf(8000.0, 3.0)],
            reverb: None,
            level_dbfs: -23.0,
            noise_dbfs: -78.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.15, 0.3, 0.55, rng),
    }
}

/// AESDD: `<emotion>/eNN (S).wav` for speakers 1–5, second takes as `eNN (S)b.wav`,
/// 44.1 kHz recordings in a small treated room. The adapter does not know the
/// speakers' gender. `s05 (3).wav`, a defective recording the adapter excludes, is
/// not written.
pub fn aesdd(scale: f32, rng: &mut ChaCha8Rng) -> CorpusPlan {
    let n_utterances = count(4, 2, scale).min(20);
    let codes = [
        ("a", Emotion::Anger, "anger"),
        ("d", Emotion::Disgust, "disgust"),
        ("f", Emotion::Fear, "fear"),
        ("h", Emotion::Happiness, "happiness"),
        ("s", Emotion::Sadness, "sadness"),
    ];
    let genders = [
        Gender::Female,
        Gender::Male,
        Gender::Female,
        Gender::Male,
        Gender::Female,
    ];
    let speakers: Vec<SpeakerSpec> = genders
        .iter()
        .enumerate()
        .map(|(i, g)| speaker((i + 1).to_string(), *g))
        .collect();
    let mut items = Vec::new();
    for (i, spk) in speakers.iter().enumerate() {
        for (e, (letter, emotion, folder)) in codes.iter().enumerate() {
            for k in 1..=n_utterances {
                let name = format!("{letter}{k:02} ({})", spk.id);
                if name == "s05 (3)" {
                    continue;
                }
                // Some first utterances were recorded twice.
                let takes: &[&str] = if k == 1 && (i + e) % 3 == 0 {
                    &["", "b"]
                } else {
                    &[""]
                };
                for take in takes {
                    items.push(Item::acted(
                        format!("{folder}/{name}{take}.wav"),
                        i,
                        *emotion,
                        letter,
                        k - 1,
                        1.0,
                    ));
                }
            }
        }
    }
    CorpusPlan {
        corpus: "aesdd",
        dir: "AESDD",
        language: "el",
        syllables: (4, 5),
        sentences: n_utterances,
        speakers,
        reports_gender: false,
        items,
        chain: Chain {
            sample_rate: 44_100,
            eq: vec![
                Eq::HighPass(90.0),
                Eq::Peak(250.0, 2.0, 0.9),
                Eq::Peak(4000.0, 2.5, 1.2),
            ],
            reverb: Some((0.2, 0.12)),
            level_dbfs: -21.0,
            noise_dbfs: -64.0,
            hum: None,
        },
        channels: 1,
        style: ActingStyle::new(1.2, 0.35, 0.55, rng),
    }
}
