//! Runs an experiment: every task of the protocol × every method × every
//! trial, from cached features to a saved trial record and model folder.
//!
//! A trial runs in stages — prepare its data (from the method's declared
//! needs, see [`super::plan`]), build the method, train, evaluate, save.
//! Its record carries a fingerprint of everything that determined it; a
//! rerun reuses a record only when the fingerprint matches, so changing a
//! setting recomputes exactly the trials it affects, and an interrupted run
//! resumes where it stopped (the trainer's checkpoint, fingerprinted too,
//! lets training itself resume).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use emoshift_audio::{FeatureStore, Features};
use emoshift_corpus::{LabelSet, Manifest, Protocol, Task, Utterance};
use emoshift_learn::augment::FeatureAugment;
use emoshift_learn::batcher::{BatcherConfig, DomainBatcher};
use emoshift_learn::data::{Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::{AuxLabel, DomainInfo, MethodConfig};
use emoshift_learn::predict::{embed, predict_proba, PredictConfig};
use emoshift_learn::train::{train, TrainConfig, TrainOutcome};
use emoshift_learn::{models, runtime, Method};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::Device;

use super::config::Experiment;
use super::fingerprint::fingerprint;
use super::plan::{participation, Inputs, Participation, Selection};
use super::results::{Embedding, Prediction, Skipped, TargetResult, TrialKey, TrialRecord};
use super::split::{split_task, Labelled, TaskData};
use crate::feature_source::{FeatureComputer, FeatureSource};
use crate::model_dir::{self, ModelConfig};
use crate::normalize::{NormConfig, NormPlan};

/// Most points of the embedding map stored per trial.
const EMBEDDING_POINTS: usize = 600;

/// The corpora a run found, before any feature is computed.
pub struct Scanned {
    /// Usable utterances by corpus name (only the corpora the tasks name).
    pub corpora: BTreeMap<String, Vec<Utterance>>,
    /// The scan table, for the report.
    pub scan_table: String,
}

/// Everything loaded once per run: utterances by corpus and their features.
pub struct RunData {
    /// Usable utterances by corpus name.
    pub corpora: BTreeMap<String, Vec<Utterance>>,
    /// Features by audio path.
    pub features: HashMap<PathBuf, Features>,
    /// Files whose features could not be computed, with the reason.
    pub failures: Vec<(PathBuf, String)>,
    /// The scan table, for the report.
    pub scan_table: String,
}

/// The expanded protocol with its label sets.
pub fn tasks(exp: &Experiment) -> Result<Vec<Task>> {
    let mut tasks: Vec<Task> = Vec::new();
    for name in exp.protocol.name.names() {
        tasks.extend(Protocol::by_name(&name)?.tasks);
    }
    tasks.retain(|t| exp.protocol.only.is_empty() || exp.protocol.only.contains(&t.name));
    if tasks.is_empty() {
        bail!(
            "key `protocol.only` = {:?}: no task of protocol `{}` has these names",
            exp.protocol.only,
            exp.protocol.name.display()
        );
    }
    if let Some(set) = &exp.data.label_set {
        for t in &mut tasks {
            t.label_set = set.clone();
        }
    }
    Ok(tasks)
}

/// The corpora the experiment's tasks train or test on, sorted, each once.
pub fn corpora_used(exp: &Experiment) -> Result<Vec<String>> {
    let mut names: Vec<String> = tasks(exp)?
        .into_iter()
        .flat_map(|t| t.train_corpora.into_iter().chain(t.target_corpora))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Scans the corpus folders (files whose header fails the quality gates
/// are left out and listed) and reads the manifests, keeping the corpora
/// the tasks name.
pub fn scan(exp: &Experiment, tasks: &[Task]) -> Result<Scanned> {
    let scans = emoshift_corpus::scan_dirs(&exp.data.roots, &exp.quality)?;
    let scan_table = emoshift_corpus::render_table(&scans);
    let mut corpora: BTreeMap<String, Vec<Utterance>> = BTreeMap::new();
    for utt in scans.into_iter().flat_map(|s| s.utterances) {
        corpora.entry(utt.corpus.clone()).or_default().push(utt);
    }
    for path in &exp.data.manifests {
        for utt in Manifest::read(path)?.utterances {
            corpora.entry(utt.corpus.clone()).or_default().push(utt);
        }
    }
    let needed: BTreeSet<&String> = tasks
        .iter()
        .flat_map(|t| t.train_corpora.iter().chain(&t.target_corpora))
        .collect();
    corpora.retain(|name, _| needed.contains(name));
    Ok(Scanned {
        corpora,
        scan_table,
    })
}

/// Drops the target corpora the scan did not find from each task, with a
/// warning, and returns what was dropped (`(task, corpus)`). A missing
/// training corpus, or a task left without any target, is an error.
pub fn drop_missing_targets(
    tasks: &mut [Task],
    found: &BTreeMap<String, Vec<Utterance>>,
) -> Result<Vec<(String, String)>> {
    let found_list = || found.keys().cloned().collect::<Vec<_>>().join(", ");
    let mut dropped = Vec::new();
    for task in tasks.iter_mut() {
        if let Some(missing) = task.train_corpora.iter().find(|c| !found.contains_key(*c)) {
            bail!(
                "task `{}` trains on corpus `{missing}`, which was not found (found: {})",
                task.name,
                found_list()
            );
        }
        let (present, missing): (Vec<String>, Vec<String>) = task
            .target_corpora
            .drain(..)
            .partition(|c| found.contains_key(c));
        if present.is_empty() {
            bail!(
                "task `{}`: none of its target corpora ({}) was found (found: {})",
                task.name,
                missing.join(", "),
                found_list()
            );
        }
        for corpus in missing {
            tracing::warn!(
                "task `{}`: target corpus `{corpus}` was not found; the task runs on the targets present",
                task.name
            );
            dropped.push((task.name.clone(), corpus));
        }
        task.target_corpora = present;
    }
    Ok(dropped)
}

/// Computes (or reuses) the features of every scanned utterance; utterances
/// whose audio cannot be read or fails the quality gates are left out and
/// listed.
pub fn extract(exp: &Experiment, computer: &FeatureComputer, scanned: Scanned) -> Result<RunData> {
    let Scanned {
        mut corpora,
        scan_table,
    } = scanned;
    let paths: Vec<PathBuf> = corpora.values().flatten().map(|u| u.path.clone()).collect();
    let store = FeatureStore::open(&exp.cache_dir)?.with_gates(exp.quality.clone());
    let source = computer.source();
    tracing::info!(files = paths.len(), features = %source.describe(), "extracting features");
    let computed = std::sync::Mutex::new(Vec::with_capacity(paths.len()));
    let summary = computer.extract_all(&paths, &store, 0, |i, f| {
        computed
            .lock()
            .expect("no panic while holding the lock")
            .push((i, f));
    })?;
    tracing::info!("{summary}");
    let features: HashMap<PathBuf, Features> = computed
        .into_inner()
        .expect("no panic while holding the lock")
        .into_iter()
        .map(|(i, f)| (paths[i].clone(), f))
        .collect();
    for utts in corpora.values_mut() {
        utts.retain(|u| features.contains_key(&u.path));
    }
    Ok(RunData {
        corpora,
        features,
        failures: summary.failures.clone(),
        scan_table,
    })
}

/// A method entry of the run: its configuration and whether labels are scrambled.
#[derive(Debug, Clone)]
pub struct MethodRun {
    /// Label in tables and file names (`erm`, `erm+scrambled`).
    pub label: String,
    /// The method.
    pub config: MethodConfig,
    /// Train with labels permuted within each source corpus.
    pub scrambled: bool,
    /// How its features are standardised (the entry's, else the experiment's).
    pub normalization: NormConfig,
    /// Weights the network starts from (a model folder or safetensors file).
    pub init: Option<PathBuf>,
}

/// The methods of the experiment, each followed by its scrambled-label twin
/// when the experiment asks for the check.
pub fn method_runs(exp: &Experiment) -> Vec<MethodRun> {
    let mut runs = Vec::new();
    for entry in &exp.methods {
        let normalization = entry.normalization.unwrap_or(exp.normalization);
        runs.push(MethodRun {
            label: entry.label(),
            config: entry.config.clone(),
            scrambled: false,
            normalization,
            init: entry.init.clone(),
        });
        if exp.scrambled_labels {
            runs.push(MethodRun {
                label: format!("{}+scrambled", entry.label()),
                config: entry.config.clone(),
                scrambled: true,
                normalization,
                init: entry.init.clone(),
            });
        }
    }
    runs
}

/// What will happen to one trial of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialStatus {
    /// A record with the same fingerprint exists and is reused.
    Reuse,
    /// A record exists but was made with other settings; it is recomputed.
    Stale,
    /// No record yet.
    New,
}

/// One cell of the task × method × trial grid.
pub struct GridEntry {
    /// Which trial.
    pub key: TrialKey,
    /// What the method gets, or why it is skipped.
    pub part: Participation,
    /// The trial's fingerprint (empty when skipped).
    pub fingerprint: String,
    /// Whether it will be reused, recomputed or computed.
    pub status: TrialStatus,
    /// The stored record, when it is reused.
    pub stored: Option<TrialRecord>,
}

/// One task's part of the grid: its label set, its split and its trials,
/// method by method.
pub struct TaskGrid<'a> {
    /// The task.
    pub task: &'a Task,
    /// Its label set.
    pub labels: LabelSet,
    /// Its speaker-independent split.
    pub split: TaskData<'a>,
    /// One entry per method and trial, in [`method_runs`] order.
    pub entries: Vec<(MethodRun, GridEntry)>,
}

/// The whole grid with each trial's fingerprint and status, from the
/// corpora in `corpora` (before or after extraction).
pub fn grid<'a>(
    exp: &Experiment,
    tasks: &'a [Task],
    corpora: &'a BTreeMap<String, Vec<Utterance>>,
    source: &FeatureSource,
) -> Result<Vec<TaskGrid<'a>>> {
    let run_dir = exp.run_dir();
    let layout = exp.model.input_layout();
    let mut out = Vec::new();
    for task in tasks {
        let labels = LabelSet::by_name(&task.label_set)?;
        let split = split_task(task, &labels, corpora, exp.data.val_fraction, exp.seed)?;
        let mut entries = Vec::new();
        for method in method_runs(exp) {
            let part = participation(task, &labels, &method.config, layout);
            for trial in 0..exp.trials {
                let key = TrialKey {
                    task: task.name.clone(),
                    method: method.label.clone(),
                    trial,
                };
                let (fingerprint, status, stored) = match &part {
                    Participation::Skip(_) => (String::new(), TrialStatus::New, None),
                    Participation::Run(inputs) => {
                        let fp = fingerprint(
                            exp, task, &labels, &split, source, &method, inputs, trial,
                        )?;
                        match TrialRecord::load(&key.record_path(&run_dir)) {
                            Some(r) if r.fingerprint == fp => (fp, TrialStatus::Reuse, Some(r)),
                            Some(_) => (fp, TrialStatus::Stale, None),
                            None => (fp, TrialStatus::New, None),
                        }
                    }
                };
                let entry = GridEntry {
                    key,
                    part: part.clone(),
                    fingerprint,
                    status,
                    stored,
                };
                entries.push((method.clone(), entry));
            }
        }
        out.push(TaskGrid {
            task,
            labels,
            split,
            entries,
        });
    }
    Ok(out)
}

