//! Per-bin standardisation of feature frames, as a configurable stage
//! (`[normalization]` in an experiment file): every feature bin gets zero
//! mean and unit variance over a group of frames.
//!
//! - `scope` says over which frames the statistics are taken: all training
//!   frames (`global`, the default), each corpus (`corpus`), each speaker
//!   (`speaker`) or each utterance alone (`utterance`).
//! - `target` says where the target corpora's statistics come from:
//!   `inductive` (the default) standardises them with the pooled training
//!   statistics, as a deployed model sees new audio; `transductive` computes
//!   them at the same scope from the target's own audio — unlabelled, but the
//!   test audio itself. That is allowed in cross-corpus SER and always named
//!   in the report and in `metrics.json`. No label is read: the statistics
//!   are fitted from utterances and their features only.
//!
//! The pooled training statistics and the scope travel with the model
//! folder, so prediction applies the same (`predict --adapt-on DIR` fits
//! the deployment domain's own statistics instead).

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use emoshift_audio::Features;
use emoshift_corpus::Utterance;
use serde::{Deserialize, Serialize};

/// Smallest standard deviation divided by, so constant bins stay finite.
const MIN_STD: f64 = 1e-5;

/// Mean and standard deviation per feature bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinNorm {
    /// Mean per bin.
    pub mean: Vec<f32>,
    /// Standard deviation per bin.
    pub std: Vec<f32>,
}

impl BinNorm {
    /// Fits the statistics over every frame of `items` (all with the same
    /// number of bins); `None` when there is nothing to fit on.
    pub fn fit<'a>(items: impl IntoIterator<Item = &'a Features>) -> Option<Self> {
        let mut sum: Vec<f64> = Vec::new();
        let mut sq: Vec<f64> = Vec::new();
        let mut n = 0usize;
        for f in items {
            if sum.is_empty() {
                sum = vec![0.0; f.n_bins];
                sq = vec![0.0; f.n_bins];
            }
            for (b, row) in f.data.chunks(f.n_frames.max(1)).enumerate().take(sum.len()) {
                for &v in row {
                    sum[b] += f64::from(v);
                    sq[b] += f64::from(v) * f64::from(v);
                }
            }
            n += f.n_frames;
        }
        if n == 0 {
            return None;
        }
        let count = n as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / count).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| ((q / count - m * m).max(0.0).sqrt().max(MIN_STD)) as f32)
            .collect();
        Some(Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        })
    }

    /// A standardised copy of `f`.
    pub fn apply(&self, f: &Features) -> Features {
        let mut out = f.clone();
        for (b, row) in out.data.chunks_mut(f.n_frames.max(1)).enumerate() {
            let (m, s) = (self.mean[b], self.std[b]);
            for v in row {
                *v = (*v - m) / s;
            }
        }
        out
    }
}

/// Over which frames standardisation statistics are taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormScope {
    /// All training frames together.
    #[default]
    Global,
    /// Each corpus on its own.
    Corpus,
    /// Each speaker (of each corpus) on their own.
    Speaker,
    /// Each utterance on its own (needs no statistics from anywhere else).
    Utterance,
}

/// Where a target corpus's statistics come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStats {
    /// From the training data only.
    #[default]
    Inductive,
    /// From the target's own unlabelled audio, at the same scope.
    Transductive,
}

/// The `[normalization]` section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormConfig {
    /// Over which frames the statistics are taken.
    pub scope: NormScope,
    /// Where the targets' statistics come from.
    pub target: TargetStats,
}

impl NormConfig {
    /// Refuses combinations that would not do what they say.
    pub fn validate(&self) -> Result<()> {
        if self.scope == NormScope::Utterance && self.target == TargetStats::Transductive {
            bail!(
                "`scope = \"utterance\"` standardises each utterance by itself, so \
                 `target = \"transductive\"` would change nothing; leave `target` out"
            );
        }
        Ok(())
    }

    /// One line for reports.
    pub fn describe(&self) -> String {
        let scope = match self.scope {
            NormScope::Global => "over all training frames",
            NormScope::Corpus => "per corpus",
            NormScope::Speaker => "per speaker",
            NormScope::Utterance => "per utterance",
        };
        let target = match (self.scope, self.target) {
            (NormScope::Utterance, _) => "",
            (_, TargetStats::Inductive) => {
                "; targets with the pooled training statistics (inductive)"
            }
            (NormScope::Global, TargetStats::Transductive) => {
                "; the pooled statistics include the unlabelled target audio (transductive)"
            }
            (_, TargetStats::Transductive) => {
                "; targets with statistics of their own unlabelled audio (transductive)"
            }
        };
        format!("per-bin z-normalisation {scope}{target}")
    }

