//! The training loop: steps over the domain batcher, an exponential
//! learning-rate decay, validation on held-out source data, early stopping
//! on a plateau, the best state kept, and checkpoints that resume exactly.
//!
//! Model selection: every validation records UAR, accuracy, macro-F1 and
//! AUROC (see [`evaluate`]); [`TrainConfig::metric`] picks the one that
//! decides the best state and early stopping. Validations before
//! [`TrainConfig::select_from_step`] are logged only.
//!
//! Checkpoints hold the trainer's state and [`TrainConfig::fingerprint`]; a
//! checkpoint written by another configuration (other fingerprint or seed)
//! is not resumed: training starts from scratch and overwrites it.
//!
//! Determinism: before step `s` the loop seeds libtorch's generator with a
//! value derived from the run's seed and `s`, and the batcher draws step
//! `s`'s batches from its own stream `s`. Everything random in a step is
//! therefore a function of (seed, step), and a run resumed from a checkpoint
//! continues bit for bit like an uninterrupted one on the CPU. libtorch's
//! generator is process-wide, so this holds for one training at a time per
//! process (run parallel trials in separate processes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::batcher::DomainBatcher;
use crate::checkpoint::{self, NamedTensors};
use crate::data::Dataset;
use crate::error::LearnError;
use crate::method::{LossReport, Method};
use crate::optim::exponential_lr;
use crate::predict::{predict_proba, PredictConfig, WindowConfig};
use emoshift_eval::metrics::{argmax_predictions, auroc_ovr, ConfusionMatrix, Metric};

/// The validation metric model selection and early stopping use; each is
/// computed by `emoshift-eval` with its scikit-learn conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValMetric {
    /// Unweighted average recall: the mean recall over the classes present.
    #[default]
    Uar,
    /// Fraction of examples classified correctly.
    Accuracy,
    /// Mean F1 over all classes, a class absent from validation counting 0.
    MacroF1,
    /// One-vs-rest ROC AUC of the class probabilities, macro mean over the
    /// classes present in validation; for two classes, class 1's AUROC.
    /// Needs validation data with at least two classes.
    Auroc,
}

impl ValMetric {
    /// The same metric in `emoshift-eval`'s terms (for reports and tables).
    pub fn eval_metric(self) -> Metric {
        match self {
            ValMetric::Uar => Metric::Uar,
            ValMetric::Accuracy => Metric::Accuracy,
            ValMetric::MacroF1 => Metric::MacroF1,
            ValMetric::Auroc => Metric::Auroc,
        }
    }
}

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Training steps; when absent, `epochs` times the batcher's steps per epoch.
    pub steps: Option<usize>,
    /// Epochs, used when `steps` is absent.
    pub epochs: usize,
    /// Exponential decay: the learning rate after `e` epochs is the
    /// initial one times `lr_decay^e`.
    pub lr_decay: Option<f64>,
    /// Steps between validations; when absent, once per epoch.
    pub eval_every: Option<usize>,
    /// Metric for model selection and early stopping.
    pub metric: ValMetric,
    /// Stop after this many validations without an improvement (only
    /// validations that may be selected count, see `select_from_step`).
    pub patience: Option<usize>,
    /// Smallest metric gain counted as an improvement.
    pub min_delta: f64,
    /// At the end, restore the state that scored best on validation.
    pub restore_best: bool,
    /// Index of the first step (0-based, as in [`StepLog::step`]) whose
    /// outcome may be selected: a validation may become the best state, and
    /// counts toward patience, only once this step has run (its
    /// [`EvalLog::step`], the steps done, exceeds this value). Earlier
    /// validations are logged only, so early stopping cannot end the run
    /// before then; without a later validation the final state is kept.
    /// For a method whose first `k` steps are a warm-up (MMD transfer's
    /// `source_steps`), `k` means no adapted state is ever discarded.
    pub select_from_step: usize,
    /// Checkpoint file (safetensors), rewritten atomically.
    pub checkpoint: Option<PathBuf>,
    /// Steps between checkpoints; when absent, at every validation (or
    /// once per epoch without validation data). One is also written at the end.
    pub checkpoint_every: Option<usize>,
    /// Continue from `checkpoint` when that file exists and was written with
    /// the same `fingerprint` and `seed`; otherwise start from scratch and
    /// overwrite it.
    pub resume: bool,
    /// What determines the run (e.g. a hash of the trial's record), stored in
    /// checkpoints and compared on resume.
    pub fingerprint: Option<String>,
    /// Seed of every random draw in training.
    pub seed: u64,
    /// Show a progress bar with the loss and the validation metric.
    pub progress: bool,
    /// Windows per forward pass during validation.
    pub eval_batch_size: usize,
    /// Validation windows; by default the batcher's crop length with half
    /// a window hop (whole utterances when the batcher does not crop).
    pub eval_window: Option<WindowConfig>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: None,
            epochs: 50,
            lr_decay: None,
            eval_every: None,
            metric: ValMetric::Uar,
            patience: None,
            min_delta: 0.0,
            restore_best: true,
            select_from_step: 0,
            checkpoint: None,
            checkpoint_every: None,
            resume: true,
            fingerprint: None,
            seed: 0,
            progress: false,
            eval_batch_size: 64,
            eval_window: None,
        }
    }
}