/// Which trials of the grid a process computes; stored records with the
/// current fingerprint are reused in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Every trial whose record is missing or stale.
    All,
    /// Shard `index` of `count` (`0 <= index < count`): of the trials that
    /// run (skipped ones do not count), those whose position in grid order
    /// is `index` modulo `count`. The shards of one `count` cover the grid
    /// exactly once, whatever is already stored.
    Shard {
        /// This shard, from 0.
        index: usize,
        /// How many shards.
        count: usize,
    },
    /// No trial: what is not stored is listed as missing.
    ReportOnly,
}

impl Work {
    /// Whether the trial at `position` (among the trials that run) is this
    /// process's to compute.
    fn takes(self, position: usize) -> bool {
        match self {
            Work::All => true,
            Work::Shard { index, count } => position % count == index,
            Work::ReportOnly => false,
        }
    }
}

/// What [`run_all`] produced: every record (reused or new), every skip and
/// the trials left for others.
pub struct RunResults {
    /// Trial records, in grid order.
    pub records: Vec<TrialRecord>,
    /// Method entries left out of a task, with the reason.
    pub skipped: Vec<Skipped>,
    /// Trials without a current record that this process did not compute.
    pub missing: Vec<TrialKey>,
    /// Trials computed by this process.
    pub computed: usize,
}

