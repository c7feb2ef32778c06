//! Experiments end to end: an experiment file expands into protocol tasks ×
//! methods × trials; each trial trains on cached features and is recorded;
//! the records become `metrics.json`, `predictions.csv` and the report.

pub mod config;
mod report;
pub mod results;
pub mod runner;
mod split;
pub mod summary;

use std::path::PathBuf;

use anyhow::Result;

pub use config::Experiment;
use summary::{Column, Summary};

/// Where a finished run put its results.
pub struct RunOutcome {
    /// The aggregated numbers.
    pub summary: Summary,
    /// `report.md`.
    pub report_md: PathBuf,
    /// `report.html`.
    pub report_html: PathBuf,
}

/// Runs (or resumes) `exp` and writes its results.
pub fn run(exp: &Experiment) -> Result<RunOutcome> {
    let tasks = runner::tasks(exp)?;
    let device = emoshift_learn::runtime::select_device(&exp.device)?;
    let computer = exp.features.source(device)?;
    let data = runner::load_data(exp, &computer, &tasks)?;
    let run_dir = exp.run_dir();
    std::fs::create_dir_all(&run_dir)?;
    results::write_atomic(
        &run_dir.join("experiment.json"),
        &serde_json::to_vec_pretty(exp)?,
    )?;
    let records = runner::run_all(exp, &data, &tasks, computer.source())?;
    let columns = tasks
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
    summary::write_metrics_json(&run_dir, &exp.name, &summary, &records)?;
    summary::write_predictions_csv(&run_dir, &records)?;
    let (report_md, report_html) = report::write_report(
        &run_dir,
        &report::ReportInput {
            exp,
            summary: &summary,
            records: &records,
            scan_table: &data.scan_table,
            failures: &data.failures,
        },
    )?;
    Ok(RunOutcome {
        summary,
        report_md,
        report_html,
    })
}
