//! Turns a protocol task into the utterances each role sees: per source
//! corpus a training and a validation part (speaker-independent), per target
//! corpus the test part and, for transfer tasks, the adaptation part (other
//! speakers than the test part; for an unlabelled transfer task evaluated on
//! the whole target, the whole target's audio — transductive adaptation) and
//! a validation part (the labelled target's held-out speakers, for
//! supervised transfer only; no other task lets the target select a model). A corpus that ships its own
//! partition (MSP-Podcast's Train/Development/Test1, or a manifest's `split`
//! values) is split by it instead of by the task's ratios.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use emoshift_corpus::split::{corpus_partition, speaker_split, Ratios, Split};
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
    /// Utterances a transfer method may adapt on.
    pub adapt: Labelled<'a>,
    /// Held-out target speakers for model selection in labelled transfer
    /// (empty for every other kind of task).
    pub val: Labelled<'a>,
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
        let split = three_way(&task.name, name, &utts, ratios, seed)?;
        let (train, val) = if split.val.is_empty() {
            hold_out(task, name, &utts, split.train, val_fraction, seed)
        } else {
            (split.train, split.val)
        };
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
        let (test, adapt, val) = match (task.split, task.kind) {
            (SplitSpec::WholeTarget { .. }, TaskKind::Transfer { target_labelled }) => {
                let all: Vec<usize> = (0..utts.len()).collect();
                // Labels of the test set must never train: a labelled task
                // evaluated on the whole target has nothing to adapt on.
                let adapt = if target_labelled {
                    Vec::new()
                } else {
                    all.clone()
                };
                (all, adapt, Vec::new())
            }
            (SplitSpec::WholeTarget { .. }, _) => {
                ((0..utts.len()).collect(), Vec::new(), Vec::new())
            }
            (SplitSpec::PerCorpus { ratios }, kind) => {
                let split = three_way(&task.name, name, &utts, ratios, seed)?;
                match kind {
                    TaskKind::Transfer {
                        target_labelled: true,
                    } if split.val.is_empty() => {
                        let (adapt, val) =
                            hold_out(task, name, &utts, split.train, val_fraction, seed);
                        (split.test, adapt, val)
                    }
                    TaskKind::Transfer { target_labelled } => (
                        split.test,
                        split.train,
                        if target_labelled {
                            split.val
                        } else {
                            Vec::new()
                        },
                    ),
                    _ => (split.test, Vec::new(), Vec::new()),
                }
            }
        };
        if test.is_empty() {
            bail!("task `{}`: corpus `{name}` has no test speakers", task.name);
        }
        targets.push(TargetPart {
            corpus: name.clone(),
            test: with_labels(&utts, &test),
            adapt: with_labels(&utts, &adapt),
            val: with_labels(&utts, &val),
        });
    }
    Ok(TaskData { sources, targets })
}

/// Holds `val_fraction` of the speakers of the `train` positions out for
/// validation; returns the remaining training positions and the held-out
/// ones (none, with a warning, when the corpus has too few speakers).
fn hold_out(
    task: &Task,
    corpus: &str,
    utts: &[&Utterance],
    train: Vec<usize>,
    val_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    if val_fraction <= 0.0 {
        return (train, Vec::new());
    }
    let part: Vec<&Utterance> = train.iter().map(|&i| utts[i]).collect();
    match speaker_split(
        &part,
        Ratios::new(1.0 - val_fraction, val_fraction, 0.0),
        seed,
    ) {
        Ok(inner) => (
            inner.train.iter().map(|&i| train[i]).collect(),
            inner.val.iter().map(|&i| train[i]).collect(),
        ),
        Err(err) => {
            tracing::warn!(
                "task `{}`: corpus `{corpus}` keeps all its speakers for training, none for validation ({err})",
                task.name
            );
            (train, Vec::new())
        }
    }
}