/// One training step's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepLog {
    /// Step index, from 0.
    pub step: usize,
    /// Learning rate during the step.
    pub lr: f64,
    /// The method's losses.
    pub loss: LossReport,
}

/// One validation's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalLog {
    /// Steps done when it ran.
    pub step: usize,
    /// Unweighted average recall.
    pub uar: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// One-vs-rest macro AUROC; `None` when validation holds a single class.
    pub auroc: Option<f64>,
}

impl EvalLog {
    /// The value of `metric` (`None` only for an undefined AUROC).
    pub fn metric(&self, metric: ValMetric) -> Option<f64> {
        match metric {
            ValMetric::Uar => Some(self.uar),
            ValMetric::Accuracy => Some(self.accuracy),
            ValMetric::MacroF1 => Some(self.macro_f1),
            ValMetric::Auroc => self.auroc,
        }
    }
}

/// Losses per step and validation scores, for training curves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainHistory {
    /// Every step run.
    pub steps: Vec<StepLog>,
    /// Every validation run.
    pub evals: Vec<EvalLog>,
}

/// What a training run ended with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    /// Losses and validation scores.
    pub history: TrainHistory,
    /// Steps run in total (across resumptions).
    pub steps_done: usize,
    /// Steps done at the best validation, and its metric.
    pub best: Option<(usize, f64)>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Whether the method was set back to its best state.
    pub restored_best: bool,
}

/// The trainer's own state, kept in checkpoint metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TrainerState {
    seed: u64,
    steps_done: usize,
    initial_lr: f64,
    best: Option<(usize, f64)>,
    evals_since_best: usize,
    stopped_early: bool,
    history: TrainHistory,
}

/// Metadata key of the trainer state in checkpoints.
const STATE_KEY: &str = "emoshift.trainer";
/// Metadata key of [`TrainConfig::fingerprint`] in checkpoints (absent when
/// the run had none).
pub const FINGERPRINT_KEY: &str = "emoshift.fingerprint";
/// Name prefix of the best state's tensors in checkpoints.
const BEST_PREFIX: &str = "trainer.best.";

