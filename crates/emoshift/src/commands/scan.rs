//! `emoshift corpora scan`: find corpora, print what they hold, write a manifest.

use std::path::PathBuf;

use anyhow::{bail, Result};
use emoshift_corpus::{render_table, scan_dirs, Manifest};

/// Arguments of `emoshift corpora scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders that are corpus roots or hold corpus roots.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the manifest of every usable utterance (.csv or .jsonl).
    #[arg(long, default_value = "manifest.csv")]
    pub manifest: PathBuf,
}

/// Runs the scan.
pub fn run(args: Args) -> Result<()> {
    let scans = scan_dirs(&args.dirs)?;
    if scans.is_empty() {
        bail!(
            "no corpus found under {} (known corpora: {})",
            args.dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            emoshift_corpus::adapter_names().join(", ")
        );
    }
    println!("{}", render_table(&scans));
    let utterances = scans.into_iter().flat_map(|s| s.utterances).collect();
    let manifest = Manifest::new(utterances);
    manifest.write(&args.manifest)?;
    println!(
        "manifest: {} ({} utterances)",
        args.manifest.display(),
        manifest.utterances.len()
    );
    Ok(())
}
