//! `emoshift run`: run or resume an experiment file, all of it, one shard
//! of its grid, or the whole grid as parallel shard processes; and
//! `emoshift report`: rebuild the report from the records that exist.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use emoshift_engine::{self as experiment, Experiment, RunOutcome};

/// Arguments of `emoshift run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file (TOML; see `examples/`).
    pub experiment: PathBuf,
    /// Print the task × method × trial grid (what runs, is reused, is
    /// recomputed or skipped) and stop, computing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Compute only shard I of N of the grid (`I/N`, I from 0), writing its
    /// trial records and no report; for array jobs (`--shard
    /// $SLURM_ARRAY_TASK_ID/N`). `emoshift report` merges the shards.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["dry_run", "jobs"])]
    pub shard: Option<String>,
    /// Run the grid as N shard processes side by side, each with an equal
    /// share of the libtorch threads, then write the report.
    #[arg(long, value_name = "N", conflicts_with = "dry_run")]
    pub jobs: Option<usize>,
    /// Only scan and fill the feature cache (with `--shard I/N`: every N-th
    /// file of the sorted list, from the I-th), training nothing.
    #[arg(long, conflicts_with_all = ["dry_run", "jobs"])]
    pub features_only: bool,
    /// Libtorch threads per trial, replacing the file's `threads` (part of
    /// each trial's fingerprint).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Arguments of `emoshift report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run folder (`runs/<name>`, holding `experiment.json`) or an
    /// experiment file.
    pub run: PathBuf,
}

/// Runs the experiment (or its shard) and prints what came of it.
pub fn run(args: Args) -> Result<()> {
    let mut exp = Experiment::load(&args.experiment)?;
    if let Some(threads) = args.threads {
        exp.threads = threads;
    }
    if args.dry_run {
        print!("{}", experiment::dry_run(&exp)?);
        return Ok(());
    }
    if args.features_only {
        let (index, count) = match &args.shard {
            Some(shard) => parse_shard(shard)?,
            None => (0, 1),
        };
        let summary = experiment::prepare_features(&exp, index, count)?;
        println!("{summary}");
        if !summary.failures.is_empty() {
            bail!(
                "{} file(s) failed (listed above); the others are cached",
                summary.failures.len()
            );
        }
        return Ok(());
    }
    if let Some(shard) = &args.shard {
        let (index, count) = parse_shard(shard)?;
        let done = experiment::run_shard(&exp, index, count)?;
        println!(
            "shard {index}/{count}: {} trial(s) computed, {} already stored, {} left to other shards",
            done.computed, done.reused, done.left_to_others
        );
        println!("merge with: emoshift report {}", exp.run_dir().display());
        return Ok(());
    }
    let outcome = match args.jobs {
        Some(jobs) => run_jobs(&args.experiment, &exp, jobs)?,
        None => experiment::run(&exp)?,
    };
    print_outcome(&outcome);
    Ok(())
}

/// Rebuilds the report of a run folder or experiment file.
pub fn report(args: ReportArgs) -> Result<()> {
    let exp = if args.run.is_dir() {
        let path = args.run.join("experiment.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: not a run folder (no readable experiment.json)",
                args.run.display()
            )
        })?;
        let mut exp: Experiment = serde_json::from_str(&text)
            .with_context(|| format!("{}: invalid experiment", path.display()))?;
        // The folder may have moved since it was written.
        exp.out_dir = std::path::absolute(&args.run)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        exp.name = args
            .run
            .file_name()
            .and_then(|n| n.to_str())
            .map_or(exp.name, str::to_string);
        exp.validate()?;
        exp
    } else {
        Experiment::load(&args.run)?
    };
    let outcome = experiment::report(&exp)?;
    print_outcome(&outcome);
    if !outcome.missing.is_empty() {
        bail!(
            "{} trial(s) have no record yet (listed in the report); the report covers the rest",
            outcome.missing.len()
        );
    }
    Ok(())
}

fn print_outcome(outcome: &RunOutcome) {
    println!("{}", outcome.summary.uar_table());
    println!("report: {}", outcome.report_html.display());
    println!("        {}", outcome.report_md.display());
}

/// `I/N` as `(I, N)`.
pub fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if n > 0 && i < n => Ok((i, n)),
        _ => bail!("--shard {text}: write I/N with 0 <= I < N, e.g. 0/4"),
    }
}

/// Runs `jobs` shard processes of this binary on `file` side by side, each
/// with an equal share of the threads, then merges their records.
/// Features are extracted once, by the first pass of the report, before
/// any shard starts, so the shards only read the cache.
fn run_jobs(file: &Path, exp: &Experiment, jobs: usize) -> Result<RunOutcome> {
    if jobs == 0 {
        bail!("--jobs 0: at least one job is needed");
    }
    let threads = (exp.resolved_threads() / jobs).max(1);
    experiment::prepare_features(exp, 0, 1)?;
    let exe = std::env::current_exe().context("cannot find the emoshift binary")?;
    let children: Vec<_> = (0..jobs)
        .map(|i| {
            Command::new(&exe)
                .arg("run")
                .arg(file)
                .arg("--shard")
                .arg(format!("{i}/{jobs}"))
                .arg("--threads")
                .arg(threads.to_string())
                .spawn()
                .with_context(|| format!("cannot start shard {i}/{jobs}"))
        })
        .collect::<Result<_>>()?;
    let mut failed = Vec::new();
    for (i, mut child) in children.into_iter().enumerate() {
        let status = child.wait()?;
        if !status.success() {
            failed.push(format!("shard {i}/{jobs} ({status})"));
        }
    }
    let mut merged = exp.clone();
    merged.threads = threads;
    let outcome = experiment::report(&merged)?;
    if !failed.is_empty() {
        bail!(
            "{} failed; the report covers the trials that finished: {}",
            failed.join(", "),
            outcome.report_html.display()
        );
    }
    Ok(outcome)
}