fn config_error(key: &str, value: impl ToString, allowed: &str) -> LearnError {
    LearnError::Config {
        key: key.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// The libtorch seed of step `step` (splitmix64 of the pair, so nearby
/// steps and seeds give unrelated values).
fn step_seed(seed: u64, step: usize) -> i64 {
    let mut z = seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as i64
}

/// Deep copies of a state dict, safe from later in-place updates.
fn snapshot(state: NamedTensors) -> NamedTensors {
    state
        .into_iter()
        .map(|(n, t)| (n, t.detach().copy()))
        .collect()
}

/// UAR, accuracy, macro-F1 and AUROC of `method` on `val`, recorded as at
/// step `step`, computed by `emoshift-eval` from the class probabilities
/// (predictions are their argmax, the first class on ties).
///
/// Classes absent from `val`: UAR averages the present classes, macro-F1
/// counts absent ones as 0, AUROC is the mean one-vs-rest AUROC over the
/// present classes (two classes: class 1's AUROC, so both must be present)
/// and `None` when fewer than two classes are present. All four depend only
/// on the probabilities (ties in AUROC count half), so they are as
/// deterministic as the forward pass.
pub fn evaluate(
    method: &dyn Method,
    val: &Dataset,
    cfg: &PredictConfig,
    step: usize,
) -> Result<EvalLog, LearnError> {
    let examples: Vec<_> = val.examples().map(|(_, e)| e).collect();
    let feats: Vec<_> = examples.iter().map(|e| &e.features).collect();
    let probs = predict_proba(method, &feats, cfg)?;
    let y_true: Vec<usize> = examples.iter().map(|e| e.label).collect();
    let classes = val.num_classes();
    let invalid = |e: emoshift_eval::EvalError| {
        LearnError::Data(format!("validation after {step} steps: {e}"))
    };
    let auroc = auroc_ovr(&y_true, &probs, classes).map_err(invalid)?;
    let confusion =
        ConfusionMatrix::new(&y_true, &argmax_predictions(&probs), classes).map_err(invalid)?;
    Ok(EvalLog {
        step,
        uar: confusion.uar(),
        accuracy: confusion.accuracy(),
        macro_f1: confusion.macro_f1(),
        auroc: auroc.value,
    })
}

/// A checkpoint's trainer state and best state when `path` was written by
/// this configuration (same fingerprint and seed), loading its state into
/// `method`; `None`, with `method` untouched, when it was written by another.
fn resume_from(
    method: &mut dyn Method,
    path: &Path,
    cfg: &TrainConfig,
) -> Result<Option<(TrainerState, Option<NamedTensors>)>, LearnError> {
    let (tensors, metadata) = checkpoint::load(path)?;
    let text = metadata
        .get(STATE_KEY)
        .ok_or_else(|| LearnError::Checkpoint {
            path: path.to_path_buf(),
            reason: format!("no `{STATE_KEY}` metadata: not a training checkpoint"),
        })?;
    let written = metadata.get(FINGERPRINT_KEY);
    if written != cfg.fingerprint.as_ref() {
        let show = |f: Option<&String>| f.map_or("none".to_string(), |f| format!("`{f}`"));
        let why = format!(
            "written with fingerprint {}, this run has {}",
            show(written),
            show(cfg.fingerprint.as_ref())
        );
        return Ok(fresh_start(path, &why));
    }
    let state: TrainerState = serde_json::from_str(text).map_err(|e| LearnError::Checkpoint {
        path: path.to_path_buf(),
        reason: format!("unreadable trainer state: {e}"),
    })?;
    if state.seed != cfg.seed {
        let why = format!(
            "written with seed {}, this run has seed {}",
            state.seed, cfg.seed
        );
        return Ok(fresh_start(path, &why));
    }
    let (best, own): (Vec<_>, Vec<_>) = tensors
        .into_iter()
        .partition(|(n, _)| n.starts_with(BEST_PREFIX));
    method.load_state_dict(path, own)?;
    let best = (!best.is_empty()).then(|| {
        best.into_iter()
            .map(|(n, t)| (n[BEST_PREFIX.len()..].to_string(), t))
            .collect()
    });
    Ok(Some((state, best)))
}

/// Logs why the checkpoint at `path` is not resumed.
fn fresh_start<T>(path: &Path, why: &str) -> Option<T> {
    tracing::warn!(
        checkpoint = %path.display(),
        "checkpoint not resumed ({why}): training from scratch, the checkpoint will be overwritten"
    );
    None
}

fn write_checkpoint(
    method: &dyn Method,
    path: &Path,
    state: &TrainerState,
    best: Option<&NamedTensors>,
    fingerprint: Option<&str>,
) -> Result<(), LearnError> {
    let mut tensors = method.state_dict();
    if let Some(best) = best {
        tensors.extend(
            best.iter()
                .map(|(n, t)| (format!("{BEST_PREFIX}{n}"), t.shallow_clone())),
        );
    }
    let json = serde_json::to_string(state).map_err(|e| LearnError::Io {
        path: path.to_path_buf(),
        reason: format!("cannot encode the trainer state: {e}"),
    })?;
    let mut metadata = BTreeMap::from([(STATE_KEY.to_string(), json)]);
    if let Some(fingerprint) = fingerprint {
        metadata.insert(FINGERPRINT_KEY.to_string(), fingerprint.to_string());
    }
    checkpoint::save(path, &tensors, &metadata)
}

fn progress_bar(cfg: &TrainConfig, total: usize, done: usize) -> ProgressBar {
    if !cfg.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps {elapsed_precise} eta {eta} {msg}",
        )
        .expect("a valid progress template"),
    );
    bar.set_position(done as u64);
    bar
}

