//! A trial's fingerprint: the BLAKE3 hash of everything that determines its
//! numbers — the task and its label set, the utterances of every split part
//! (corpus, id, speaker, path and class), the feature source (spectral spec
//! or encoder weights hash), normalisation, starting weights (hash), crop and augmentations, the network, the
//! method and its hyperparameters, what the method was given (target use,
//! auxiliary labels, selection rule), the training schedule, the seed, the
//! thread count, the device and the record format. Two trials with equal
//! fingerprints compute the same numbers (on the CPU; see
//! [`super::config::Experiment::threads`]); a stored record is reused only
//! when its fingerprint equals the one the current settings give.

use anyhow::{Context, Result};
use emoshift_corpus::{LabelSet, Task};
use serde::Serialize;

use super::config::Experiment;
use super::plan::Inputs;
use super::runner::MethodRun;
use super::split::{Labelled, TaskData};
use crate::feature_source::FeatureSource;

/// Version of what the fingerprint covers and of the trial record; bump it
/// when either changes meaning, so older records are recomputed.
pub const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Determinants<'a> {
    format: u32,
    task: &'a Task,
    label_set: &'a LabelSet,
    data: String,
    features: &'a FeatureSource,
    /// Left out when it is the default, so records made before the
    /// setting existed keep their fingerprints.
    #[serde(skip_serializing_if = "is_default_norm")]
    normalization: &'a crate::normalize::NormConfig,
    /// BLAKE3 of the starting weights, where the method entry names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    init: Option<String>,
    crop_seconds: f32,
    augment: &'a Option<emoshift_audio::augment::FeatureAugment>,
    model: &'a emoshift_learn::models::ModelSpec,
    method: &'a emoshift_learn::methods::MethodConfig,
    scrambled: bool,
    inputs: &'a Inputs,
    train: &'a super::config::TrainSettings,
    val_fraction: f64,
    seed: u64,
    threads: usize,
    device: &'a str,
}

fn is_default_norm(norm: &&crate::normalize::NormConfig) -> bool {
    **norm == crate::normalize::NormConfig::default()
}

/// Hash of the utterances and classes of every part of the split.
fn data_digest(split: &TaskData) -> String {
    let mut hasher = blake3::Hasher::new();
    let mut part = |role: &str, corpus: &str, items: &Labelled| {
        hasher.update(format!("[{role} {corpus} {}]\n", items.len()).as_bytes());
        for (u, label) in items {
            hasher.update(
                format!(
                    "{}\t{}\t{}\t{}\t{label}\n",
                    u.corpus,
                    u.id,
                    u.speaker,
                    u.path.display()
                )
                .as_bytes(),
            );
        }
    };
    for s in &split.sources {
        part("train", &s.corpus, &s.train);
        part("val", &s.corpus, &s.val);
    }
    for t in &split.targets {
        part("test", &t.corpus, &t.test);
        part("adapt", &t.corpus, &t.adapt);
        part("target-val", &t.corpus, &t.val);
    }
    hasher.finalize().to_hex().to_string()
}

/// The fingerprint of trial `trial` of `method` on `task`.
#[allow(clippy::too_many_arguments)]
pub fn fingerprint(
    exp: &Experiment,
    task: &Task,
    labels: &LabelSet,
    split: &TaskData,
    source: &FeatureSource,
    method: &MethodRun,
    inputs: &Inputs,
    trial: usize,
) -> Result<String> {
    let init = match &method.init {
        Some(path) => {
            let weights = crate::model_dir::weights_file(path);
            let bytes = std::fs::read(&weights).with_context(|| {
                format!("{}: cannot read the starting weights", weights.display())
            })?;
            Some(blake3::hash(&bytes).to_hex().to_string())
        }
        None => None,
    };
    let determinants = Determinants {
        format: FORMAT,
        task,
        label_set: labels,
        data: data_digest(split),
        features: source,
        normalization: &method.normalization,
        init,
        crop_seconds: exp.features.crop_seconds,
        augment: &exp.features.augment,
        model: &exp.model,
        method: &method.config,
        scrambled: method.scrambled,
        inputs,
        train: &exp.train,
        val_fraction: exp.data.val_fraction,
        seed: exp.seed + trial as u64,
        threads: exp.resolved_threads(),
        device: &exp.device,
    };
    let json = serde_json::to_vec(&determinants)?;
    Ok(blake3::hash(&json).to_hex().to_string())
}
