//! `emoshift demo`: the built-in benchmark, no data needed. It writes the
//! synthetic corpora its experiment uses, scans them, extracts features, runs
//! `examples/demo.toml` (leave-one-corpus-out with erm, mldg, da_mldg, rsc,
//! dann and erm with transductive per-speaker normalisation, plus a
//! supervised MMD transfer task with its fine-tuning baseline, three trials
//! each) and prints the summary table and the report's path.

use std::path::PathBuf;

use anyhow::{Context, Result};

use emoshift_engine::{self as experiment, Experiment};

/// The demo's experiment, the same file as `examples/demo.toml`.
const DEMO_EXPERIMENT: &str = include_str!("../../../../examples/demo.toml");

/// Arguments of `emoshift demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the generated data, the feature cache and the run.
    #[arg(long, default_value = "demo")]
    pub out: PathBuf,
    /// Seed of the generated corpora and of the training runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Size of the generated corpora (1.0 = default).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// Trials per method (the default of three gives mean ± std).
    #[arg(long)]
    pub trials: Option<usize>,
    /// Training steps per trial.
    #[arg(long)]
    pub steps: Option<usize>,
}

/// The demo experiment with its folders under `out`.
pub fn experiment(args: &Args) -> Result<Experiment> {
    let mut exp: Experiment =
        toml::from_str(DEMO_EXPERIMENT).context("the built-in demo experiment is invalid")?;
    exp.seed = args.seed;
    exp.out_dir = args.out.join("runs");
    exp.cache_dir = args.out.join("cache");
    exp.data.roots = vec![args.out.join("data")];
    if let Some(t) = args.trials {
        exp.trials = t;
    }
    if let Some(s) = args.steps {
        exp.train.steps = s;
    }
    exp.validate()?;
    Ok(exp)
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    let exp = experiment(&args)?;
    let data_dir = args.out.join("data");
    println!("1/3 writing synthetic corpora to {}", data_dir.display());
    let synth = emoshift_corpus::synth::synthesize_corpora(
        &data_dir,
        args.seed,
        args.scale,
        &experiment::runner::corpora_used(&exp)?,
    )?;
    println!(
        "    {} files, {:.1} minutes of audio in {} corpora",
        synth.file_count(),
        synth.seconds() / 60.0,
        synth.corpora.len()
    );
    println!(
        "2/3 scanning, extracting features, training ({} trials per method)",
        exp.trials
    );
    let outcome = experiment::run(&exp)?;
    println!("3/3 results (UAR %, mean ± std over trials, on each unseen target corpus; chance is 100 / classes)\n");
    println!("{}", outcome.summary.uar_table());
    println!("report: {}", outcome.report_html.display());
    println!("        {}", outcome.report_md.display());
    Ok(())
}
