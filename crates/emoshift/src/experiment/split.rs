//! Turns a protocol task into the utterances each role sees: per source
//! corpus a training and a validation part (speaker-independent, source data
//! only — the target never selects a model), per target corpus the test part
//! and, for transfer tasks, the adaptation part.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use emoshift_corpus::split::{speaker_split, Ratios};
use emoshift_corpus::{LabelSet, SplitSpec, Task, TaskKind, Utterance};

/// Utterances of one corpus with their class index under the task's label set.
pub type Labelled<'a> = Vec<(&'a Utterance, usize)>;

/// The parts of one source corpus.
pub struct SourcePart<'a> {
    /// Corpus name.
    pub corpus: String,
    /// Training utterances.
    pub train: Labelled<'a>,
    /// Validation utterances (other speakers than `train`).
    pub val: Labelled<'a>,
}

/// The parts of one target corpus.
pub struct TargetPart<'a> {
    /// Corpus name.
    pub corpus: String,
    /// Utterances the model is evaluated on.
    pub test: Labelled<'a>,
    /// Utterances a transfer method may adapt on (other speakers than `test`).
    pub adapt: Labelled<'a>,
}

/// A task's data, split.
pub struct TaskData<'a> {
    /// Source corpora, in the task's order.
    pub sources: Vec<SourcePart<'a>>,
    /// Target corpora, in the task's order.
    pub targets: Vec<TargetPart<'a>>,
}

/// Splits `task` over `corpora` (utterances by corpus name). Splits depend on
/// `seed` only, so every trial and method sees the same speakers.
pub fn split_task<'a>(
    task: &Task,
    labels: &LabelSet,
    corpora: &'a BTreeMap<String, Vec<Utterance>>,
    val_fraction: f64,
    seed: u64,
) -> Result<TaskData<'a>> {
    let labelled = |name: &str| -> Result<Vec<&'a Utterance>> {
        let utts = corpora.get(name).with_context(|| {
            format!(
                "task `{}` needs corpus `{name}`, which was not found (found: {})",
                task.name,
                corpora.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        let kept: Vec<&Utterance> = utts
            .iter()
            .filter(|u| labels.class_index(u).is_some())
            .collect();
        if kept.is_empty() {
            bail!(
                "task `{}`: corpus `{name}` has no utterance in label set `{}`",
                task.name,
                labels.name
            );
        }
        Ok(kept)
    };
    let with_labels = |utts: &[&'a Utterance], positions: &[usize]| -> Labelled<'a> {
        positions
            .iter()
            .map(|&i| {
                (
                    utts[i],
                    labels.class_index(utts[i]).expect("filtered above"),
                )
            })
            .collect()
    };
    let ratios = match task.split {
        SplitSpec::PerCorpus { ratios } => ratios,
        SplitSpec::WholeTarget { source } => source,
    };

    let mut sources = Vec::new();
    for name in &task.train_corpora {
        let utts = labelled(name)?;
        let owned: Vec<Utterance> = utts.iter().map(|u| (*u).clone()).collect();
        let split = speaker_split(&owned, ratios, seed)
            .with_context(|| format!("task `{}`: cannot split corpus `{name}`", task.name))?;
        let mut train = split.train.clone();
        let mut val = split.val.clone();
        if val.is_empty() && val_fraction > 0.0 {
            let part: Vec<Utterance> = train.iter().map(|&i| owned[i].clone()).collect();
            match speaker_split(&part, Ratios::new(1.0 - val_fraction, val_fraction, 0.0), seed) {
                Ok(inner) => {
                    val = inner.val.iter().map(|&i| train[i]).collect();
                    train = inner.train.iter().map(|&i| train[i]).collect();
                }
                Err(err) => tracing::warn!(
                    "task `{}`: corpus `{name}` keeps all its speakers for training, none for validation ({err})",
                    task.name
                ),
            }
        }
        if train.is_empty() {
            bail!(
                "task `{}`: corpus `{name}` has no training speakers left",
                task.name
            );
        }
        sources.push(SourcePart {
            corpus: name.clone(),
            train: with_labels(&utts, &train),
            val: with_labels(&utts, &val),
        });
    }

    let mut targets = Vec::new();
    for name in &task.target_corpora {
        let utts = labelled(name)?;
        let (test, adapt) = match task.split {
            SplitSpec::WholeTarget { .. } => ((0..utts.len()).collect::<Vec<_>>(), Vec::new()),
            SplitSpec::PerCorpus { ratios } => {
                let owned: Vec<Utterance> = utts.iter().map(|u| (*u).clone()).collect();
                let split = speaker_split(&owned, ratios, seed).with_context(|| {
                    format!("task `{}`: cannot split corpus `{name}`", task.name)
                })?;
                let adapt = match task.kind {
                    TaskKind::Transfer { .. } => split.train,
                    _ => Vec::new(),
                };
                (split.test, adapt)
            }
        };
        if test.is_empty() {
            bail!("task `{}`: corpus `{name}` has no test speakers", task.name);
        }
        targets.push(TargetPart {
            corpus: name.clone(),
            test: with_labels(&utts, &test),
            adapt: with_labels(&utts, &adapt),
        });
    }
    Ok(TaskData { sources, targets })
}
