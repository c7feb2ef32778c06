//! The emoshift experiment engine. An experiment file expands into protocol
//! tasks × methods × trials; each trial trains on cached features and is
//! recorded; the records become `metrics.json`, `predictions.csv` and the
//! report. Trained models are saved as model folders, and [`inference`]
//! predicts new audio with them through the same `Method::predict` path the
//! evaluation used. The `emoshift` binary only parses arguments and calls
//! this crate.

pub mod config;
pub mod feature_source;
mod fingerprint;
pub mod inference;
pub mod model_dir;
pub mod normalize;
pub mod plan;
mod report;
pub mod results;
pub mod runner;
pub mod slurm;
pub mod split;
pub mod summary;

use std::path::PathBuf;

use anyhow::{bail, Result};

pub use config::Experiment;
use results::TrialKey;
pub use runner::Work;
use summary::{Column, Summary};

/// Where a finished run put its results.
pub struct RunOutcome {
    /// The aggregated numbers.
    pub summary: Summary,
    /// `report.md`.
    pub report_md: PathBuf,
    /// `report.html`.
    pub report_html: PathBuf,
    /// Trials of the grid without a record (only after [`report`], while
    /// shards are still running or have failed).
    pub missing: Vec<TrialKey>,
}

/// Prints the task × method × trial grid: what runs, what is reused from
/// an earlier run (equal fingerprint), what is recomputed because its
/// settings changed, and what is skipped and why. Nothing is computed; the
/// split assumes every scanned file's features can be computed.
pub fn dry_run(exp: &Experiment) -> Result<String> {
    let (mut tasks, computer) = checked(exp)?;
    let scanned = runner::scan(exp, &tasks)?;
    let missing = runner::drop_missing_targets(&mut tasks, &scanned.corpora)?;
    let grid = runner::grid(exp, &tasks, &scanned.corpora, &computer.source())?;
    let mut out = String::new();
    for (task, corpus) in &missing {
        out.push_str(&format!(
            "task {task}: target {corpus} not found, left out\n"
        ));
    }
    let mut counts = [0usize; 4];
    let entries: Vec<&runner::GridEntry> = grid
        .iter()
        .flat_map(|g| g.entries.iter().map(|(_, e)| e))
        .collect();
    for e in &entries {
        let (what, slot) = match (&e.part, &e.status) {
            (plan::Participation::Skip(why), _) => (format!("skip ({why})"), 3),
            (_, runner::TrialStatus::Reuse) => ("reuse (same settings)".to_string(), 0),
            (_, runner::TrialStatus::Stale) => ("rerun (settings changed)".to_string(), 1),
            (_, runner::TrialStatus::New) => ("run".to_string(), 2),
        };
        counts[slot] += 1;
        out.push_str(&format!(
            "{:<28} {:<16} trial {}  {what}\n",
            e.key.task, e.key.method, e.key.trial
        ));
    }
    out.push_str(&format!(
        "{} trials: {} reused, {} rerun, {} new, {} skipped\n",
        entries.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    ));
    Ok(out)
}

/// Checks that the run folder and the feature cache can be written, before
/// any work, and clears the temporary files an interrupted earlier run left
/// in the run folder (the cache clears its own when it opens).
fn prepare_output_dirs(exp: &Experiment) -> Result<()> {
    let run_dir = exp.run_dir();
    emoshift_fs::ensure_writable_dir(&run_dir)?;
    emoshift_fs::ensure_writable_dir(&exp.cache_dir)?;
    let removed = emoshift_fs::remove_stale_temps(&run_dir, emoshift_fs::STALE_AFTER);
    if removed > 0 {
        tracing::info!(
            "{}: removed {removed} temporary files left by an interrupted run",
            run_dir.display()
        );
    }
    Ok(())
}

/// Runs (or resumes) `exp` and writes its results. Every setting is checked
/// before any feature is computed.
pub fn run(exp: &Experiment) -> Result<RunOutcome> {
    let (run, results) = execute(exp, Work::All)?;
    write_results(exp, &run, results)
}

/// Computes shard `index` of `count` of the grid (see [`Work::Shard`]),
/// writing only its own trial records; [`report`] merges them once every
/// shard is done. Shards may run at the same time on a shared file system:
/// each writes only its own records, atomically, and the feature cache is
/// content-addressed, so a duplicated shard only repeats work.
pub fn run_shard(exp: &Experiment, index: usize, count: usize) -> Result<ShardOutcome> {
    check_shard(index, count)?;
    let (_, results) = execute(exp, Work::Shard { index, count })?;
    Ok(ShardOutcome {
        computed: results.computed,
        reused: results.records.len() - results.computed,
        left_to_others: results.missing.len(),
    })
}

/// (Re)builds metrics, predictions and the report of `exp` from the trial
/// records that exist, computing no trial; the trials still missing are
/// listed in the outcome and in the report.
pub fn report(exp: &Experiment) -> Result<RunOutcome> {
    let (run, results) = execute(exp, Work::ReportOnly)?;
    write_results(exp, &run, results)
}

