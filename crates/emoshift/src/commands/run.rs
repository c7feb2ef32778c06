//! `emoshift run`: run or resume an experiment file.

use std::path::PathBuf;

use anyhow::Result;

use crate::experiment::{self, Experiment};

/// Arguments of `emoshift run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file (TOML; see `examples/`).
    pub experiment: PathBuf,
}

/// Runs the experiment and prints where the report is.
pub fn run(args: Args) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let outcome = experiment::run(&exp)?;
    println!("{}", crate::commands::demo::summary_table(&outcome.summary));
    println!("report: {}", outcome.report_html.display());
    println!("        {}", outcome.report_md.display());
    Ok(())
}
