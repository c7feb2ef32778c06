//! `emoshift slurm`: writes (and optionally submits) the Slurm array jobs of
//! an experiment (see `emoshift_engine::slurm`).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use emoshift_engine::Experiment;

/// Arguments of `emoshift slurm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file; its `[slurm]` section gives the shard counts
    /// and the resources of every job.
    pub experiment: PathBuf,
    /// Also submit the jobs (`sbatch`), printing their ids.
    #[arg(long)]
    pub submit: bool,
}

/// Writes the scripts, and submits them when asked.
pub fn run(args: Args) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let exe = std::env::current_exe().context("cannot find the emoshift binary")?;
    let scripts = emoshift_engine::slurm::write_scripts(&exp, &args.experiment, &exe)?;
    println!("slurm scripts: {}", scripts.dir.display());
    if !args.submit {
        println!("submit with:   {}", scripts.submit.display());
        return Ok(());
    }
    let out = Command::new(&scripts.submit)
        .output()
        .with_context(|| format!("cannot run {}", scripts.submit.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            scripts.submit.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let ids = String::from_utf8_lossy(&out.stdout);
    println!("submitted (extract, train, report): {}", ids.trim());
    println!("progress: squeue --name emoshift-{}-train", exp.name);
    Ok(())
}
