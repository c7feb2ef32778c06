//! What one finished trial leaves behind, and how a run finds its finished
//! trials again: one JSON file per (task, method, trial), written atomically
//! once the trial is complete and carrying the trial's fingerprint, so an
//! interrupted run resumes where it stopped and a changed setting reruns
//! exactly the trials it affects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use emoshift_learn::train::{TrainOutcome, ValMetric};
use serde::{Deserialize, Serialize};

use super::plan::Inputs;

/// Identifies one trial of one method on one task.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TrialKey {
    /// Task name from the protocol.
    pub task: String,
    /// Method label (`erm`, `da_mldg`, `erm+scrambled`, ...).
    pub method: String,
    /// Trial number, `0..trials`.
    pub trial: usize,
}

impl TrialKey {
    /// File of this trial's record under a run folder.
    pub fn record_path(&self, run_dir: &Path) -> PathBuf {
        run_dir
            .join("trials")
            .join(sanitize(&self.task))
            .join(format!(
                "{}__trial{}.json",
                sanitize(&self.method),
                self.trial
            ))
    }

    /// Folder of this trial's trained model.
    pub fn model_dir(&self, run_dir: &Path) -> PathBuf {
        run_dir
            .join("models")
            .join(sanitize(&self.task))
            .join(format!("{}__trial{}", sanitize(&self.method), self.trial))
    }
}

/// Keeps file names portable: anything but letters, digits, `-`, `_`, `.`, `+` becomes `_`.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One utterance's prediction in a trial.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prediction {
    /// Utterance id from the corpus adapter.
    pub utterance: String,
    /// Corpus of the utterance.
    pub corpus: String,
    /// Speaker of the utterance.
    pub speaker: String,
    /// True class index.
    pub label: usize,
    /// Class probabilities.
    pub probs: Vec<f32>,
}

/// Results on one target corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetResult {
    /// Target corpus name.
    pub corpus: String,
    /// Metrics on it.
    pub metrics: emoshift_eval::ClassificationReport,
    /// Per-utterance predictions.
    pub predictions: Vec<Prediction>,
}

/// Feature vectors of sampled utterances with their corpus and class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Embedding {
    /// Corpus of each point.
    pub corpus: Vec<String>,
    /// Class index of each point.
    pub label: Vec<usize>,
    /// The feature vectors.
    pub vectors: Vec<Vec<f32>>,
}

/// A method left out of a task, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skipped {
    /// Task name.
    pub task: String,
    /// Method label.
    pub method: String,
    /// Why it does not run there.
    pub reason: String,
}

/// Everything one finished trial produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Which trial this is.
    pub key: TrialKey,
    /// Seed the trial ran with.
    pub seed: u64,
    /// libtorch threads it ran with.
    #[serde(default)]
    pub threads: usize,
    /// Hash of everything that determined it (see `fingerprint`).
    #[serde(default)]
    pub fingerprint: String,
    /// What the method was given: target use, auxiliary labels, selection.
    #[serde(default)]
    pub inputs: Option<Inputs>,
    /// Class names, in label order.
    pub classes: Vec<String>,
    /// Results per target corpus.
    pub targets: Vec<TargetResult>,
    /// Training loss per step.
    pub train_loss: Vec<(usize, f64)>,
    /// Every named loss term per step (`ce`, `meta_test`, `gamma`, `mmd`,
    /// `domain_corpus`, ...), so a reader can see each ingredient at work.
    #[serde(default)]
    pub loss_terms: BTreeMap<String, Vec<(usize, f64)>>,
    /// The validation metric selection and early stopping used.
    #[serde(default)]
    pub selection_metric: Option<ValMetric>,
    /// That metric per evaluation.
    pub val_metric: Vec<(usize, f64)>,
    /// Step and metric of the state kept at the end, when one was selected.
    #[serde(default)]
    pub selected: Option<(usize, f64)>,
    /// Feature vectors of a sample of utterances (first trial only), for the embedding map.
    #[serde(default)]
    pub embedding: Option<Embedding>,
    /// Wall-clock seconds the trial took.
    pub seconds: f64,
    /// Where the network's starting weights came from and what was loaded,
    /// when the method entry names `init`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<String>,
    /// Whether this run took the record from an earlier run (not stored).
    #[serde(skip)]
    pub reused: bool,
}

impl TrialRecord {
    /// The record of a trial that just finished training with `outcome`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: TrialKey,
        seed: u64,
        threads: usize,
        fingerprint: String,
        inputs: Inputs,
        classes: Vec<String>,
        targets: Vec<TargetResult>,
        outcome: &TrainOutcome,
        metric: ValMetric,
        embedding: Option<Embedding>,
        seconds: f64,
    ) -> Self {
        let history = &outcome.history;
        let mut loss_terms: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
        for s in &history.steps {
            for (name, &value) in &s.loss.terms {
                loss_terms
                    .entry(name.clone())
                    .or_default()
                    .push((s.step, value));
            }
        }
        Self {
            key,
            seed,
            threads,
            fingerprint,
            inputs: Some(inputs),
            classes,
            targets,
            train_loss: history
                .steps
                .iter()
                .map(|s| (s.step, s.loss.total))
                .collect(),
            loss_terms,
            selection_metric: Some(metric),
            val_metric: history
                .evals
                .iter()
                .filter_map(|e| e.metric(metric).map(|v| (e.step, v)))
                .collect(),
            selected: outcome.restored_best.then_some(outcome.best).flatten(),
            embedding,
            seconds,
            init: None,
            reused: false,
        }
    }

    /// Reads a finished trial's record, if one exists and is whole.
    pub fn load(path: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(path).ok()?;
        match serde_json::from_str(&text) {
            Ok(rec) => Some(rec),
            Err(err) => {
                tracing::warn!(
                    "{}: ignoring unreadable trial record ({err})",
                    path.display()
                );
                None
            }
        }
    }

    /// Writes the record atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)?;
        Ok(emoshift_fs::write_atomic(path, &json)?)
    }
}
