//! Batched evaluation-mode inference: class probabilities and embeddings
//! for whole utterances, with a sliding window over long feature sequences
//! whose per-window outputs are averaged.

use emoshift_audio::Features;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::batcher::tile;
use crate::data::{stack, InputLayout};
use crate::error::LearnError;
use crate::method::Method;

/// How per-window outputs combine into one per utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Average the windows' class probabilities.
    #[default]
    MeanProbability,
    /// Average the windows' logits, then apply the softmax.
    MeanLogit,
}

/// A sliding window over the frames of long inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// Frames per window (the training crop length).
    pub frames: usize,
    /// Frames between window starts.
    pub hop: usize,
    /// How window outputs combine.
    #[serde(default)]
    pub aggregation: Aggregation,
}

/// Settings of utterance-level inference.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictConfig {
    /// Input layout the model reads.
    pub layout: InputLayout,
    /// Sliding window; `None` feeds each utterance whole (then utterances
    /// in one batch must have equal length).
    pub window: Option<WindowConfig>,
    /// Windows per forward pass.
    pub batch_size: usize,
    /// Device the model lives on.
    pub device: Device,
}

/// Start frames of the windows of `frames` frames every `hop` frames over
/// `n_frames` frames: the last one ends at the last frame; an input no
/// longer than a window has one window, at 0.
pub fn window_starts(n_frames: usize, frames: usize, hop: usize) -> Vec<usize> {
    if n_frames <= frames {
        return vec![0];
    }
    let mut starts: Vec<usize> = (0..=n_frames - frames).step_by(hop.max(1)).collect();
    if starts.last() != Some(&(n_frames - frames)) {
        starts.push(n_frames - frames);
    }
    starts
}

/// The windows of `frames` frames every `hop` frames covering all of
/// `features` (at [`window_starts`]); an input shorter than a window is
/// tiled to one window.
pub fn windows(features: &Features, frames: usize, hop: usize) -> Vec<Features> {
    if features.n_frames <= frames {
        return vec![tile(features, frames, 0)];
    }
    window_starts(features.n_frames, frames, hop)
        .into_iter()
        .map(|s| features.window(s as isize, frames, 0.0))
        .collect()
}

fn check(cfg: &PredictConfig) -> Result<(), LearnError> {
    if cfg.batch_size == 0 {
        return Err(LearnError::Config {
            key: "batch_size".into(),
            value: "0".into(),
            allowed: "at least 1".into(),
        });
    }
    if let Some(w) = &cfg.window {
        if w.frames == 0 || w.hop == 0 {
            return Err(LearnError::Config {
                key: "window".into(),
                value: format!("{} frames, hop {}", w.frames, w.hop),
                allowed: "positive frames and hop".into(),
            });
        }
    }
    Ok(())
}

/// Runs `f` over every window of every utterance in batches (without
/// gradients) and returns, per utterance, its windows' output rows.
fn per_window(
    utterances: &[&Features],
    cfg: &PredictConfig,
    f: impl Fn(&Tensor) -> Tensor,
) -> Result<Vec<Tensor>, LearnError> {
    check(cfg)?;
    let mut pieces: Vec<Features> = Vec::new();
    let mut counts: Vec<usize> = Vec::with_capacity(utterances.len());
    for feats in utterances {
        let ws = match &cfg.window {
            Some(w) => windows(feats, w.frames, w.hop),
            None => vec![(*feats).clone()],
        };
        counts.push(ws.len());
        pieces.extend(ws);
    }
    let mut rows: Vec<Tensor> = Vec::with_capacity(pieces.len().div_ceil(cfg.batch_size));
    for chunk in pieces.chunks(cfg.batch_size) {
        let refs: Vec<&Features> = chunk.iter().collect();
        let x = stack(&refs, cfg.layout, cfg.device)?;
        rows.push(
            tch::no_grad(|| f(&x))
                .to_device(Device::Cpu)
                .to_kind(Kind::Float),
        );
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let all = Tensor::cat(&rows, 0);
    let mut start = 0;
    Ok(counts
        .into_iter()
        .map(|count| {
            let rows = all.narrow(0, start, count as i64);
            start += count as i64;
            rows
        })
        .collect())
}

fn to_rows(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.contiguous().view([-1])).expect("a float tensor on the CPU")
}

/// One utterance's class probabilities: the whole utterance's (its windows
/// combined by the configured [`Aggregation`]) and each window's.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowedProba {
    /// Probabilities of the whole utterance.
    pub whole: Vec<f32>,
    /// Probabilities of each window, in order (one window when no sliding
    /// window is configured).
    pub windows: Vec<Vec<f32>>,
}

/// Class probabilities per utterance and per window, in evaluation mode,
/// from [`Method::predict`]: the one path evaluation and deployed
/// prediction share.
pub fn predict_windows(
    method: &dyn Method,
    utterances: &[&Features],
    cfg: &PredictConfig,
) -> Result<Vec<WindowedProba>, LearnError> {
    let aggregation = aggregation(cfg);
    let per = per_window(utterances, cfg, |x| method.predict(x))?;
    Ok(per
        .iter()
        .map(|logits| {
            let probs = logits.softmax(-1, Kind::Float);
            WindowedProba {
                whole: to_rows(&combine(logits, aggregation)),
                windows: (0..probs.size()[0])
                    .map(|i| to_rows(&probs.get(i)))
                    .collect(),
            }
        })
        .collect())
}

/// How the configured windows combine (the default without a window).
fn aggregation(cfg: &PredictConfig) -> Aggregation {
    cfg.window
        .as_ref()
        .map(|w| w.aggregation)
        .unwrap_or_default()
}

/// One utterance's probabilities from its windows' logits `[windows, C]`.
fn combine(logits: &Tensor, aggregation: Aggregation) -> Tensor {
    match aggregation {
        Aggregation::MeanProbability => logits.softmax(-1, Kind::Float).mean_dim(0, false, None),
        Aggregation::MeanLogit => logits.mean_dim(0, false, None).softmax(-1, Kind::Float),
    }
}

/// Class probabilities per utterance, in evaluation mode: the `whole` part
/// of [`predict_windows`], without copying out each window's row.
pub fn predict_proba(
    method: &dyn Method,
    utterances: &[&Features],
    cfg: &PredictConfig,
) -> Result<Vec<Vec<f32>>, LearnError> {
    let aggregation = aggregation(cfg);
    Ok(per_window(utterances, cfg, |x| method.predict(x))?
        .iter()
        .map(|logits| to_rows(&combine(logits, aggregation)))
        .collect())
}

/// Feature vectors per utterance (the mean over its windows), in evaluation mode.
pub fn embed(
    method: &dyn Method,
    utterances: &[&Features],
    cfg: &PredictConfig,
) -> Result<Vec<Vec<f32>>, LearnError> {
    let per = per_window(utterances, cfg, |x| method.embed(x))?;
    Ok(per
        .iter()
        .map(|e| to_rows(&e.mean_dim(0, false, None)))
        .collect())
}

/// Index of the largest value (the predicted class of a probability row).
pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}
