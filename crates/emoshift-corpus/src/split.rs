//! Speaker-independent splits: train/val/test by ratios, leave-one-speaker-out,
//! leave-one-session-out and k speaker folds, and the partition a corpus ships
//! with ([`corpus_partition`], MSP-Podcast's Train/Development/Test1). Every
//! function returns positions into the slice it was given, sorted ascending.
//!
//! Speakers, never utterances, are assigned to parts, so no speaker is in two parts.
//! The assignment is stratified where possible: speakers are visited in an order
//! shuffled by the seed (ChaCha8, so the same seed gives the same split on every
//! platform), larger speakers first, and each goes to the part where it best keeps, for
//! every part, the utterance total, the count per emotion and the count per gender
//! close to that part's share (least squares). Hand-written because the usual group
//! splitters (scikit-learn's `StratifiedGroupKFold`) have no Rust counterpart.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::error::{CorpusError, Result};
use crate::utterance::Utterance;

/// Shares of the train, validation and test parts (each ≥ 0, not all zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// Share of the training part.
    pub train: f64,
    /// Share of the validation part.
    pub val: f64,
    /// Share of the test part.
    pub test: f64,
}

impl Ratios {
    /// Train/val/test shares.
    pub fn new(train: f64, val: f64, test: f64) -> Self {
        Ratios { train, val, test }
    }
}

/// A three-way split: positions into the utterance slice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training positions.
    pub train: Vec<usize>,
    /// Validation positions.
    pub val: Vec<usize>,
    /// Test positions.
    pub test: Vec<usize>,
}

/// One fold of a cross-validation: positions into the utterance slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// What is held out (`speaker Ses01F`, `session Session2`, `fold 3/5`).
    pub name: String,
    /// Training positions.
    pub train: Vec<usize>,
    /// Held-out positions.
    pub test: Vec<usize>,
}

/// Per-speaker tallies used for stratified assignment.
struct SpeakerStats {
    members: Vec<usize>,
    counts: BTreeMap<String, f64>,
}

fn speaker_stats<U: Borrow<Utterance>>(utts: &[U]) -> Vec<SpeakerStats> {
    let mut by_speaker: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, u) in utts.iter().enumerate() {
        by_speaker
            .entry(u.borrow().speaker.as_str())
            .or_default()
            .push(i);
    }
    by_speaker
        .into_values()
        .map(|members| {
            let mut counts = BTreeMap::new();
            for &i in &members {
                let u = utts[i].borrow();
                let emotion = u.emotion.map_or("none", |e| e.name());
                for key in [
                    "total".to_string(),
                    format!("emotion:{emotion}"),
                    format!("gender:{}", u.gender.map_or("unknown", |g| g.name())),
                ] {
                    *counts.entry(key).or_insert(0.0) += 1.0;
                }
            }
            SpeakerStats { members, counts }
        })
        .collect()
}

/// Assigns speakers to `shares.len()` parts (see the module doc). Every part with a
/// positive share gets at least one speaker.
fn assign(stats: &[SpeakerStats], shares: &[f64], seed: u64) -> Result<Vec<usize>> {
    let total_share: f64 = shares.iter().sum();
    if shares.iter().any(|s| !s.is_finite() || *s < 0.0) || total_share <= 0.0 {
        return Err(CorpusError::Split(format!(
            "shares must be non-negative and not all zero, got {shares:?}"
        )));
    }
    let shares: Vec<f64> = shares.iter().map(|s| s / total_share).collect();
    let needed = shares.iter().filter(|s| **s > 0.0).count();
    if stats.len() < needed {
        return Err(CorpusError::Split(format!(
            "{} speaker(s) cannot fill {needed} speaker-independent parts",
            stats.len()
        )));
    }
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for s in stats {
        for (k, v) in &s.counts {
            *totals.entry(k.as_str()).or_insert(0.0) += v;
        }
    }
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order.sort_by(|&a, &b| stats[b].members.len().cmp(&stats[a].members.len()));

    let mut part_counts: Vec<BTreeMap<&str, f64>> = vec![BTreeMap::new(); shares.len()];
    let mut part_of = vec![usize::MAX; stats.len()];
    for &s in &order {
        let best = (0..shares.len())
            .filter(|&p| shares[p] > 0.0)
            .min_by(|&p, &q| {
                let cost = |part: usize| -> f64 {
                    stats[s]
                        .counts
                        .iter()
                        .map(|(k, v)| {
                            let target = shares[part] * totals[k.as_str()];
                            let now = part_counts[part].get(k.as_str()).copied().unwrap_or(0.0);
                            (now + v - target).powi(2) - (now - target).powi(2)
                        })
                        .sum()
                };
                cost(p).total_cmp(&cost(q))
            })
            .expect("at least one part has a positive share");
        part_of[s] = best;
        for (k, v) in &stats[s].counts {
            *part_counts[best].entry(k.as_str()).or_insert(0.0) += v;
        }
    }
    // A small part may have been left empty by the greedy pass: give it the smallest
    // speaker of the part that has the most speakers.
    for p in 0..shares.len() {
        if shares[p] > 0.0 && !part_of.contains(&p) {
            let donor = (0..shares.len())
                .max_by_key(|&q| part_of.iter().filter(|&&x| x == q).count())
                .expect("parts exist");
            let moved = (0..stats.len())
                .filter(|&s| part_of[s] == donor)
                .min_by_key(|&s| stats[s].members.len())
                .expect("donor has speakers");
            part_of[moved] = p;
        }
    }
    Ok(part_of)
}

