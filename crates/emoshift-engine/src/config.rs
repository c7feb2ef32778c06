//! Experiment files: what `emoshift run exp.toml` reads.
//!
//! Every section has defaults that follow the papers, unknown keys are
//! rejected with their name, and values that must name something (a corpus,
//! a label set, a feature preset, a protocol) are checked against the lists
//! the libraries know, so an error says what is allowed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// A whole experiment: data, features, model, methods, protocol, trials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name of the run; results go to `<out_dir>/<name>/`.
    pub name: String,
    /// Base seed; trial `k` uses `seed + k`.
    #[serde(default)]
    pub seed: u64,
    /// Independent trials per task and method.
    #[serde(default = "default_trials")]
    pub trials: usize,
    /// `cpu` or `cuda`.
    #[serde(default = "default_device")]
    pub device: String,
    /// Intra-op threads for libtorch (0 = all cores of this machine). The
    /// same file with the same thread count gives the same numbers on the
    /// CPU; libtorch's reductions are ordered by thread, so another thread
    /// count can change them in the last digits and, through training,
    /// beyond. The count a trial ran with is part of its fingerprint.
    #[serde(default)]
    pub threads: usize,
    /// Where results are written.
    #[serde(default = "default_out_dir")]
    pub out_dir: PathBuf,
    /// Where cached features are kept (shared across runs).
    #[serde(default = "default_cache_dir")]
    pub cache_dir: PathBuf,
    /// Corpora and labels.
    pub data: DataConfig,
    /// Input features and their augmentations.
    #[serde(default)]
    pub features: FeatureConfig,
    /// How feature frames are standardised (`[normalization]`; see
    /// [`crate::normalize`]).
    #[serde(default)]
    pub normalization: crate::normalize::NormConfig,
    /// Resources of the Slurm jobs `emoshift slurm` writes (`[slurm]`).
    #[serde(default)]
    pub slurm: crate::slurm::SlurmConfig,
    /// The quality gates every recording must pass before it is trained or
    /// evaluated on (`[quality]`; see `emoshift_audio::quality`).
    #[serde(default)]
    pub quality: emoshift_audio::QualityGates,
    /// The network.
    pub model: emoshift_learn::models::ModelSpec,
    /// The protocol that expands into tasks.
    pub protocol: ProtocolConfig,
    /// Training schedule shared by all methods.
    #[serde(default)]
    pub train: TrainSettings,
    /// The methods to compare, each with its hyperparameters.
    pub methods: Vec<MethodEntry>,
    /// Also train with labels permuted within each source corpus (the
    /// embeddings poster's scrambled-label check) and report it beside.
    #[serde(default)]
    pub scrambled_labels: bool,
}

/// One `[[methods]]` entry: a method with its hyperparameters, and the
/// label it goes by in tables and file names (its name by default), so that
/// variants of one method (DANN_1, DANN_2 of the DANN paper) can run side
/// by side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MethodEntry {
    /// Label in tables and file names; the method's name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Weights the network starts from instead of its random initialisation:
    /// a model folder of an earlier run (`runs/<name>/models/<task>/<method>__trialN`)
    /// or a safetensors file with PyTorch names. Tensors that match by name
    /// and shape are loaded; the rest (a classifier for other classes) keep
    /// their initialisation, and the trial record says which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
    /// This entry's normalisation, replacing the experiment's
    /// `[normalization]` (so one report can compare normalisations side by
    /// side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<crate::normalize::NormConfig>,
    /// The method.
    #[serde(flatten)]
    pub config: emoshift_learn::methods::MethodConfig,
}

impl MethodEntry {
    /// The label it goes by.
    pub fn label(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| self.config.name().to_string())
    }
}

/// Which corpora to read and how to label them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Folders holding corpora in their distributed layouts (scanned).
    #[serde(default)]
    pub roots: Vec<PathBuf>,
    /// Manifest files (CSV or JSONL) describing further corpora.
    #[serde(default)]
    pub manifests: Vec<PathBuf>,
    /// Label set name (`common4`, `da_mldg5`, `arousal`, ...) replacing
    /// the one each protocol task names.
    #[serde(default)]
    pub label_set: Option<String>,
    /// Fraction of each source corpus's speakers held out for validation.
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
}

