//! Predicting new audio with a model folder: each input is cut into windows
//! of the training crop, every window goes through the trained method's
//! `Method::predict` (via `emoshift_learn::predict::predict_windows`, the
//! function the evaluation scores with), and the whole-file probabilities
//! combine the windows as the evaluation does. Where every class is an
//! emotion with a known arousal/valence, the probabilities of high arousal
//! and positive valence are reported too. Every input must pass the quality
//! gates in the model's configuration (those of training, unless the caller
//! replaced them): a silent or too short file is an error, never a label.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use emoshift_audio::{Audio, Features};
use emoshift_corpus::{Arousal, Emotion, Valence};
use emoshift_learn::data::InputLayout;
use emoshift_learn::predict::{
    argmax, predict_windows, window_starts, PredictConfig, WindowConfig,
};
use serde::Serialize;
use tch::Device;

use crate::model_dir::LoadedModel;
use crate::normalize::{BinNorm, NormScope};

/// Windows per forward pass.
const BATCH_SIZE: usize = 64;

/// Prediction for one window or one whole file. As JSON, `file` is the
/// path with any bytes that are not UTF-8 replaced by U+FFFD, and
/// `file_escaped` (present only then) the exact path with those bytes
/// written `\xNN`, so the output stays valid JSON for every file name.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The audio file.
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    /// The exact path, escaped, where it is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_escaped: Option<String>,
    /// Window start in seconds (`None` for the whole file).
    pub start_s: Option<f32>,
    /// Window end in seconds (`None` for the whole file).
    pub end_s: Option<f32>,
    /// Most probable class.
    pub predicted: String,
    /// Probability per class, in the model's class order.
    pub probs: Vec<f32>,
    /// Probability of high arousal, where the classes define it.
    pub p_high_arousal: Option<f32>,
    /// Probability of positive valence, where the classes define it.
    pub p_positive_valence: Option<f32>,
}

/// The rows of the audio file `file`: the whole file first, then one row
/// per window. Windows start every `hop_seconds` (default: half a window).
pub fn predict_file(
    loaded: &LoadedModel,
    file: &Path,
    hop_seconds: Option<f32>,
) -> Result<Vec<Row>> {
    let features = loaded.features.compute_file(file, &loaded.config.quality)?;
    predict_features(loaded, &features, file, hop_seconds)
}

/// The same for an audio file held in memory (an upload), decoded without a
/// temporary file; `name` stands for it in the rows and in errors.
pub fn predict_bytes(
    loaded: &LoadedModel,
    bytes: &[u8],
    name: &Path,
    hop_seconds: Option<f32>,
) -> Result<Vec<Row>> {
    let features = loaded
        .features
        .compute_bytes(bytes, name, &loaded.config.quality)?;
    predict_features(loaded, &features, name, hop_seconds)
}

/// The same for decoded audio at any sample rate (a live stream's
/// samples); `name` stands for it in the rows and in errors.
pub fn predict_audio(
    loaded: &LoadedModel,
    audio: Audio,
    name: &Path,
    hop_seconds: Option<f32>,
) -> Result<Vec<Row>> {
    let features = loaded
        .features
        .compute_audio(audio, name, &loaded.config.quality)?;
    predict_features(loaded, &features, name, hop_seconds)
}

/// The rows of features computed elsewhere (as the feature source of the
/// model computes them, before its standardisation); `file` names them.
pub fn predict_features(
    loaded: &LoadedModel,
    features: &Features,
    file: &Path,
    hop_seconds: Option<f32>,
) -> Result<Vec<Row>> {
    let cfg = &loaded.config;
    let features = cfg.normalize(features);
    let fps = cfg.features.frames_per_second();
    let frames = cfg.window_frames;
    let hop = hop_frames(loaded, hop_seconds);
    let predict_cfg = window_config(cfg.predict_layout, frames, hop, loaded.device);
    let mut out = predict_windows(loaded.method.as_ref(), &[&features], &predict_cfg)
        .with_context(|| format!("{}: prediction failed", file.display()))?;
    let proba = out.pop().expect("one utterance in, one out");
    let starts = window_starts(features.n_frames, frames, hop);
    let mut rows = vec![make_row(&cfg.classes, file, None, proba.whole)];
    for (p, start) in proba.windows.into_iter().zip(starts) {
        let span = Some((start as f32 / fps, (start + frames) as f32 / fps));
        rows.push(make_row(&cfg.classes, file, span, p));
    }
    Ok(rows)
}

