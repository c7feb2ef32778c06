//! `emoshift run`: run or resume an experiment file.

use std::path::PathBuf;

use anyhow::Result;

use emoshift_engine::{self as experiment, Experiment};

/// Arguments of `emoshift run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file (TOML; see `examples/`).
    pub experiment: PathBuf,
    /// Print the task × method × trial grid (what runs, is reused, is
    /// recomputed or skipped) and stop, computing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs the experiment and prints where the report is.
pub fn run(args: Args) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    if args.dry_run {
        print!("{}", experiment::dry_run(&exp)?);
        return Ok(());
    }
    let outcome = experiment::run(&exp)?;
    println!("{}", outcome.summary.uar_table());
    println!("report: {}", outcome.report_html.display());
    println!("        {}", outcome.report_md.display());
    Ok(())
}