/// Features computed from the audio.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Feature preset name (`da_mldg`, `dann`, `mmd`, `voxceleb`); give
    /// this or `encoder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// A pretrained speech encoder (WavLM, wav2vec2, HuBERT) as a Hugging
    /// Face model folder (`config.json`, `model.safetensors`) whose hidden
    /// states are the features; give this or `preset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder: Option<PathBuf>,
    /// The encoder's hidden state to use: 0 is the input of the first
    /// transformer layer; the last layer when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_layer: Option<usize>,
    /// Training crop length in seconds (the DA-MLDG paper uses 2 s).
    pub crop_seconds: f32,
    /// On-the-fly augmentations of the cached features during training
    /// (time stretch, time shift, SpecAugment masks): training reads cached
    /// feature matrices, so the waveform augmentations do not apply here.
    #[serde(default)]
    pub augment: Option<emoshift_audio::augment::FeatureAugment>,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            preset: Some("da_mldg".into()),
            encoder: None,
            encoder_layer: None,
            crop_seconds: 2.0,
            augment: None,
        }
    }
}

impl FeatureConfig {
    /// What computes the features: a spectral preset, or the encoder loaded
    /// onto `device`.
    pub fn source(&self, device: tch::Device) -> Result<crate::feature_source::FeatureComputer> {
        use crate::feature_source::FeatureSource;
        match (&self.encoder, &self.preset) {
            (Some(dir), _) => FeatureSource::encoder(dir, self.encoder_layer, device)
                .map_err(|e| anyhow::anyhow!("key `features.encoder`: {e:#}")),
            (None, Some(preset)) => FeatureSource::preset(preset)?.computer(device),
            (None, None) => bail!("key `features.preset`: missing"),
        }
    }

    /// What the features are, for the report.
    pub fn describe(&self) -> String {
        match (&self.encoder, &self.preset) {
            (Some(dir), _) => format!(
                "encoder {} (layer {})",
                dir.display(),
                self.encoder_layer
                    .map_or("last".to_string(), |l| l.to_string())
            ),
            (None, Some(preset)) => preset.clone(),
            (None, None) => "none".into(),
        }
    }
}

/// One or more protocols by name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolConfig {
    /// Protocol name (`da_mldg`, `mmd_transfer`, `dann_cross`, ... or
    /// `loco:ravdess,crema_d,emodb@common4` for leave-one-corpus-out), or a
    /// list of them whose tasks run one after the other.
    pub name: OneOrMany,
    /// Run only these task names (all when empty).
    #[serde(default)]
    pub only: Vec<String>,
}

/// A single name or a list of names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One name.
    One(String),
    /// Several names.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names, in order.
    pub fn names(&self) -> Vec<String> {
        match self {
            OneOrMany::One(n) => vec![n.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }

    /// The names joined for display.
    pub fn display(&self) -> String {
        self.names().join(" + ")
    }
}

/// Training schedule shared by every method of the experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSettings {
    /// Optimisation steps (one minibatch per source domain each).
    pub steps: usize,
    /// Samples per domain per step.
    pub batch_size: usize,
    /// Validate every this many steps.
    pub eval_every: usize,
    /// Stop after this many validations without improvement (0 = never).
    pub patience: usize,
    /// Draw a class first, then a file of it.
    pub class_balanced: bool,
    /// Multiply the learning rate by this factor every `eval_every` steps
    /// (in (0, 1]; 1 = constant).
    pub lr_decay: f64,
    /// Validation metric for model selection and early stopping (`uar`,
    /// `accuracy`, `macro_f1`, `auroc`); by default AUROC for the probe (the
    /// embeddings poster stops at an AUROC plateau) and UAR for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<emoshift_learn::train::ValMetric>,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            steps: 1000,
            batch_size: 32,
            eval_every: 100,
            patience: 5,
            class_balanced: false,
            lr_decay: 1.0,
            metric: None,
        }
    }
}

/// Longest training crop an experiment may ask for.
const MAX_CROP_SECONDS: f32 = 30.0;

/// Logical cores of this machine.
fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn default_trials() -> usize {
    3
}
fn default_device() -> String {
    "cpu".into()
}
fn default_out_dir() -> PathBuf {
    PathBuf::from("runs")
}
fn default_cache_dir() -> PathBuf {
    PathBuf::from(".emoshift-cache")
}
fn default_val_fraction() -> f64 {
    0.2
}

