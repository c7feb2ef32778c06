//! Unified emotion names, speaker gender, and the binary arousal/valence classes.
//!
//! Every adapter maps its corpus' own codes onto [`Emotion`]; the raw code is kept in
//! [`crate::Utterance::raw_label`]. TESS' *pleasant surprise* (`ps`) maps to
//! [`Emotion::Surprise`] (the only kind of surprise TESS has), IEMOCAP's `exc` stays
//! [`Emotion::Excitement`] until a label set merges it, and CREMA-D/EMOVO/ShEMO names
//! (`HAP`, `gio`, `H`, …) all become [`Emotion::Happiness`].
//!
//! Binary arousal and valence follow the mapping of Schuller et al. (2010,
//! "Cross-corpus acoustic emotion recognition: variances and strategies") as used in
//! the DANN paper's Table 1: high arousal = anger, happiness, fear, surprise; low
//! arousal = neutral, sadness, disgust, boredom; positive valence = happiness, neutral,
//! surprise; negative valence = anger, sadness, disgust, fear, boredom. Emotions absent
//! from that table are placed by the same reasoning: calm like neutral (low, positive),
//! excitement like happiness (high, positive), frustration like anger (high, negative),
//! contempt like disgust (low, negative); `other` has neither.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::{CorpusError, Result};

/// A unified categorical emotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emotion {
    /// Neutral.
    Neutral,
    /// Calm (RAVDESS).
    Calm,
    /// Happiness / joy.
    Happiness,
    /// Sadness.
    Sadness,
    /// Anger.
    Anger,
    /// Fear.
    Fear,
    /// Disgust.
    Disgust,
    /// Surprise, including TESS' pleasant surprise.
    Surprise,
    /// Boredom (EmoDB).
    Boredom,
    /// Excitement (IEMOCAP `exc`).
    Excitement,
    /// Frustration (IEMOCAP `fru`).
    Frustration,
    /// Contempt (MSP-Podcast).
    Contempt,
    /// A label outside the categories above (IEMOCAP `oth`, MSP `O`).
    Other,
}

impl Emotion {
    /// All emotions, in declaration order.
    pub const ALL: [Emotion; 13] = [
        Emotion::Neutral,
        Emotion::Calm,
        Emotion::Happiness,
        Emotion::Sadness,
        Emotion::Anger,
        Emotion::Fear,
        Emotion::Disgust,
        Emotion::Surprise,
        Emotion::Boredom,
        Emotion::Excitement,
        Emotion::Frustration,
        Emotion::Contempt,
        Emotion::Other,
    ];

