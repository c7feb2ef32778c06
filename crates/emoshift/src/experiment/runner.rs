//! Runs an experiment: every task of the protocol × every method × every
//! trial, from cached features to a saved trial record and model folder.
//! A trial whose record already exists is not run again, so an interrupted
//! run resumes where it stopped; within a trial the trainer's checkpoint
//! lets training itself resume.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use emoshift_audio::{FeatureStore, Features};
use emoshift_corpus::{LabelSet, Manifest, Protocol, Task, TaskKind, Utterance};
use emoshift_learn::augment::FeatureAugment;
use emoshift_learn::batcher::{BatcherConfig, DomainBatcher};
use emoshift_learn::data::{Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::MethodConfig;
use emoshift_learn::predict::{embed, predict_proba, PredictConfig, WindowConfig};
use emoshift_learn::train::{train, TrainConfig};
use emoshift_learn::{models, runtime};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::Device;

use super::config::Experiment;
use super::results::{Embedding, Prediction, TargetResult, TrialKey, TrialRecord};
use super::split::{split_task, Labelled, TaskData};
use crate::feature_source::{FeatureComputer, FeatureSource};
use crate::model_dir::{self, ModelConfig};
use crate::normalize::BinNorm;

/// Most points of the embedding map stored per trial.
const EMBEDDING_POINTS: usize = 600;

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

/// Scans the corpora, reads manifests and computes (or reuses) features.
pub fn load_data(exp: &Experiment, computer: &FeatureComputer, tasks: &[Task]) -> Result<RunData> {
    let scans = emoshift_corpus::scan_dirs(&exp.data.roots)?;
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
    let needed: Vec<&String> = tasks
        .iter()
        .flat_map(|t| t.train_corpora.iter().chain(&t.target_corpora))
        .collect();
    corpora.retain(|name, _| needed.contains(&name));
    let paths: Vec<PathBuf> = corpora.values().flatten().map(|u| u.path.clone()).collect();
    let store = FeatureStore::open(&exp.cache_dir)?;
    let source = computer.source();
    tracing::info!(files = paths.len(), features = %source.describe(), "extracting features");
    let summary = computer.extract_all(&paths, &store, 0)?;
    tracing::info!("{summary}");
    let failed: std::collections::HashSet<&PathBuf> =
        summary.failures.iter().map(|(p, _)| p).collect();
    let mut features = HashMap::new();
    for path in paths.iter().filter(|p| !failed.contains(p)) {
        let (f, _) = computer.get_or_compute(&store, path)?;
        features.insert(path.clone(), f);
    }
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
}

/// The methods of the experiment, each followed by its scrambled-label twin
/// when the experiment asks for the check.
pub fn method_runs(exp: &Experiment) -> Vec<MethodRun> {
    let mut runs = Vec::new();
    for cfg in &exp.methods {
        runs.push(MethodRun {
            label: cfg.name().to_string(),
            config: cfg.clone(),
            scrambled: false,
        });
        if exp.scrambled_labels {
            runs.push(MethodRun {
                label: format!("{}+scrambled", cfg.name()),
                config: cfg.clone(),
                scrambled: true,
            });
        }
    }
    runs
}

/// Runs every trial not yet recorded; returns all records, finished earlier or now.
pub fn run_all(
    exp: &Experiment,
    data: &RunData,
    tasks: &[Task],
    source: FeatureSource,
) -> Result<Vec<TrialRecord>> {
    let device = runtime::select_device(&exp.device)?;
    let run_dir = exp.run_dir();
    let mut records = Vec::new();
    let methods = method_runs(exp);
    let total = tasks.len() * methods.len() * exp.trials;
    let mut done = 0;
    for task in tasks {
        let labels = LabelSet::by_name(&task.label_set)?;
        let split = split_task(
            task,
            &labels,
            &data.corpora,
            exp.data.val_fraction,
            exp.seed,
        )?;
        for method in &methods {
            if is_transfer(&method.config) && !matches!(task.kind, TaskKind::Transfer { .. }) {
                tracing::info!(
                    "{} / {}: skipped (a transfer method needs a transfer task)",
                    task.name,
                    method.label
                );
                done += exp.trials;
                continue;
            }
            for trial in 0..exp.trials {
                done += 1;
                let key = TrialKey {
                    task: task.name.clone(),
                    method: method.label.clone(),
                    trial,
                };
                let path = key.record_path(&run_dir);
                if let Some(record) = TrialRecord::load(&path) {
                    tracing::info!(
                        "[{done}/{total}] {} / {} / trial {trial}: done earlier, reused",
                        task.name,
                        method.label
                    );
                    records.push(record);
                    continue;
                }
                tracing::info!(
                    "[{done}/{total}] {} / {} / trial {trial}",
                    task.name,
                    method.label
                );
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
                let record = run_trial(&ctx, method, key).with_context(|| {
                    format!(
                        "task `{}`, method `{}`, trial {trial}",
                        task.name, method.label
                    )
                })?;
                record.save(&path)?;
                records.push(record);
            }
        }
    }
    Ok(records)
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

fn examples(part: &Labelled, data: &RunData, norm: &BinNorm) -> Vec<Example> {
    part.iter()
        .map(|(u, label)| Example::new(norm.apply(&data.features[&u.path]), *label))
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

fn is_transfer(cfg: &MethodConfig) -> bool {
    matches!(cfg, MethodConfig::MmdTransfer(_))
}

fn run_trial(ctx: &TrialContext, method_run: &MethodRun, key: TrialKey) -> Result<TrialRecord> {
    let start = Instant::now();
    let exp = ctx.exp;
    let seed = exp.seed + key.trial as u64;
    let n_classes = ctx.labels.num_classes();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5C4A_3B1E);
    let norm = BinNorm::fit(
        ctx.split
            .sources
            .iter()
            .flat_map(|s| &s.train)
            .map(|(u, _)| &ctx.data.features[&u.path]),
    )
    .context("no training utterances to fit the feature standardisation on")?;

    let mut domains: Vec<Domain> = ctx
        .split
        .sources
        .iter()
        .map(|s| Domain {
            name: s.corpus.clone(),
            examples: examples(&s.train, ctx.data, &norm),
        })
        .collect();
    if method_run.scrambled {
        for d in &mut domains {
            scramble(&mut d.examples, &mut rng);
        }
    }
    if is_transfer(&method_run.config) {
        let target_labelled = matches!(
            ctx.task.kind,
            TaskKind::Transfer {
                target_labelled: true
            }
        );
        let adapt: Vec<Example> = ctx
            .split
            .targets
            .iter()
            .flat_map(|t| examples(&t.adapt, ctx.data, &norm))
            .collect();
        if adapt.is_empty() {
            bail!(
                "method `mmd_transfer` needs a transfer task (target data to adapt on); task `{}` has none",
                ctx.task.name
            );
        }
        if !target_labelled {
            tracing::info!("target labels are not used by this task (unsupervised transfer)");
        }
        domains.push(Domain {
            name: "target".into(),
            examples: adapt,
        });
    }
    let train_set = Dataset::new(domains, n_classes)?;
    let val_domains: Vec<Domain> = ctx
        .split
        .sources
        .iter()
        .filter(|s| !s.val.is_empty())
        .map(|s| Domain {
            name: s.corpus.clone(),
            examples: examples(&s.val, ctx.data, &norm),
        })
        .collect();
    let val_set = if val_domains.is_empty() {
        None
    } else {
        Some(Dataset::new(val_domains, n_classes)?)
    };

    let crop_frames =
        ((exp.features.crop_seconds * ctx.source.frames_per_second()).round() as usize).max(1);
    let layout: InputLayout = exp.model.input_layout();
    runtime::configure(seed, (exp.threads > 0).then_some(exp.threads))?;
    let in_shape = layout.example_shape(ctx.source.n_bins(), crop_frames);
    let model = models::build(&exp.model, &in_shape, n_classes, ctx.device)?;
    let mut method =
        emoshift_learn::methods::build(&method_run.config, model, train_set.domains().len())?;
    let batcher_cfg = BatcherConfig {
        batch_size: exp.train.batch_size,
        class_balanced: exp.train.class_balanced,
        crop_frames: Some(crop_frames),
    };
    let mut batcher = DomainBatcher::new(&train_set, batcher_cfg, layout, seed, ctx.device)?;
    if let Some(augment) = &exp.features.augment {
        let cfg = emoshift_audio::augment::AugmentConfig {
            features: augment.clone(),
            ..Default::default()
        };
        batcher = batcher.with_augment(Box::new(FeatureAugment::new(cfg)?));
    }
    let model_dir = key.model_dir(ctx.run_dir);
    let train_cfg = TrainConfig {
        steps: Some(exp.train.steps),
        eval_every: Some(exp.train.eval_every),
        patience: (exp.train.patience > 0).then_some(exp.train.patience),
        lr_decay: (exp.train.lr_decay < 1.0).then_some(exp.train.lr_decay),
        checkpoint: Some(model_dir.join("checkpoint.safetensors")),
        resume: true,
        seed,
        progress: true,
        ..TrainConfig::default()
    };
    let outcome = train(method.as_mut(), &batcher, val_set.as_ref(), &train_cfg)?;

    let window = WindowConfig {
        frames: crop_frames,
        hop: (crop_frames / 2).max(1),
        aggregation: Default::default(),
    };
    let predict_cfg = PredictConfig {
        layout,
        window: Some(window),
        batch_size: 64,
        device: ctx.device,
    };
    let classes = ctx.labels.class_names();
    let mut targets = Vec::new();
    for target in &ctx.split.targets {
        let normed: Vec<Features> = target
            .test
            .iter()
            .map(|(u, _)| norm.apply(&ctx.data.features[&u.path]))
            .collect();
        let feats: Vec<&Features> = normed.iter().collect();
        let probs = predict_proba(method.as_ref(), &feats, &predict_cfg)?;
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
    let embedding = if key.trial == 0 && !method_run.scrambled {
        Some(embedding_sample(
            ctx,
            method.as_ref(),
            &predict_cfg,
            &norm,
            &mut rng,
        )?)
    } else {
        None
    };

    model_dir::save(
        &model_dir,
        &ModelConfig {
            model: exp.model.clone(),
            classes: classes.clone(),
            label_set: ctx.labels.name.clone(),
            features: ctx.source.clone(),
            layout,
            window_frames: crop_frames,
            normalization: norm,
            method: method_run.label.clone(),
        },
        method.model(),
    )?;
    let history = outcome.history;
    Ok(TrialRecord {
        key,
        seed,
        classes,
        targets,
        train_loss: history
            .steps
            .iter()
            .map(|s| (s.step, s.loss.total))
            .collect(),
        val_metric: history.evals.iter().map(|e| (e.step, e.uar)).collect(),
        embedding,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Feature vectors of a sample of source-validation and target-test
/// utterances, for the embedding map.
fn embedding_sample(
    ctx: &TrialContext,
    method: &dyn emoshift_learn::Method,
    cfg: &PredictConfig,
    norm: &BinNorm,
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
        .map(|(u, _)| norm.apply(&ctx.data.features[&u.path]))
        .collect();
    let feats: Vec<&Features> = normed.iter().collect();
    let vectors = embed(method, &feats, cfg)?;
    Ok(Embedding {
        corpus: pool.iter().map(|(u, _)| u.corpus.clone()).collect(),
        label: pool.iter().map(|(_, l)| *l).collect(),
        vectors,
    })
}