/// Trains `method` on `batcher`'s batches, validating on `val` (source
/// domains only, speaker-independent from the training part: never the
/// target) and returns the history. See [`TrainConfig`] for the schedule,
/// early stopping and checkpoints.
pub fn train(
    method: &mut dyn Method,
    batcher: &DomainBatcher,
    val: Option<&Dataset>,
    cfg: &TrainConfig,
) -> Result<TrainOutcome, LearnError> {
    let per_epoch = batcher.steps_per_epoch();
    let total = cfg.steps.unwrap_or(cfg.epochs * per_epoch);
    let eval_every = cfg.eval_every.unwrap_or(per_epoch);
    let checkpoint_every = cfg.checkpoint_every.unwrap_or(eval_every);
    if eval_every == 0 || checkpoint_every == 0 || cfg.eval_batch_size == 0 {
        return Err(config_error(
            "eval_every / checkpoint_every / eval_batch_size",
            format!(
                "{eval_every} / {checkpoint_every} / {}",
                cfg.eval_batch_size
            ),
            "at least 1",
        ));
    }
    if let Some(gamma) = cfg.lr_decay {
        if !(gamma > 0.0 && gamma <= 1.0) {
            return Err(config_error("lr_decay", gamma, "a factor in (0, 1]"));
        }
    }
    if let Some(val) = val {
        if cfg.metric == ValMetric::Auroc {
            let mut present: Vec<usize> = val.examples().map(|(_, e)| e.label).collect();
            present.sort_unstable();
            present.dedup();
            if present.len() < 2 {
                return Err(LearnError::Data(format!(
                    "model selection on AUROC needs validation data with at least two classes; it holds class {} only",
                    present[0]
                )));
            }
        }
        if val.num_classes() != batcher.data().num_classes()
            || val.n_bins() != batcher.data().n_bins()
        {
            return Err(LearnError::Data(format!(
                "validation data has {} classes and {} bins, training data {} and {}",
                val.num_classes(),
                val.n_bins(),
                batcher.data().num_classes(),
                batcher.data().n_bins()
            )));
        }
    }
    let predict_cfg = PredictConfig {
        layout: batcher.layout(),
        window: cfg.eval_window.clone().or_else(|| {
            batcher.config().crop_frames.map(|frames| WindowConfig {
                frames,
                hop: (frames / 2).max(1),
                aggregation: Default::default(),
            })
        }),
        batch_size: cfg.eval_batch_size,
        device: method.model().store().device(),
    };

    let resumable = cfg
        .checkpoint
        .as_deref()
        .filter(|p| cfg.resume && p.exists());
    let resumed = match resumable {
        Some(path) => resume_from(method, path, cfg)?,
        None => None,
    };
    let (mut state, mut best_state) = resumed.unwrap_or_else(|| {
        (
            TrainerState {
                seed: cfg.seed,
                steps_done: 0,
                initial_lr: method.learning_rate(),
                best: None,
                evals_since_best: 0,
                stopped_early: false,
                history: TrainHistory::default(),
            },
            None,
        )
    });

    let bar = progress_bar(cfg, total, state.steps_done);
    while state.steps_done < total && !state.stopped_early {
        let step = state.steps_done;
        if let Some(gamma) = cfg.lr_decay {
            method.set_learning_rate(exponential_lr(state.initial_lr, gamma, step / per_epoch));
        }
        tch::manual_seed(step_seed(cfg.seed, step));
        let batches = batcher.batches(step as u64)?;
        let loss = method.update(&batches)?;
        if !loss.total.is_finite() {
            return Err(LearnError::Diverged {
                step,
                loss: loss.total,
            });
        }
        let lr = method.learning_rate();
        bar.set_message(format!(
            "loss {:.4}{}",
            loss.total,
            last_metric(&state, cfg.metric)
        ));
        state.history.steps.push(StepLog { step, lr, loss });
        state.steps_done += 1;
        bar.inc(1);
        let done = state.steps_done;

        if let Some(val) = val.filter(|_| done % eval_every == 0 || done == total) {
            let log = evaluate(method, val, &predict_cfg, done)?;
            let value = log.metric(cfg.metric);
            let selectable = done > cfg.select_from_step;
            tracing::info!(
                step = done,
                uar = log.uar,
                accuracy = log.accuracy,
                macro_f1 = log.macro_f1,
                auroc = log.auroc,
                selectable,
                "validation"
            );
            state.history.evals.push(log);
            if selectable {
                let value = value.ok_or_else(|| {
                    LearnError::Data(format!(
                        "validation {} is undefined after {done} steps",
                        cfg.metric.eval_metric().label()
                    ))
                })?;
                if state.best.is_none_or(|(_, b)| value > b + cfg.min_delta) {
                    state.best = Some((done, value));
                    state.evals_since_best = 0;
                    best_state = Some(snapshot(method.state_dict()));
                } else {
                    state.evals_since_best += 1;
                    state.stopped_early = cfg.patience.is_some_and(|p| state.evals_since_best >= p);
                }
            }
            bar.set_message(format!(
                "loss {:.4}{}",
                state.history.steps[done - 1].loss.total,
                last_metric(&state, cfg.metric)
            ));
        }
        if let Some(path) = &cfg.checkpoint {
            if done % checkpoint_every == 0 || done == total || state.stopped_early {
                write_checkpoint(
                    method,
                    path,
                    &state,
                    best_state.as_ref(),
                    cfg.fingerprint.as_deref(),
                )?;
            }
        }
    }
    bar.finish_and_clear();

    let restored_best = match best_state.filter(|_| cfg.restore_best) {
        Some(best) => {
            let source = cfg
                .checkpoint
                .clone()
                .unwrap_or_else(|| PathBuf::from("<best state in memory>"));
            method.load_state_dict(&source, best)?;
            true
        }
        None => false,
    };
    Ok(TrainOutcome {
        steps_done: state.steps_done,
        best: state.best,
        stopped_early: state.stopped_early,
        restored_best,
        history: state.history,
    })
}

fn last_metric(state: &TrainerState, metric: ValMetric) -> String {
    match state.history.evals.last() {
        Some(e) => format!(
            " · val {} {:.4} (best {:.4})",
            metric.eval_metric().label(),
            e.metric(metric).unwrap_or(f64::NAN),
            state.best.map_or(f64::NAN, |b| b.1)
        ),
        None => String::new(),
    }
}
