//! One labelled recording: the record every adapter produces and every later stage reads.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::emotion::{Arousal, Emotion, Gender, Valence};

/// One labelled recording of one speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Identifier unique within the corpus (usually the file stem).
    pub id: String,
    /// Path of the audio file.
    pub path: PathBuf,
    /// Canonical corpus name (`ravdess`, `crema_d`, …).
    pub corpus: String,
    /// Language as an ISO 639-1 code (`en`, `de`, …).
    pub language: String,
    /// Speaker identifier, unique within the corpus.
    pub speaker: String,
    /// Speaker gender where the corpus documents it.
    pub gender: Option<Gender>,
    /// The label exactly as the corpus writes it (code, folder name or label-file field).
    pub raw_label: String,
    /// The unified emotion, `None` where the corpus has no categorical agreement.
    pub emotion: Option<Emotion>,
    /// Binary arousal class (from the label, see [`Emotion::arousal`], or a manifest).
    pub arousal: Option<Arousal>,
    /// Binary valence class (from the label, see [`Emotion::valence`], or a manifest).
    pub valence: Option<Valence>,
    /// Duration in seconds, read from the WAV header.
    pub duration_s: Option<f64>,
    /// Recording session where the corpus has them (IEMOCAP, MSP-Improv).
    pub session: Option<String>,
    /// Further per-corpus fields (intensity, sentence, take, split, dimensional ratings…).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

impl Utterance {
    /// An utterance with arousal and valence derived from `emotion`, no duration,
    /// session or extra fields.
    // Eight named fields every adapter sets; a builder would only restate them.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        corpus: &str,
        language: &str,
        id: impl Into<String>,
        path: PathBuf,
        speaker: impl Into<String>,
        gender: Option<Gender>,
        raw_label: impl Into<String>,
        emotion: Option<Emotion>,
    ) -> Self {
        Utterance {
            id: id.into(),
            path,
            corpus: corpus.to_string(),
            language: language.to_string(),
            speaker: speaker.into(),
            gender,
            raw_label: raw_label.into(),
            emotion,
            arousal: emotion.and_then(Emotion::arousal),
            valence: emotion.and_then(Emotion::valence),
            duration_s: None,
            session: None,
            extra: BTreeMap::new(),
        }
    }

    /// Adds an extra field (builder style).
    pub fn with_extra(mut self, key: &str, value: impl Into<String>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    /// Sets the session (builder style).
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }
}