    /// Whether target audio contributes statistics.
    pub fn is_transductive(&self) -> bool {
        self.target == TargetStats::Transductive && self.scope != NormScope::Utterance
    }
}

/// One trial's standardisation: the statistics of every group it met.
#[derive(Debug, Clone)]
pub struct NormPlan {
    config: NormConfig,
    /// Over every training frame (and, for a transductive global scope,
    /// every target frame).
    pooled: BinNorm,
    /// Per corpus or per speaker, by group key.
    groups: BTreeMap<String, BinNorm>,
}

/// The group of `u` at `scope` (`None` for the global and utterance scopes).
fn group_key(scope: NormScope, u: &Utterance) -> Option<String> {
    match scope {
        NormScope::Corpus => Some(u.corpus.clone()),
        NormScope::Speaker => Some(format!("{}/{}", u.corpus, u.speaker)),
        NormScope::Global | NormScope::Utterance => None,
    }
}

impl NormPlan {
    /// Fits the statistics: the pooled ones over the training utterances,
    /// the groups at `config.scope` over the training and `held_out`
    /// source utterances (validation speakers are standardised with their
    /// own corpus's or their own statistics, as at test time), and where the
    /// configuration is transductive over the target utterances too. Only
    /// utterances and their features come in — no label. `None` when there
    /// are no training frames.
    pub fn fit(
        config: NormConfig,
        train: &[(&Utterance, &Features)],
        held_out: &[(&Utterance, &Features)],
        target: &[(&Utterance, &Features)],
    ) -> Option<Self> {
        let transductive = config.is_transductive();
        let pooled = if transductive && config.scope == NormScope::Global {
            BinNorm::fit(train.iter().chain(target).map(|(_, f)| *f))?
        } else {
            BinNorm::fit(train.iter().map(|(_, f)| *f))?
        };
        let mut members: BTreeMap<String, Vec<&Features>> = BTreeMap::new();
        let fitted_on = train
            .iter()
            .chain(held_out)
            .chain(target.iter().filter(|_| transductive));
        for (u, f) in fitted_on {
            if let Some(key) = group_key(config.scope, u) {
                members.entry(key).or_default().push(f);
            }
        }
        let groups = members
            .into_iter()
            .filter_map(|(key, feats)| Some((key, BinNorm::fit(feats)?)))
            .collect();
        Some(NormPlan {
            config,
            pooled,
            groups,
        })
    }

    /// `f` (the features of `u`) standardised: with its group's statistics
    /// where the plan has them, by itself at the utterance scope, otherwise
    /// with the pooled statistics.
    pub fn apply(&self, u: &Utterance, f: &Features) -> Features {
        match self.config.scope {
            NormScope::Utterance => apply_own(f),
            scope => match group_key(scope, u).and_then(|k| self.groups.get(&k)) {
                Some(norm) => norm.apply(f),
                None => self.pooled.apply(f),
            },
        }
    }

    /// The pooled statistics, which a model folder keeps.
    pub fn pooled(&self) -> &BinNorm {
        &self.pooled
    }

    /// The statistics of one group (`corpus` or `corpus/speaker`), if fitted.
    pub fn group(&self, key: &str) -> Option<&BinNorm> {
        self.groups.get(key)
    }
}