    /// The unified name (`anger`, `happiness`, …).
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Neutral => "neutral",
            Emotion::Calm => "calm",
            Emotion::Happiness => "happiness",
            Emotion::Sadness => "sadness",
            Emotion::Anger => "anger",
            Emotion::Fear => "fear",
            Emotion::Disgust => "disgust",
            Emotion::Surprise => "surprise",
            Emotion::Boredom => "boredom",
            Emotion::Excitement => "excitement",
            Emotion::Frustration => "frustration",
            Emotion::Contempt => "contempt",
            Emotion::Other => "other",
        }
    }

    /// Parses a unified name or a common English synonym (`angry`, `happy`, `sad`,
    /// `joy`, `fearful`, `surprised`, `pleasant_surprise`, …), case-insensitively.
    /// Used by the generic manifest adapter, never for corpus codes.
    pub fn from_name(name: &str) -> Result<Emotion> {
        let key = name.trim().to_lowercase().replace(['-', ' '], "_");
        let emotion = match key.as_str() {
            "neutral" | "neu" => Emotion::Neutral,
            "calm" => Emotion::Calm,
            "happiness" | "happy" | "joy" | "hap" => Emotion::Happiness,
            "sadness" | "sad" => Emotion::Sadness,
            "anger" | "angry" | "ang" => Emotion::Anger,
            "fear" | "fearful" | "afraid" | "fea" => Emotion::Fear,
            "disgust" | "disgusted" | "dis" => Emotion::Disgust,
            "surprise" | "surprised" | "pleasant_surprise" | "pleasant_surprised" | "sur" => {
                Emotion::Surprise
            }
            "boredom" | "bored" => Emotion::Boredom,
            "excitement" | "excited" | "exc" => Emotion::Excitement,
            "frustration" | "frustrated" | "fru" => Emotion::Frustration,
            "contempt" => Emotion::Contempt,
            "other" | "oth" => Emotion::Other,
            _ => {
                let names: Vec<&str> = Emotion::ALL.iter().map(|e| e.name()).collect();
                return Err(CorpusError::unknown("emotion", name, &names));
            }
        };
        Ok(emotion)
    }

    /// Binary arousal after Schuller et al. (see the module doc); `None` for `other`.
    pub fn arousal(self) -> Option<Arousal> {
        match self {
            Emotion::Anger
            | Emotion::Happiness
            | Emotion::Fear
            | Emotion::Surprise
            | Emotion::Excitement
            | Emotion::Frustration => Some(Arousal::High),
            Emotion::Neutral
            | Emotion::Calm
            | Emotion::Sadness
            | Emotion::Disgust
            | Emotion::Boredom
            | Emotion::Contempt => Some(Arousal::Low),
            Emotion::Other => None,
        }
    }

    /// Binary valence after Schuller et al. (see the module doc); `None` for `other`.
    pub fn valence(self) -> Option<Valence> {
        match self {
            Emotion::Happiness
            | Emotion::Neutral
            | Emotion::Calm
            | Emotion::Surprise
            | Emotion::Excitement => Some(Valence::Positive),
            Emotion::Anger
            | Emotion::Sadness
            | Emotion::Disgust
            | Emotion::Fear
            | Emotion::Boredom
            | Emotion::Frustration
            | Emotion::Contempt => Some(Valence::Negative),
            Emotion::Other => None,
        }
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A speaker's gender as the corpus documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Gender {
    /// `female` or `male`.
    pub fn name(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }

    /// Parses `female`/`f`/`woman` or `male`/`m`/`man`, case-insensitively.
    pub fn from_name(name: &str) -> Result<Gender> {
        match name.trim().to_lowercase().as_str() {
            "female" | "f" | "woman" | "w" => Ok(Gender::Female),
            "male" | "m" | "man" => Ok(Gender::Male),
            _ => Err(CorpusError::unknown("gender", name, &["female", "male"])),
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Binary arousal class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arousal {
    /// Low arousal (class 0).
    Low,
    /// High arousal (class 1).
    High,
}

impl Arousal {
    /// `low` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            Arousal::Low => "low",
            Arousal::High => "high",
        }
    }

    /// Parses `low`/`0` or `high`/`1`.
    pub fn from_name(name: &str) -> Result<Arousal> {
        match name.trim().to_lowercase().as_str() {
            "low" | "0" => Ok(Arousal::Low),
            "high" | "1" => Ok(Arousal::High),
            _ => Err(CorpusError::unknown(
                "arousal class",
                name,
                &["low", "high"],
            )),
        }
    }
}

/// Binary valence class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Valence {
    /// Negative valence (class 0).
    Negative,
    /// Positive valence (class 1).
    Positive,
}

impl Valence {
    /// `negative` or `positive`.
    pub fn name(self) -> &'static str {
        match self {
            Valence::Negative => "negative",
            Valence::Positive => "positive",
        }
    }

    /// Parses `negative`/`0` or `positive`/`1`.
    pub fn from_name(name: &str) -> Result<Valence> {
        match name.trim().to_lowercase().as_str() {
            "negative" | "neg" | "0" => Ok(Valence::Negative),
            "positive" | "pos" | "1" => Ok(Valence::Positive),
            _ => Err(CorpusError::unknown(
                "valence class",
                name,
                &["negative", "positive"],
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Emotion::ALL {
            assert_eq!(Emotion::from_name(e.name()).unwrap(), e);
        }
    }

    #[test]
    fn schuller_mapping_matches_dann_table() {
        // DANN paper Table 1 (SAVEE row): valence A,D,F,SA negative / J,N,SU positive;
        // arousal D,N,SA low / A,F,J,SU high. EmoDB adds boredom: low, negative.
        use Emotion::*;
        for e in [Anger, Disgust, Fear, Sadness, Boredom] {
            assert_eq!(e.valence(), Some(Valence::Negative), "{e}");
        }
        for e in [Happiness, Neutral, Surprise] {
            assert_eq!(e.valence(), Some(Valence::Positive), "{e}");
        }
        for e in [Disgust, Neutral, Sadness, Boredom] {
            assert_eq!(e.arousal(), Some(Arousal::Low), "{e}");
        }
        for e in [Anger, Fear, Happiness, Surprise] {
            assert_eq!(e.arousal(), Some(Arousal::High), "{e}");
        }
        assert_eq!(Other.arousal(), None);
    }

    #[test]
    fn unknown_emotion_lists_names() {
        let err = Emotion::from_name("grumpy").unwrap_err().to_string();
        assert!(err.contains("grumpy") && err.contains("anger"), "{err}");
    }
}
