//! [`extract_all`]: features for many files in parallel, through the cache,
//! with a progress bar and a summary; a bad audio file never stops the run,
//! a cache that cannot be written fails it.

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::{AudioError, CacheHit, FeatureSpec, FeatureStore, Features};

/// What an [`extract_all`] run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractSummary {
    /// Files whose features were computed (and cached) in this run.
    pub computed: usize,
    /// Files whose features were already cached.
    pub reused: usize,
    /// Files that failed, with the reason (the error message without the path).
    pub failures: Vec<(PathBuf, String)>,
    /// Audio covered by the successful files, in seconds (from the frame
    /// count, exact to one hop).
    pub seconds_of_audio: f64,
    /// Wall-clock duration of the run in seconds.
    pub wall_seconds: f64,
}

impl ExtractSummary {
    /// Files processed successfully.
    pub fn succeeded(&self) -> usize {
        self.computed + self.reused
    }
}

impl fmt::Display for ExtractSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.succeeded() + self.failures.len();
        write!(
            f,
            "{total} files: {} computed, {} reused, {} failed; {:.1} s of audio in {:.2} s",
            self.computed,
            self.reused,
            self.failures.len(),
            self.seconds_of_audio,
            self.wall_seconds
        )?;
        if self.wall_seconds > 0.0 && self.seconds_of_audio > 0.0 {
            write!(
                f,
                " ({:.0}x realtime)",
                self.seconds_of_audio / self.wall_seconds
            )?;
        }
        for (path, reason) in &self.failures {
            write!(f, "\n  failed: {}: {reason}", path.display())?;
        }
        Ok(())
    }
}

/// Seconds of audio that `n_frames` frames of `spec` cover.
fn covered_seconds(spec: &FeatureSpec, n_frames: usize) -> f64 {
    if n_frames == 0 {
        return 0.0;
    }
    let s = &spec.stft;
    let samples = (n_frames - 1) * s.hop_length + if s.center { 0 } else { s.n_fft };
    samples as f64 / f64::from(spec.load.sample_rate)
}

/// Computes (or reuses from `store`) the features of every file in `paths`,
/// in parallel on rayon's current thread pool. Files whose audio fails
/// (unreadable, malformed, too short, …) are listed in the summary, in input
/// order, and the run goes on. An entry that cannot be stored
/// ([`AudioError::Cache`]) fails the run, with the first such error in input
/// order, once every file has been tried: dropping the file would change what
/// later steps see. Everything computed stays in the store, also after an
/// error or an interruption.
pub fn extract_all(
    paths: &[PathBuf],
    spec: &FeatureSpec,
    store: &FeatureStore,
    show_progress: bool,
) -> Result<ExtractSummary, AudioError> {
    extract_each(paths, spec, store, show_progress, |_, _| {})
}

/// [`extract_all`], handing each file's features to `each` with the file's
/// index in `paths` as soon as they are ready (in any order), for callers
/// that keep them: nothing is read twice.
pub fn extract_each(
    paths: &[PathBuf],
    spec: &FeatureSpec,
    store: &FeatureStore,
    show_progress: bool,
    each: impl Fn(usize, Features) + Sync,
) -> Result<ExtractSummary, AudioError> {
    let start = Instant::now();
    let bar = if show_progress {
        let bar = ProgressBar::new(paths.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({per_sec}, eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let results: Vec<_> = paths
        .par_iter()
        .enumerate()
        .progress_with(bar.clone())
        .map(|(i, path)| {
            store.get_or_compute(path, spec).map(|(features, hit)| {
                let seconds = covered_seconds(spec, features.n_frames);
                each(i, features);
                (seconds, hit)
            })
        })
        .collect();
    bar.finish_and_clear();
    let mut summary = ExtractSummary::default();
    for (path, result) in paths.iter().zip(results) {
        match result {
            Ok((seconds, hit)) => {
                summary.seconds_of_audio += seconds;
                match hit {
                    CacheHit::Computed => summary.computed += 1,
                    CacheHit::Reused => summary.reused += 1,
                }
            }
            Err(e @ AudioError::Cache { .. }) => return Err(e),
            Err(e) => summary.failures.push((path.clone(), e.reason())),
        }
    }
    summary.wall_seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}