/// `f` standardised with its own statistics.
pub fn apply_own(f: &Features) -> Features {
    match BinNorm::fit([f]) {
        Some(norm) => norm.apply(f),
        None => f.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_each_bin_over_all_training_frames() {
        let a = Features::new(2, 2, vec![1.0, 3.0, 10.0, 10.0]).unwrap();
        let b = Features::new(2, 2, vec![1.0, 3.0, 20.0, 20.0]).unwrap();
        let norm = BinNorm::fit([&a, &b]).unwrap();
        assert_eq!(norm.mean, vec![2.0, 15.0]);
        assert_eq!(norm.std, vec![1.0, 5.0]);
        let z = norm.apply(&b);
        assert_eq!(z.data, vec![-1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn constant_bins_stay_finite_and_empty_input_fits_nothing() {
        let a = Features::new(1, 3, vec![4.0, 4.0, 4.0]).unwrap();
        let norm = BinNorm::fit([&a]).unwrap();
        assert!(norm
            .apply(&a)
            .data
            .iter()
            .all(|v| v.is_finite() && *v == 0.0));
        assert!(BinNorm::fit(std::iter::empty()).is_none());
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use emoshift_corpus::Emotion;

    fn utt(corpus: &str, speaker: &str, id: &str, emotion: Emotion) -> Utterance {
        Utterance::new(
            corpus,
            "en",
            id,
            format!("/{corpus}/{id}.wav").into(),
            speaker,
            None,
            emotion.name(),
            Some(emotion),
        )
    }

    fn feats(values: &[f32]) -> Features {
        Features::new(1, values.len(), values.to_vec()).unwrap()
    }

    #[test]
    fn each_scope_standardises_over_its_own_group() {
        let (a1, a2, b1) = (
            utt("a", "s1", "1", Emotion::Anger),
            utt("a", "s2", "2", Emotion::Sadness),
            utt("b", "s1", "3", Emotion::Happiness),
        );
        let (fa1, fa2, fb1) = (feats(&[0.0, 2.0]), feats(&[4.0, 6.0]), feats(&[10.0, 30.0]));
        let train = [(&a1, &fa1), (&a2, &fa2), (&b1, &fb1)];
        let fit = |scope| {
            NormPlan::fit(
                NormConfig {
                    scope,
                    target: TargetStats::Inductive,
                },
                &train,
                &[],
                &[],
            )
            .unwrap()
        };
        // Corpus a: frames 0, 2, 4, 6 → mean 3, std √5.
        let corpus = fit(NormScope::Corpus);
        let z = corpus.apply(&a1, &fa1).data;
        assert!((z[0] + 3.0 / 5f32.sqrt()).abs() < 1e-6, "{z:?}");
        // Speaker b/s1 alone: mean 20, std 10.
        assert_eq!(
            fit(NormScope::Speaker).apply(&b1, &fb1).data,
            vec![-1.0, 1.0]
        );
        assert_eq!(
            fit(NormScope::Utterance).apply(&a2, &fa2).data,
            vec![-1.0, 1.0]
        );
        // A corpus the plan never met gets the pooled statistics.
        let stranger = utt("c", "s9", "9", Emotion::Neutral);
        assert_eq!(corpus.apply(&stranger, &fb1), corpus.pooled().apply(&fb1));
    }

    #[test]
    fn transductive_statistics_come_from_target_audio_and_never_from_labels() {
        let src = utt("a", "s1", "1", Emotion::Anger);
        let fsrc = feats(&[0.0, 2.0]);
        let ftgt = feats(&[100.0, 140.0]);
        let config = NormConfig {
            scope: NormScope::Corpus,
            target: TargetStats::Transductive,
        };
        let with = |emotion| {
            let tgt = utt("t", "x", "7", emotion);
            let plan = NormPlan::fit(config, &[(&src, &fsrc)], &[], &[(&tgt, &ftgt)]).unwrap();
            (plan.group("t").cloned(), plan.apply(&tgt, &ftgt))
        };
        let (stats, z) = with(Emotion::Anger);
        assert_eq!(z.data, vec![-1.0, 1.0]);
        // Another label on the target changes nothing at all.
        assert_eq!(with(Emotion::Sadness), (stats.clone(), z));
        // Inductive: the target gets the source statistics.
        let inductive = NormConfig {
            target: TargetStats::Inductive,
            ..config
        };
        let tgt = utt("t", "x", "7", Emotion::Anger);
        let plan = NormPlan::fit(inductive, &[(&src, &fsrc)], &[], &[(&tgt, &ftgt)]).unwrap();
        assert!(plan.group("t").is_none());
        assert_eq!(plan.apply(&tgt, &ftgt), plan.pooled().apply(&ftgt));
    }

    #[test]
    fn utterance_scope_with_transductive_targets_is_refused() {
        let config = NormConfig {
            scope: NormScope::Utterance,
            target: TargetStats::Transductive,
        };
        assert!(config.validate().is_err());
        assert!(NormConfig::default().validate().is_ok());
        assert!(!NormConfig::default().is_transductive());
    }
}