/// Runs the trials `work` gives this process whose record is missing or
/// stale; returns every current record.
pub fn run_all(
    exp: &Experiment,
    data: &RunData,
    tasks: &[Task],
    source: FeatureSource,
    work: Work,
) -> Result<RunResults> {
    let device = runtime::select_device(&exp.device)?;
    let run_dir = exp.run_dir();
    let grid = grid(exp, tasks, &data.corpora, &source)?;
    let total: usize = grid.iter().map(|g| g.entries.len()).sum();
    let mut done = 0;
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let mut missing = Vec::new();
    let mut position = 0;
    for TaskGrid {
        task,
        labels,
        split,
        entries,
    } in grid
    {
        for (method, entry) in entries {
            done += 1;
            let key = entry.key;
            let inputs = match entry.part {
                Participation::Skip(reason) => {
                    if key.trial == 0 {
                        tracing::info!("{} / {}: skipped ({reason})", task.name, method.label);
                        skipped.push(Skipped {
                            task: task.name.clone(),
                            method: method.label.clone(),
                            reason,
                        });
                    }
                    continue;
                }
                Participation::Run(inputs) => inputs,
            };
            position += 1;
            let trial = format!(
                "[{done}/{total}] {} / {} / trial {}",
                task.name, method.label, key.trial
            );
            if let Some(mut record) = entry.stored {
                tracing::info!("{trial}: same settings as before, reused");
                record.reused = true;
                records.push(record);
                continue;
            }
            if !work.takes(position - 1) {
                missing.push(key);
                continue;
            }
            if entry.status == TrialStatus::Stale {
                tracing::info!("{trial}: settings changed since the stored record, recomputing");
            } else {
                tracing::info!("{trial}");
            }
            let ctx = TrialContext {
                exp,
                source: &source,
                device,
                task,
                labels: &labels,
                split: &split,
                data,
                run_dir: &run_dir,
            };
            let path = key.record_path(&run_dir);
            let trial_index = key.trial;
            let record =
                run_trial(&ctx, &method, &inputs, key, entry.fingerprint).with_context(|| {
                    format!(
                        "task `{}`, method `{}`, trial {}",
                        task.name, method.label, trial_index
                    )
                })?;
            record.save(&path)?;
            records.push(record);
        }
    }
    let computed = records.iter().filter(|r| !r.reused).count();
    Ok(RunResults {
        records,
        skipped,
        missing,
        computed,
    })
}