/// Scans the corpora and fills the feature cache with the features of
/// shard `index` of `count` of the scanned files (every `count`-th of the
/// sorted list; `0, 1` for all), computing no trial: what training shards
/// need done before they start. Files that fail are listed in the summary.
pub fn prepare_features(
    exp: &Experiment,
    index: usize,
    count: usize,
) -> Result<emoshift_audio::ExtractSummary> {
    check_shard(index, count)?;
    let (mut tasks, computer) = checked(exp)?;
    emoshift_fs::ensure_writable_dir(&exp.cache_dir)?;
    let scanned = runner::scan(exp, &tasks)?;
    runner::drop_missing_targets(&mut tasks, &scanned.corpora)?;
    let paths = scanned
        .corpora
        .values()
        .flatten()
        .map(|u| u.path.clone())
        .collect();
    let mine = shard_of_files(paths, index, count)?;
    let store = emoshift_audio::FeatureStore::open(&exp.cache_dir)?.with_gates(exp.quality.clone());
    computer.extract_all(&mine, &store, 0, |_, _| {})
}

/// Shard `index` of `count` of `paths`: the sorted, deduplicated list,
/// every `count`-th path from the `index`-th, so the shards of one `count`
/// cover every path exactly once.
pub fn shard_of_files(mut paths: Vec<PathBuf>, index: usize, count: usize) -> Result<Vec<PathBuf>> {
    check_shard(index, count)?;
    paths.sort();
    paths.dedup();
    Ok(paths
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % count == index)
        .map(|(_, p)| p)
        .collect())
}

fn check_shard(index: usize, count: usize) -> Result<()> {
    if count == 0 || index >= count {
        bail!("shard {index}/{count}: need 0 <= index < count");
    }
    Ok(())
}

/// The tasks of `exp` and its feature computer, after every setting has
/// been checked against them (before any work).
fn checked(
    exp: &Experiment,
) -> Result<(Vec<emoshift_corpus::Task>, feature_source::FeatureComputer)> {
    let tasks = runner::tasks(exp)?;
    let device = emoshift_learn::runtime::select_device(&exp.device)?;
    let computer = exp.features.source(device)?;
    plan::check(exp, &tasks, &computer.source())?;
    Ok((tasks, computer))
}

/// What one shard did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardOutcome {
    /// Trials computed by this shard.
    pub computed: usize,
    /// Trials whose current record was already stored.
    pub reused: usize,
    /// Trials without a record that belong to other shards.
    pub left_to_others: usize,
}

/// What the trials of a run were computed from.
struct Prepared {
    tasks: Vec<emoshift_corpus::Task>,
    data: runner::RunData,
    missing_targets: Vec<(String, String)>,
}

/// Checks, prepares the output folders, scans, extracts and runs the
/// trials `work` gives this process.
fn execute(exp: &Experiment, work: Work) -> Result<(Prepared, runner::RunResults)> {
    let (mut tasks, computer) = checked(exp)?;
    let run_dir = exp.run_dir();
    prepare_output_dirs(exp)?;
    emoshift_fs::write_atomic(
        &run_dir.join("experiment.json"),
        &serde_json::to_vec_pretty(exp)?,
    )?;
    let scanned = runner::scan(exp, &tasks)?;
    let missing_targets = runner::drop_missing_targets(&mut tasks, &scanned.corpora)?;
    let data = runner::extract(exp, &computer, scanned)?;
    let results = runner::run_all(exp, &data, &tasks, computer.source(), work)?;
    Ok((
        Prepared {
            tasks,
            data,
            missing_targets,
        },
        results,
    ))
}

/// Writes `metrics.json`, `predictions.csv` and the report.
fn write_results(
    exp: &Experiment,
    run: &Prepared,
    results: runner::RunResults,
) -> Result<RunOutcome> {
    let run_dir = exp.run_dir();
    let runner::RunResults {
        records,
        skipped,
        missing,
        ..
    } = results;
    let columns = run
        .tasks
        .iter()
        .flat_map(|t| {
            t.target_corpora.iter().map(|c| Column {
                task: t.name.clone(),
                target: c.clone(),
            })
        })
        .collect();
    let methods = runner::method_runs(exp)
        .into_iter()
        .map(|m| m.label)
        .collect();
    let summary = Summary::new(&records, columns, methods)?;
    let normalization = runner::method_runs(exp)
        .into_iter()
        .map(|m| (m.label, m.normalization))
        .collect();
    summary::write_metrics_json(&run_dir, &exp.name, &normalization, &summary, &records)?;
    summary::write_predictions_csv(&run_dir, &records)?;
    let (report_md, report_html) = report::write_report(
        &run_dir,
        &report::ReportInput {
            exp,
            summary: &summary,
            records: &records,
            scan_table: &run.data.scan_table,
            failures: &run.data.failures,
            skipped: &skipped,
            missing_targets: &run.missing_targets,
            missing_trials: &missing,
        },
    )?;
    Ok(RunOutcome {
        summary,
        report_md,
        report_html,
        missing,
    })
}
#[cfg(test)]
mod tests;
