//! `emoshift synth`: write the built-in synthetic corpora.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `emoshift synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (one sub-folder per corpus, in the real layouts).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Size multiplier (1.0 = the demo's size).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// Write only these corpora (comma-separated or repeated; default: all of
    /// ravdess, crema_d, emodb, tess, savee, iemocap, emovo, shemo, cafe, aesdd).
    #[arg(long = "corpus", value_delimiter = ',')]
    pub corpora: Vec<String>,
}

/// Writes the corpora and lists them.
pub fn run(args: Args) -> Result<()> {
    let summary = if args.corpora.is_empty() {
        emoshift_corpus::synth::synthesize(&args.out, args.seed, args.scale)?
    } else {
        emoshift_corpus::synth::synthesize_corpora(&args.out, args.seed, args.scale, &args.corpora)?
    };
    for c in &summary.corpora {
        println!(
            "{:<10} {:>5} files at {:>5} Hz  {}",
            c.corpus,
            c.files.len(),
            c.sample_rate,
            c.root.display()
        );
    }
    println!(
        "{} files, {:.1} minutes of audio, seed {}, scale {}",
        summary.file_count(),
        summary.seconds() / 60.0,
        summary.seed,
        summary.scale
    );
    Ok(())
}