struct TrialContext<'a> {
    exp: &'a Experiment,
    source: &'a FeatureSource,
    device: Device,
    task: &'a Task,
    labels: &'a LabelSet,
    split: &'a TaskData<'a>,
    data: &'a RunData,
    run_dir: &'a Path,
}

/// A trial's training and validation sets.
struct TrialData {
    train: Dataset,
    val: Option<Dataset>,
    norm: NormPlan,
}

/// Vocabularies of the auxiliary labels over the training utterances.
type AuxVocab = BTreeMap<AuxLabel, BTreeMap<String, usize>>;

/// The value of an auxiliary label of `u`, or why it has none.
fn aux_value(u: &Utterance, label: AuxLabel) -> Result<String> {
    Ok(match label {
        AuxLabel::Gender => match u.gender {
            Some(g) => format!("{g:?}"),
            None => bail!(
                "{}: corpus `{}` gives no gender for utterance `{}`, and a `gender` head needs it",
                u.path.display(),
                u.corpus,
                u.id
            ),
        },
        AuxLabel::Language => u.language.clone(),
        AuxLabel::Speaker => format!("{}/{}", u.corpus, u.speaker),
    })
}

fn aux_vocab(labels: &[AuxLabel], utts: &[&Utterance]) -> Result<AuxVocab> {
    let mut vocab = AuxVocab::new();
    for &label in labels {
        let mut values = BTreeSet::new();
        for u in utts {
            values.insert(aux_value(u, label)?);
        }
        vocab.insert(
            label,
            values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect(),
        );
    }
    Ok(vocab)
}

