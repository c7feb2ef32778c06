//! The `emoshift` command-line tool: parses arguments, sets up logging and
//! hands over to one command module per subcommand, which calls the
//! libraries (the experiment engine is `emoshift-engine`).

mod commands;

use clap::{Parser, Subcommand};

/// Speech emotion recognition that holds up across corpora.
#[derive(Debug, Parser)]
#[command(name = "emoshift", version, about, long_about = None)]
struct Cli {
    /// Log detail: error, warn, info, debug, trace (or RUST_LOG).
    #[arg(long, global = true, default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the built-in benchmark on generated corpora (no data needed):
    /// synthesise corpora, extract features, leave-one-corpus-out with
    /// erm, mldg, da_mldg, rsc, dann and erm with transductive per-speaker
    /// normalisation, plus an MMD transfer task, and write a report.
    Demo(commands::demo::Args),
    /// Read emotional-speech corpora in their distributed layouts.
    #[command(subcommand)]
    Corpora(CorporaCommand),
    /// Write small synthetic corpora in the real corpora's layouts.
    Synth(commands::synth::Args),
    /// Compute and cache features.
    #[command(subcommand)]
    Features(FeaturesCommand),
    /// Run an experiment file: protocol tasks x methods x trials, with a report.
    Run(commands::run::Args),
    /// Rebuild a run's metrics and report from the trial records that
    /// exist (after `run --shard` jobs), listing the trials still missing.
    Report(commands::run::ReportArgs),
    /// Write (and with --submit, submit) an experiment's Slurm array jobs:
    /// extraction, training shards, report.
    Slurm(commands::slurm::Args),
    /// Predict emotions for audio files, folders or long recordings with a trained model.
    Predict(commands::predict::Args),
    /// Serve a trained model over HTTP: POST audio to /predict, get JSON back.
    Serve(commands::serve::Args),
}

#[derive(Debug, Subcommand)]
enum CorporaCommand {
    /// Find the corpora under the given folders, print a table per corpus and write a manifest.
    Scan(commands::scan::Args),
}

#[derive(Debug, Subcommand)]
enum FeaturesCommand {
    /// Extract features for every audio file under folders or in manifests, in parallel, into the cache.
    Extract(commands::features::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    emoshift_learn::runtime::keep_freed_memory();
    let result = match cli.command {
        Command::Demo(args) => commands::demo::run(args),
        Command::Corpora(CorporaCommand::Scan(args)) => commands::scan::run(args),
        Command::Synth(args) => commands::synth::run(args),
        Command::Features(FeaturesCommand::Extract(args)) => commands::features::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Report(args) => commands::run::report(args),
        Command::Slurm(args) => commands::slurm::run(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
