//! The result of scanning one corpus, and the collector adapters fill while scanning.
//!
//! Nothing is dropped silently: every file an adapter does not turn into an
//! [`Utterance`] is either *skipped* (counted by category: song or video files, macOS
//! debris, folder symlinks, other file types — see [`crate::walk`]), *excluded*
//! (listed with the reason, e.g. CREMA-D's silent `1076_MTI_SAD_XX`, label conflicts,
//! duplicate copies) or a *problem* (listed with the reason: unparseable names,
//! unknown codes, audio the decoder cannot read).
//!
//! Audio is read by [`emoshift_audio::probe::probe_file`], the decoder's own check:
//! the format is found by content (a FLAC stream named `.wav` is read as FLAC), and a
//! file it rejects carries the reason feature extraction would give. [`CorpusScan::gated`]
//! then applies the quality gates a header can answer (sample rate, declared length).

use emoshift_audio::probe::{probe_file, AudioInfo};
use emoshift_audio::{AudioError, QualityGates};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::emotion::Gender;
use crate::utterance::Utterance;

/// Everything one adapter found under one corpus root.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusScan {
    /// Canonical corpus name (`crema_d`).
    pub corpus: String,
    /// Name as the corpus is usually written (`CREMA-D`).
    pub display_name: String,
    /// Language of the corpus (ISO 639-1).
    pub language: String,
    /// The folder that was scanned.
    pub root: PathBuf,
    /// The usable utterances, sorted by id.
    pub utterances: Vec<Utterance>,
    /// Files left out on purpose, with the reason.
    pub excluded: Vec<(PathBuf, String)>,
    /// Files that could not be used, with the reason.
    pub problems: Vec<(PathBuf, String)>,
    /// Files skipped by category (e.g. `song files`, `video files`), with counts.
    pub skipped_counts: BTreeMap<String, usize>,
}

impl CorpusScan {
    /// Number of distinct speakers.
    pub fn speaker_count(&self) -> usize {
        self.speakers().len()
    }

    /// Distinct speakers with their gender where known.
    pub fn speakers(&self) -> BTreeMap<String, Option<Gender>> {
        self.utterances
            .iter()
            .map(|u| (u.speaker.clone(), u.gender))
            .collect()
    }

    /// Total duration in hours of the utterances whose duration is known.
    pub fn hours(&self) -> f64 {
        self.utterances
            .iter()
            .filter_map(|u| u.duration_s)
            .sum::<f64>()
            / 3600.0
    }

    /// Count of utterances per raw label as the corpus writes it.
    pub fn raw_label_counts(&self) -> BTreeMap<String, usize> {
        count_by(&self.utterances, |u| u.raw_label.clone())
    }

    /// Count of utterances per unified emotion name (`none` where there is none).
    pub fn emotion_counts(&self) -> BTreeMap<String, usize> {
        count_by(&self.utterances, |u| {
            u.emotion
                .map_or("none".to_string(), |e| e.name().to_string())
        })
    }

    /// Count of utterances per speaker.
    pub fn speaker_counts(&self) -> BTreeMap<String, usize> {
        count_by(&self.utterances, |u| u.speaker.clone())
    }

    /// Adds another root's scan of the same corpus: its utterances whose id is
    /// already present are excluded as duplicate copies; lists and counts are joined.
    pub fn merge(mut self, other: CorpusScan) -> CorpusScan {
        let mut seen: BTreeMap<String, PathBuf> = self
            .utterances
            .iter()
            .map(|u| (u.id.clone(), u.path.clone()))
            .collect();
        for u in other.utterances {
            if let Some(first) = seen.get(&u.id) {
                self.excluded.push((
                    u.path.clone(),
                    format!(
                        "duplicate copy of utterance {} at {}",
                        u.id,
                        first.display()
                    ),
                ));
            } else {
                seen.insert(u.id.clone(), u.path.clone());
                self.utterances.push(u);
            }
        }
        self.excluded.extend(other.excluded);
        self.problems.extend(other.problems);
        for (k, n) in other.skipped_counts {
            *self.skipped_counts.entry(k).or_insert(0) += n;
        }
        self.utterances
            .sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
        self.excluded.sort();
        self.problems.sort();
        self
    }