/// Examples of `part`: labelled ones carry their class, unlabelled ones a
/// placeholder 0 (the target's labels are never read for them).
fn examples(
    part: &Labelled,
    data: &RunData,
    norm: &NormPlan,
    labelled: bool,
    vocab: &AuxVocab,
) -> Result<Vec<Example>> {
    part.iter()
        .map(|(u, label)| {
            let mut ex = Example::new(
                norm.apply(u, &data.features[&u.path]),
                if labelled { *label } else { 0 },
            );
            for (aux, values) in vocab {
                ex.aux
                    .insert(aux.name().to_string(), values[&aux_value(u, *aux)?]);
            }
            Ok(ex)
        })
        .collect()
}

/// Permutes labels within one domain (the scrambled-label check).
fn scramble(examples: &mut [Example], rng: &mut ChaCha8Rng) {
    let mut labels: Vec<usize> = examples.iter().map(|e| e.label).collect();
    labels.shuffle(rng);
    for (e, l) in examples.iter_mut().zip(labels) {
        e.label = l;
    }
}

/// Stage 1: the training domains (sources, then the targets the method
/// uses) and the validation set the method's selection rule names.
fn prepare_data<'a>(
    ctx: &TrialContext<'a>,
    method_run: &MethodRun,
    inputs: &Inputs,
    rng: &mut ChaCha8Rng,
) -> Result<TrialData> {
    let n_classes = ctx.labels.num_classes();
    let features: &'a HashMap<PathBuf, Features> = &ctx.data.features;
    let audio = |parts: Vec<&'a Labelled<'a>>| -> Vec<(&'a Utterance, &'a Features)> {
        parts
            .into_iter()
            .flatten()
            .map(|(u, _)| (*u, &features[&u.path]))
            .collect()
    };
    let split: &'a TaskData<'a> = ctx.split;
    let (sources, targets) = (&split.sources, &split.targets);
    let norm = NormPlan::fit(
        method_run.normalization,
        &audio(sources.iter().map(|s| &s.train).collect()),
        &audio(sources.iter().map(|s| &s.val).collect()),
        &audio(
            targets
                .iter()
                .flat_map(|t| [&t.test, &t.adapt, &t.val])
                .collect(),
        ),
    )
    .context("no training utterances to fit the feature standardisation on")?;
    let training_utts: Vec<&Utterance> = ctx
        .split
        .sources
        .iter()
        .flat_map(|s| &s.train)
        .chain(
            ctx.split
                .targets
                .iter()
                .filter(|_| inputs.target_audio)
                .flat_map(|t| &t.adapt),
        )
        .map(|(u, _)| *u)
        .collect();
    let vocab = aux_vocab(&inputs.aux_labels, &training_utts)?;
    let mut domains = Vec::new();
    for s in &ctx.split.sources {
        let mut ex = examples(&s.train, ctx.data, &norm, true, &vocab)?;
        if method_run.scrambled {
            scramble(&mut ex, rng);
        }
        domains.push(Domain::labelled(s.corpus.clone(), ex));
    }
    if inputs.target_audio {
        for t in &ctx.split.targets {
            if t.adapt.is_empty() {
                bail!(
                    "method `{}` adapts on target `{}`, and task `{}` leaves no target audio to adapt on",
                    method_run.label,
                    t.corpus,
                    ctx.task.name
                );
            }
            let ex = examples(&t.adapt, ctx.data, &norm, inputs.target_labels, &vocab)?;
            domains.push(if inputs.target_labels {
                Domain::labelled(t.corpus.clone(), ex)
            } else {
                Domain::unlabelled(t.corpus.clone(), ex)
            });
        }
    }
    let train = Dataset::new(domains, n_classes)?;
    let val_parts: Vec<(&String, &Labelled)> = match inputs.selection {
        Selection::SourceSpeakers => ctx
            .split
            .sources
            .iter()
            .map(|s| (&s.corpus, &s.val))
            .collect(),
        Selection::TargetSpeakers => ctx
            .split
            .targets
            .iter()
            .map(|t| (&t.corpus, &t.val))
            .collect(),
    };
    let no_aux = AuxVocab::new();
    let val_domains: Vec<Domain> = val_parts
        .into_iter()
        .filter(|(_, part)| !part.is_empty())
        .map(|(corpus, part)| {
            Ok(Domain::labelled(
                corpus.clone(),
                examples(part, ctx.data, &norm, true, &no_aux)?,
            ))
        })
        .collect::<Result<_>>()?;
    let val = if val_domains.is_empty() {
        None
    } else {
        Some(Dataset::new(val_domains, n_classes)?)
    };
    Ok(TrialData { train, val, norm })
}