fn collect(stats: &[SpeakerStats], part_of: &[usize], part: usize) -> Vec<usize> {
    let mut out: Vec<usize> = stats
        .iter()
        .zip(part_of)
        .filter(|(_, &p)| p == part)
        .flat_map(|(s, _)| s.members.iter().copied())
        .collect();
    out.sort_unstable();
    out
}

/// Speaker-independent train/val/test split by `ratios`, stable for `seed`
/// (`utts` may hold utterances or references to them).
pub fn speaker_split<U: Borrow<Utterance>>(utts: &[U], ratios: Ratios, seed: u64) -> Result<Split> {
    let stats = speaker_stats(utts);
    let part_of = assign(&stats, &[ratios.train, ratios.val, ratios.test], seed)?;
    Ok(Split {
        train: collect(&stats, &part_of, 0),
        val: collect(&stats, &part_of, 1),
        test: collect(&stats, &part_of, 2),
    })
}

/// A corpus's own partition, read from each utterance's `extra["split"]`
/// (the MSP-Podcast adapter fills it; a manifest can too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// Positions in the training, validation and test parts.
    pub split: Split,
    /// Values that name none of the three parts (MSP-Podcast's `Test2`, whose
    /// labels are withheld), with how many utterances carry each; those
    /// utterances are left out.
    pub unused: BTreeMap<String, usize>,
}

/// Which part a partition value names: `train`/`training`; `dev`,
/// `development`, `val`, `valid`, `validation`; `test`, `test1`, `testing`
/// (any case); anything else names no part.
fn partition_part(value: &str) -> Option<usize> {
    match value.trim().to_ascii_lowercase().as_str() {
        "train" | "training" => Some(0),
        "dev" | "development" | "val" | "valid" | "validation" => Some(1),
        "test" | "test1" | "testing" => Some(2),
        _ => None,
    }
}

/// The partition `utts` ship with, if they carry one: `Ok(None)` when no
/// utterance has `extra["split"]`, an error when only some have it (a
/// partition must cover the corpus) or when no utterance lands in the
/// training part.
pub fn corpus_partition<U: Borrow<Utterance>>(utts: &[U]) -> Result<Option<Partition>> {
    let values: Vec<Option<&str>> = utts
        .iter()
        .map(|u| u.borrow().extra.get("split").map(String::as_str))
        .collect();
    let missing = values.iter().filter(|v| v.is_none()).count();
    if missing == values.len() {
        return Ok(None);
    }
    if missing > 0 {
        let example = utts[values.iter().position(Option::is_none).expect("counted")].borrow();
        return Err(CorpusError::Split(format!(
            "{missing} of {} utterances of {} have no `split` value (for example {}); \
             a corpus partition must cover every utterance",
            utts.len(),
            example.corpus,
            example.id
        )));
    }
    let mut parts: [Vec<usize>; 3] = Default::default();
    let mut unused = BTreeMap::new();
    for (i, value) in values.iter().enumerate() {
        let value = value.expect("checked above");
        match partition_part(value) {
            Some(p) => parts[p].push(i),
            None => *unused.entry(value.to_string()).or_insert(0) += 1,
        }
    }
    if parts[0].is_empty() {
        return Err(CorpusError::Split(format!(
            "the `split` values of {} name no training part (train/training)",
            utts[0].borrow().corpus
        )));
    }
    let [train, val, test] = parts;
    Ok(Some(Partition {
        split: Split { train, val, test },
        unused,
    }))
}

/// `k` folds of speakers, each held out once, stable for `seed`.
pub fn speaker_folds(utts: &[Utterance], k: usize, seed: u64) -> Result<Vec<Fold>> {
    if k < 2 {
        return Err(CorpusError::Split(format!(
            "need at least 2 folds, got {k}"
        )));
    }
    let stats = speaker_stats(utts);
    let part_of = assign(&stats, &vec![1.0; k], seed)?;
    Ok((0..k)
        .map(|f| {
            let test = collect(&stats, &part_of, f);
            let train = (0..utts.len())
                .filter(|i| test.binary_search(i).is_err())
                .collect();
            Fold {
                name: format!("fold {}/{k}", f + 1),
                train,
                test,
            }
        })
        .collect())
}

/// One fold per speaker, in speaker order.
pub fn leave_one_speaker_out(utts: &[Utterance]) -> Vec<Fold> {
    group_folds(utts, "speaker", |u| Some(u.speaker.as_str()))
        .expect("every utterance has a speaker")
}

/// One fold per session, in session order; every utterance needs a session.
pub fn leave_one_session_out(utts: &[Utterance]) -> Result<Vec<Fold>> {
    group_folds(utts, "session", |u| u.session.as_deref())
}

fn group_folds<'a>(
    utts: &'a [Utterance],
    what: &str,
    key: impl Fn(&'a Utterance) -> Option<&'a str>,
) -> Result<Vec<Fold>> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, u) in utts.iter().enumerate() {
        let k = key(u).ok_or_else(|| {
            CorpusError::Split(format!("utterance {} of {} has no {what}", u.id, u.corpus))
        })?;
        groups.entry(k).or_default().push(i);
    }
    Ok(groups
        .into_iter()
        .map(|(k, test)| Fold {
            name: format!("{what} {k}"),
            train: (0..utts.len())
                .filter(|i| test.binary_search(i).is_err())
                .collect(),
            test,
        })
        .collect())
}

/// Speakers of `positions`, for checking splits.
pub fn speakers_of(utts: &[Utterance], positions: &[usize]) -> std::collections::BTreeSet<String> {
    positions.iter().map(|&i| utts[i].speaker.clone()).collect()
}