/// The train/val/test positions of one corpus's utterances: its own
/// partition when it carries one, otherwise a speaker-independent split by
/// `ratios`.
fn three_way(
    task: &str,
    corpus: &str,
    utts: &[&Utterance],
    ratios: Ratios,
    seed: u64,
) -> Result<Split> {
    let context = || format!("task `{task}`: cannot split corpus `{corpus}`");
    match corpus_partition(utts).with_context(context)? {
        Some(partition) => {
            let unused: Vec<String> = partition
                .unused
                .iter()
                .map(|(value, n)| format!("{n} `{value}`"))
                .collect();
            tracing::info!(
                "task `{task}`: corpus `{corpus}` uses its own partition ({} train, {} validation, {} test{})",
                partition.split.train.len(),
                partition.split.val.len(),
                partition.split.test.len(),
                if unused.is_empty() {
                    String::new()
                } else {
                    format!("; left out: {}", unused.join(", "))
                }
            );
            Ok(partition.split)
        }
        None => speaker_split(utts, ratios, seed).with_context(context),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use emoshift_corpus::{Emotion, Gender};

    use super::*;

    /// `speakers` speakers, two utterances of each of four emotions, the
    /// partition value of each speaker from `partition` (cycled) when given.
    fn corpus(speakers: usize, partition: Option<&[&str]>) -> Vec<Utterance> {
        let emotions = [
            Emotion::Anger,
            Emotion::Happiness,
            Emotion::Neutral,
            Emotion::Sadness,
        ];
        let mut out = Vec::new();
        for s in 0..speakers {
            for (k, e) in emotions.iter().cycle().take(8).enumerate() {
                let id = format!("s{s}_{k}");
                let u = Utterance::new(
                    "msp_podcast",
                    "en",
                    id.clone(),
                    PathBuf::from(format!("{id}.wav")),
                    format!("spk{s}"),
                    Some(Gender::Female),
                    e.name(),
                    Some(*e),
                );
                out.push(match partition {
                    Some(values) => u.with_extra("split", values[s % values.len()]),
                    None => u,
                });
            }
        }
        out
    }

    fn intra_task() -> Task {
        Task {
            name: "intra".into(),
            train_corpora: vec!["msp_podcast".into()],
            target_corpora: vec!["msp_podcast".into()],
            label_set: "common4".into(),
            kind: TaskKind::IntraCorpus,
            split: SplitSpec::PerCorpus {
                ratios: Ratios::new(0.7, 0.15, 0.15),
            },
        }
    }

    fn speakers(part: &Labelled) -> Vec<String> {
        let mut s: Vec<String> = part.iter().map(|(u, _)| u.speaker.clone()).collect();
        s.dedup();
        s
    }

    #[test]
    fn a_corpus_with_its_own_partition_is_split_by_it() {
        let values = ["Train", "Train", "Development", "Test1", "Test2"];
        let corpora = BTreeMap::from([("msp_podcast".to_string(), corpus(10, Some(&values)))]);
        let labels = LabelSet::by_name("common4").unwrap();
        let data = split_task(&intra_task(), &labels, &corpora, 0.2, 7).unwrap();
        let source = &data.sources[0];
        assert_eq!(speakers(&source.train), ["spk0", "spk1", "spk5", "spk6"]);
        assert_eq!(speakers(&source.val), ["spk2", "spk7"]);
        assert_eq!(speakers(&data.targets[0].test), ["spk3", "spk8"]);
        assert_eq!(source.train.len() + source.val.len(), 6 * 8);
    }

    #[test]
    fn a_corpus_without_a_partition_is_split_by_speakers_and_ratios() {
        let corpora = BTreeMap::from([("msp_podcast".to_string(), corpus(10, None))]);
        let labels = LabelSet::by_name("common4").unwrap();
        let data = split_task(&intra_task(), &labels, &corpora, 0.2, 7).unwrap();
        let (train, val, test) = (
            speakers(&data.sources[0].train),
            speakers(&data.sources[0].val),
            speakers(&data.targets[0].test),
        );
        assert_eq!(train.len() + val.len() + test.len(), 10);
        assert!(train.iter().all(|s| !val.contains(s) && !test.contains(s)));
    }
}