/// Stage 2: the network and the method around it, and the domains it was
/// built for (the model folder keeps them).
fn build_method(
    ctx: &TrialContext,
    method_run: &MethodRun,
    data: &TrialData,
    crop_frames: usize,
) -> Result<(Box<dyn Method>, DomainInfo, Option<String>)> {
    let in_shape = ctx
        .exp
        .model
        .input_layout()
        .example_shape(ctx.source.n_bins(), crop_frames);
    let model = models::build(
        &ctx.exp.model,
        &in_shape,
        ctx.labels.num_classes(),
        ctx.device,
    )?;
    let init = match &method_run.init {
        Some(path) => {
            let weights = model_dir::weights_file(path);
            let report = model.store().load_matching(&weights)?;
            let text = format!("from {}: {}", weights.display(), report.describe());
            tracing::info!("{}: network initialised {text}", method_run.label);
            Some(text)
        }
        None => None,
    };
    let domains = DomainInfo {
        num_domains: data.train.domains().len(),
        aux_classes: data.train.aux_classes().clone(),
    };
    let method = emoshift_learn::methods::build(&method_run.config, model, domains.clone())?;
    Ok((method, domains, init))
}

/// Stage 3: training, with selection and stopping as the inputs say.
#[allow(clippy::too_many_arguments)]
fn train_method(
    ctx: &TrialContext,
    method_run: &MethodRun,
    method: &mut dyn Method,
    data: &TrialData,
    inputs: &Inputs,
    layout: InputLayout,
    crop_frames: usize,
    seed: u64,
    key: &TrialKey,
    fingerprint: &str,
) -> Result<TrainOutcome> {
    let exp = ctx.exp;
    let batcher_cfg = BatcherConfig {
        batch_size: exp.train.batch_size,
        class_balanced: exp.train.class_balanced,
        crop_frames: Some(crop_frames),
    };
    let mut batcher = DomainBatcher::new(&data.train, batcher_cfg, layout, seed, ctx.device)?;
    if let Some(augment) = &exp.features.augment {
        let cfg = emoshift_audio::augment::AugmentConfig {
            features: augment.clone(),
            ..Default::default()
        };
        batcher = batcher.with_augment(Box::new(FeatureAugment::new(cfg)?));
    }
    let train_cfg = TrainConfig {
        steps: Some(exp.train.steps),
        eval_every: Some(exp.train.eval_every),
        patience: (exp.train.patience > 0).then_some(exp.train.patience),
        lr_decay: (exp.train.lr_decay < 1.0).then_some(exp.train.lr_decay),
        metric: exp.val_metric(&method_run.config),
        select_from_step: inputs.select_from_step,
        checkpoint: Some(key.model_dir(ctx.run_dir).join("checkpoint.safetensors")),
        fingerprint: Some(fingerprint.to_string()),
        resume: true,
        seed,
        progress: true,
        ..TrainConfig::default()
    };
    Ok(train(method, &batcher, data.val.as_ref(), &train_cfg)?)
}

/// Stage 4: scores on every target corpus's test part.
fn evaluate(
    ctx: &TrialContext,
    method: &dyn Method,
    norm: &NormPlan,
    predict_cfg: &PredictConfig,
) -> Result<Vec<TargetResult>> {
    let classes = ctx.labels.class_names();
    let mut targets = Vec::new();
    for target in &ctx.split.targets {
        let normed: Vec<Features> = target
            .test
            .iter()
            .map(|(u, _)| norm.apply(u, &ctx.data.features[&u.path]))
            .collect();
        let feats: Vec<&Features> = normed.iter().collect();
        let probs = predict_proba(method, &feats, predict_cfg)?;
        let y: Vec<usize> = target.test.iter().map(|(_, l)| *l).collect();
        let metrics = emoshift_eval::metrics::evaluate(&y, &probs, &classes)?;
        let predictions = target
            .test
            .iter()
            .zip(probs)
            .map(|((u, label), probs)| Prediction {
                utterance: u.id.clone(),
                corpus: u.corpus.clone(),
                speaker: u.speaker.clone(),
                label: *label,
                probs,
            })
            .collect();
        targets.push(TargetResult {
            corpus: target.corpus.clone(),
            metrics,
            predictions,
        });
    }
    Ok(targets)
}