impl Experiment {
    /// Reads and validates an experiment file. Relative paths in it are
    /// taken relative to the file's folder.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read experiment file", path.display()))?;
        let mut exp: Experiment = toml::from_str(&text)
            .with_context(|| format!("{}: invalid experiment file", path.display()))?;
        // Absolute paths, so the run folder's `experiment.json` means the
        // same from any working directory (`emoshift report RUN_DIR`).
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::path::absolute(folder)
            .with_context(|| format!("{}: cannot resolve its folder", path.display()))?;
        exp.resolve_paths(&base);
        for dir in [&mut exp.out_dir, &mut exp.cache_dir] {
            if let Ok(absolute) = std::path::absolute(&*dir) {
                *dir = absolute;
            }
        }
        exp.validate()
            .with_context(|| format!("{}: invalid experiment file", path.display()))?;
        Ok(exp)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        self.data.roots.iter_mut().for_each(fix);
        self.data.manifests.iter_mut().for_each(fix);
        self.features.encoder.iter_mut().for_each(fix);
        for entry in &mut self.methods {
            entry.init.iter_mut().for_each(fix);
        }
    }

    /// Checks every named value against what the libraries know.
    pub fn validate(&self) -> Result<()> {
        if self.name.is_empty() || self.name.contains(['/', '\\']) {
            bail!(
                "key `name` = `{}`: must be a non-empty name without slashes",
                self.name
            );
        }
        if self.trials == 0 {
            bail!("key `trials` = 0: at least one trial is needed");
        }
        if !["cpu", "cuda"].contains(&self.device.as_str()) {
            bail!(
                "key `device` = `{}`: allowed values are `cpu`, `cuda`",
                self.device
            );
        }
        if self.data.roots.is_empty() && self.data.manifests.is_empty() {
            bail!("key `data.roots`: give at least one corpus folder or `data.manifests` entry");
        }
        self.slurm
            .validate()
            .map_err(|e| anyhow::anyhow!("section `slurm`: {e}"))?;
        self.normalization
            .validate()
            .map_err(|e| anyhow::anyhow!("section `normalization`: {e}"))?;
        for entry in &self.methods {
            // cuDNN's LSTM kernels have no double backward: the exact
            // second-order update would fail mid-run on the GPU.
            if self.device == "cuda"
                && entry.config.second_order()
                && matches!(self.model, emoshift_learn::models::ModelSpec::CnnBlstm(_))
            {
                bail!(
                    "method `{}`: `order = 2` differentiates through gradients, and cuDNN's LSTM \
                     (model `cnn_blstm` on `device = \"cuda\"`) has no double backward; use \
                     `order = 1` on the GPU, or `device = \"cpu\"` for the exact gradient",
                    entry.label()
                );
            }
            if let Some(init) = &entry.init {
                let weights = crate::model_dir::weights_file(init);
                if !weights.is_file() {
                    bail!(
                        "method `{}`, key `init` = {}: no such model folder or safetensors file ({} is not a file)",
                        entry.label(),
                        init.display(),
                        weights.display()
                    );
                }
            }
            if let Some(norm) = &entry.normalization {
                norm.validate().map_err(|e| {
                    anyhow::anyhow!("method `{}`, key `normalization`: {e}", entry.label())
                })?;
            }
        }
        self.quality
            .validate()
            .map_err(|e| anyhow::anyhow!("section `quality`: {e}"))?;
        if !(0.0..1.0).contains(&self.data.val_fraction) {
            bail!(
                "key `data.val_fraction` = {}: must be in [0, 1)",
                self.data.val_fraction
            );
        }
        if let Some(set) = &self.data.label_set {
            emoshift_corpus::LabelSet::by_name(set)
                .map_err(|e| anyhow::anyhow!("key `data.label_set`: {e}"))?;
        }
        match (&self.features.preset, &self.features.encoder) {
            (Some(preset), None) => {
                emoshift_audio::FeatureSpec::preset(preset)
                    .map_err(|e| anyhow::anyhow!("key `features.preset`: {e}"))?;
            }
            (None, Some(_)) => {}
            (Some(_), Some(_)) => {
                bail!("keys `features.preset` and `features.encoder`: give one of them, not both")
            }
            (None, None) => bail!(
                "key `features.preset`: missing; name a preset ({}) or give `features.encoder`",
                emoshift_audio::FeatureSpec::preset_names().join(", ")
            ),
        }
        if self.features.encoder_layer.is_some() && self.features.encoder.is_none() {
            bail!("key `features.encoder_layer`: only meaningful with `features.encoder`");
        }
        if !self.features.crop_seconds.is_finite() || self.features.crop_seconds <= 0.0 {
            bail!(
                "key `features.crop_seconds` = {}: must be positive",
                self.features.crop_seconds
            );
        }
        for name in self.protocol.name.names() {
            emoshift_corpus::Protocol::by_name(&name)
                .map_err(|e| anyhow::anyhow!("key `protocol.name`: {e}"))?;
        }
        if let Some(augment) = &self.features.augment {
            emoshift_audio::augment::AugmentConfig {
                features: augment.clone(),
                ..Default::default()
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("key `features.augment`: {e}"))?;
        }
        if self.methods.is_empty() {
            bail!("key `methods`: list at least one method ([[methods]] name = \"erm\")");
        }
        let mut labels = std::collections::BTreeSet::new();
        for m in &self.methods {
            let label = m.label();
            if label.is_empty() || label.contains(['/', '\\', '+']) {
                bail!("key `methods.label` = `{label}`: must be non-empty, without slashes or `+`");
            }
            if !labels.insert(label.clone()) {
                bail!(
                    "key `methods`: two entries go by `{label}`; give each variant its own `label = \"...\"`"
                );
            }
        }
        if self.train.steps == 0 || self.train.batch_size == 0 || self.train.eval_every == 0 {
            bail!("keys `train.steps`, `train.batch_size`, `train.eval_every` must be positive");
        }
        if !(self.train.lr_decay > 0.0 && self.train.lr_decay <= 1.0) {
            bail!(
                "key `train.lr_decay` = {}: must be in (0, 1] (1 keeps the learning rate constant)",
                self.train.lr_decay
            );
        }
        if self.features.crop_seconds > MAX_CROP_SECONDS {
            bail!(
                "key `features.crop_seconds` = {}: at most {MAX_CROP_SECONDS} s (the papers train on 0.265-3 s crops; longer utterances are scored in windows of this length)",
                self.features.crop_seconds
            );
        }
        let cores = available_cores();
        if self.threads > cores {
            bail!(
                "key `threads` = {}: this machine has {cores} cores; give at most {cores} (or 0 for all of them)",
                self.threads
            );
        }
        Ok(())
    }

    /// The validation metric trials of `method` select and stop on.
    pub fn val_metric(
        &self,
        method: &emoshift_learn::methods::MethodConfig,
    ) -> emoshift_learn::train::ValMetric {
        use emoshift_learn::methods::MethodConfig;
        use emoshift_learn::train::ValMetric;
        self.train.metric.unwrap_or(match method {
            MethodConfig::Probe(_) => ValMetric::Auroc,
            _ => ValMetric::Uar,
        })
    }

    /// The thread count trials run with: `threads`, or every core for 0.
    pub fn resolved_threads(&self) -> usize {
        if self.threads == 0 {
            available_cores()
        } else {
            self.threads
        }
    }

    /// Frames of one training crop for features from `source`.
    pub fn crop_frames(&self, source: &crate::feature_source::FeatureSource) -> usize {
        ((self.features.crop_seconds * source.frames_per_second()).round() as usize).max(1)
    }

    /// Folder of this run's results.
    pub fn run_dir(&self) -> PathBuf {
        self.out_dir.join(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_experiment_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                Experiment::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
                seen += 1;
            }
        }
        assert!(seen >= 6, "only {seen} example experiments found");
    }

    #[test]
    fn unknown_keys_and_names_are_reported_with_what_is_allowed() {
        let base = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo.toml"),
        )
        .unwrap();
        let bad_key = base.replace("trials = 3", "trails = 3");
        let err = toml::from_str::<Experiment>(&bad_key)
            .unwrap_err()
            .to_string();
        assert!(err.contains("trails"), "{err}");
        let bad_method = base.replace("name = \"rsc\"", "name = \"rcs\"");
        let err = toml::from_str::<Experiment>(&bad_method)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rcs") && err.contains("da_mldg"), "{err}");
        let bad_hparam = base.replace("name = \"rsc\"", "name = \"rsc\"\nfeature_dorp = 0.3");
        let err = toml::from_str::<Experiment>(&bad_hparam)
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature_dorp"), "{err}");
        let twins = format!("{base}\n[[methods]]\nname = \"erm\"\n");
        let err = format!(
            "{:#}",
            toml::from_str::<Experiment>(&twins)
                .unwrap()
                .validate()
                .unwrap_err()
        );
        assert!(err.contains("label"), "{err}");
        let mut exp: Experiment = toml::from_str(&base).unwrap();
        exp.protocol.name = OneOrMany::One("loco:ravdess,nope".into());
        let err = format!("{:#}", exp.validate().unwrap_err());
        assert!(err.contains("nope") && err.contains("crema_d"), "{err}");
    }
}