/// Replaces the model's standardisation statistics with those of the
/// deployment domain: every frame of `files` (unlabelled recordings from
/// where the model is used; files that fail are skipped with a warning).
/// Returns how many files the statistics came from. An error where the
/// model standardises each utterance by itself, or where no file can be read.
pub fn adapt_normalization(loaded: &mut LoadedModel, files: &[PathBuf]) -> Result<usize> {
    if loaded.config.normalization_scope == NormScope::Utterance {
        bail!(
            "this model standardises each utterance by itself (normalization scope \
             `utterance`); there are no statistics to adapt"
        );
    }
    let mut features = Vec::with_capacity(files.len());
    for file in files {
        match loaded.features.compute_file(file, &loaded.config.quality) {
            Ok(f) => features.push(f),
            Err(e) => tracing::warn!("adapting the normalisation: skipped {e}"),
        }
    }
    loaded.config.normalization = BinNorm::fit(&features).with_context(|| {
        format!(
            "none of the {} files to adapt on could be read",
            files.len()
        )
    })?;
    Ok(features.len())
}

/// Frames between window starts for `hop_seconds` (at least one frame), or
/// [`default_hop`] when it is `None`.
pub fn hop_frames(loaded: &LoadedModel, hop_seconds: Option<f32>) -> usize {
    let cfg = &loaded.config;
    let fps = cfg.features.frames_per_second();
    hop_seconds.map_or(default_hop(cfg.window_frames), |s| {
        ((s * fps).round() as usize).max(1)
    })
}

/// How many windows `predict_features` cuts from `n_frames` frames of
/// features with `hop_seconds` between starts (see [`hop_frames`]).
pub fn window_count(loaded: &LoadedModel, n_frames: usize, hop_seconds: Option<f32>) -> usize {
    window_starts(
        n_frames,
        loaded.config.window_frames,
        hop_frames(loaded, hop_seconds),
    )
    .len()
}

/// Frames between window starts unless asked otherwise: half a window.
pub fn default_hop(frames: usize) -> usize {
    (frames / 2).max(1)
}

/// How utterances are predicted, in evaluation and in deployment alike:
/// windows of `frames` frames every `hop` frames, their probabilities
/// averaged, `BATCH_SIZE` windows per forward pass.
pub fn window_config(
    layout: InputLayout,
    frames: usize,
    hop: usize,
    device: Device,
) -> PredictConfig {
    PredictConfig {
        layout,
        window: Some(WindowConfig {
            frames,
            hop,
            aggregation: Default::default(),
        }),
        batch_size: BATCH_SIZE,
        device,
    }
}

fn make_row(classes: &[String], file: &Path, span: Option<(f32, f32)>, probs: Vec<f32>) -> Row {
    let best = argmax(&probs);
    let emotions: Option<Vec<Emotion>> =
        classes.iter().map(|c| Emotion::from_name(c).ok()).collect();
    let share = |pick: &dyn Fn(Emotion) -> Option<bool>| -> Option<f32> {
        let emotions = emotions.as_ref()?;
        let flags: Option<Vec<bool>> = emotions.iter().map(|&e| pick(e)).collect();
        Some(
            flags?
                .iter()
                .zip(&probs)
                .filter(|(f, _)| **f)
                .map(|(_, p)| p)
                .sum(),
        )
    };
    Row {
        file: file.to_path_buf(),
        file_escaped: escaped_if_not_utf8(file),
        start_s: span.map(|s| s.0),
        end_s: span.map(|s| s.1),
        predicted: classes[best].clone(),
        p_high_arousal: share(&|e| e.arousal().map(|a| a == Arousal::High)),
        p_positive_valence: share(&|e| e.valence().map(|v| v == Valence::Positive)),
        probs,
    }
}

fn lossy_path<S: serde::Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// `path` with every byte that is not part of valid UTF-8 written `\xNN`,
/// or `None` when the whole path is UTF-8.
fn escaped_if_not_utf8(path: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    if path.to_str().is_some() {
        return None;
    }
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    Some(out)
}