fn run_trial(
    ctx: &TrialContext,
    method_run: &MethodRun,
    inputs: &Inputs,
    key: TrialKey,
    fingerprint: String,
) -> Result<TrialRecord> {
    let start = Instant::now();
    let exp = ctx.exp;
    let seed = exp.seed + key.trial as u64;
    let threads = exp.resolved_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5C4A_3B1E);
    let data = prepare_data(ctx, method_run, inputs, &mut rng)?;
    let crop_frames = exp.crop_frames(ctx.source);
    let model_layout = exp.model.input_layout();
    let layout = method_run.config.needs().batch_layout(model_layout);
    runtime::configure(seed, Some(threads))?;
    let (mut method, domains, init) = build_method(ctx, method_run, &data, crop_frames)?;
    let outcome = train_method(
        ctx,
        method_run,
        method.as_mut(),
        &data,
        inputs,
        layout,
        crop_frames,
        seed,
        &key,
        &fingerprint,
    )?;
    let predict_cfg = crate::inference::window_config(
        layout,
        crop_frames,
        crate::inference::default_hop(crop_frames),
        ctx.device,
    );
    let targets = evaluate(ctx, method.as_ref(), &data.norm, &predict_cfg)?;
    let embedding = if key.trial == 0 && !method_run.scrambled {
        Some(embedding_sample(
            ctx,
            method.as_ref(),
            &predict_cfg,
            &data.norm,
            &mut rng,
        )?)
    } else {
        None
    };
    let classes = ctx.labels.class_names();
    model_dir::save(
        &key.model_dir(ctx.run_dir),
        &ModelConfig {
            format: model_dir::FORMAT,
            model: exp.model.clone(),
            classes: classes.clone(),
            label_set: ctx.labels.name.clone(),
            features: ctx.source.clone(),
            layout: model_layout,
            predict_layout: layout,
            window_frames: crop_frames,
            normalization: data.norm.pooled().clone(),
            normalization_scope: method_run.normalization.scope,
            method: method_run.label.clone(),
            method_config: method_run.config.clone(),
            domains,
            quality: exp.quality.clone(),
        },
        method.as_ref(),
    )?;
    let mut record = TrialRecord::new(
        key,
        seed,
        threads,
        fingerprint,
        inputs.clone(),
        classes,
        targets,
        &outcome,
        exp.val_metric(&method_run.config),
        embedding,
        start.elapsed().as_secs_f64(),
    );
    record.init = init;
    Ok(record)
}

/// Feature vectors of a sample of source-validation and target-test
/// utterances, for the embedding map.
fn embedding_sample(
    ctx: &TrialContext,
    method: &dyn Method,
    cfg: &PredictConfig,
    norm: &NormPlan,
    rng: &mut ChaCha8Rng,
) -> Result<Embedding> {
    let mut pool: Vec<(&Utterance, usize)> = ctx
        .split
        .sources
        .iter()
        .flat_map(|s| s.val.iter().chain(&s.train))
        .chain(ctx.split.targets.iter().flat_map(|t| t.test.iter()))
        .map(|(u, l)| (*u, *l))
        .collect();
    pool.shuffle(rng);
    pool.truncate(EMBEDDING_POINTS);
    pool.sort_by(|a, b| (&a.0.corpus, &a.0.id).cmp(&(&b.0.corpus, &b.0.id)));
    let normed: Vec<Features> = pool
        .iter()
        .map(|(u, _)| norm.apply(u, &ctx.data.features[&u.path]))
        .collect();
    let feats: Vec<&Features> = normed.iter().collect();
    let vectors = embed(method, &feats, cfg)?;
    Ok(Embedding {
        corpus: pool.iter().map(|(u, _)| u.corpus.clone()).collect(),
        label: pool.iter().map(|(_, l)| *l).collect(),
        vectors,
    })
}