    /// The scan with every utterance whose header fails `gates` (sample rate,
    /// declared length) moved to the problems, with the reason extraction
    /// would give (`rejected: …`).
    pub fn gated(mut self, gates: &QualityGates) -> CorpusScan {
        let mut kept = Vec::with_capacity(self.utterances.len());
        for u in self.utterances {
            let rate = u.extra.get("sample_rate").and_then(|r| r.parse().ok());
            match rate.map(|rate| gates.check_declared(rate, u.duration_s)) {
                Some(Err(issue)) => self.problems.push((u.path, format!("rejected: {issue}"))),
                _ => kept.push(u),
            }
        }
        self.utterances = kept;
        self.problems.sort();
        self
    }

    /// Count of utterances per gender (`unknown` where not documented).
    pub fn gender_counts(&self) -> BTreeMap<String, usize> {
        count_by(&self.utterances, |u| {
            u.gender
                .map_or("unknown".to_string(), |g| g.name().to_string())
        })
    }
}

fn count_by(utts: &[Utterance], key: impl Fn(&Utterance) -> String) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for u in utts {
        *counts.entry(key(u)).or_insert(0) += 1;
    }
    counts
}

/// What an adapter fills while walking a corpus; [`ScanCollector::finish`] reads the
/// WAV headers (in parallel) and produces the [`CorpusScan`].
#[derive(Debug)]
pub struct ScanCollector {
    corpus: String,
    display_name: String,
    language: String,
    root: PathBuf,
    candidates: Vec<Utterance>,
    excluded: Vec<(PathBuf, String)>,
    problems: Vec<(PathBuf, String)>,
    skipped: BTreeMap<String, usize>,
}

impl ScanCollector {
    /// A collector for `corpus` rooted at `root`.
    pub fn new(corpus: &str, display_name: &str, language: &str, root: &Path) -> Self {
        ScanCollector {
            corpus: corpus.to_string(),
            display_name: display_name.to_string(),
            language: language.to_string(),
            root: root.to_path_buf(),
            candidates: Vec::new(),
            excluded: Vec::new(),
            problems: Vec::new(),
            skipped: BTreeMap::new(),
        }
    }

    /// Adds an utterance whose header is still to be read.
    pub fn push(&mut self, utt: Utterance) {
        self.candidates.push(utt);
    }

    /// Leaves `path` out on purpose, for `reason`.
    pub fn exclude(&mut self, path: &Path, reason: impl Into<String>) {
        self.excluded.push((path.to_path_buf(), reason.into()));
    }

    /// Records that `path` could not be used, for `reason`.
    pub fn problem(&mut self, path: &Path, reason: impl Into<String>) {
        self.problems.push((path.to_path_buf(), reason.into()));
    }

    /// Counts one skipped file of `category`.
    pub fn skip(&mut self, category: &str) {
        self.skip_n(category, 1);
    }

    /// Counts `n` skipped files of `category`.
    pub fn skip_n(&mut self, category: &str, n: usize) {
        *self.skipped.entry(category.to_string()).or_insert(0) += n;
    }

    /// Probes every candidate's audio (in parallel) for its duration, sample rate and
    /// channel count (the latter two go to `extra`; files the decoder cannot read
    /// become problems), drops duplicate ids among the readable ones as excluded, and
    /// sorts everything.
    pub fn finish(self) -> CorpusScan {
        let ScanCollector {
            corpus,
            display_name,
            language,
            root,
            candidates,
            mut excluded,
            mut problems,
            skipped,
        } = self;
        let read: Vec<(Utterance, Result<AudioInfo, AudioError>)> = candidates
            .into_par_iter()
            .map(|u| {
                let info = probe_file(&u.path);
                (u, info)
            })
            .collect();
        let mut utterances = Vec::with_capacity(read.len());
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for (mut u, info) in read {
            match info {
                Ok(info) => {
                    u.duration_s = info.duration_seconds();
                    u.extra
                        .insert("sample_rate".to_string(), info.sample_rate.to_string());
                    u.extra
                        .insert("channels".to_string(), info.channels.to_string());
                }
                Err(err) => {
                    problems.push((u.path.clone(), err.reason()));
                    continue;
                }
            }
            if let Some(first) = seen.get(&u.id) {
                excluded.push((
                    u.path.clone(),
                    format!("duplicate of utterance id {} at {}", u.id, first.display()),
                ));
                continue;
            }
            seen.insert(u.id.clone(), u.path.clone());
            utterances.push(u);
        }
        utterances.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
        excluded.sort();
        problems.sort();
        CorpusScan {
            corpus,
            display_name,
            language,
            root,
            utterances,
            excluded,
            problems,
            skipped_counts: skipped,
        }
    }
}
