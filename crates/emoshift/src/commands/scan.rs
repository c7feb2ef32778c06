//! `emoshift corpora scan`: find corpora, print what they hold, write a manifest.

use std::path::PathBuf;

use anyhow::{bail, Result};
use emoshift_corpus::{render_table, scan_paths, Manifest};

/// Arguments of `emoshift corpora scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders that are corpus roots or hold corpus roots, or corpus description
    /// files (emoshift-corpus.csv/.jsonl); other files are passed over with a
    /// warning, so `DIR/*` works.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the manifest of every usable utterance (.csv or .jsonl).
    #[arg(long, default_value = "manifest.csv")]
    pub manifest: PathBuf,
    /// Quality gates checked on each header (sample rate, length).
    #[command(flatten)]
    pub quality: super::quality::QualityArgs,
}

/// Runs the scan. A missing path or a corpus that cannot be scanned fails the
/// command at the end, after the table and the manifest of the rest are written.
pub fn run(args: Args) -> Result<()> {
    let gates = args.quality.apply(Default::default())?;
    let outcome = scan_paths(&args.dirs, &gates);
    for (path, reason) in &outcome.ignored {
        eprintln!("warning: {}: {reason}; passed over", path.display());
    }
    let mut errors: Vec<String> = outcome
        .missing
        .iter()
        .map(|p| format!("{}: no such file or folder", p.display()))
        .collect();
    errors.extend(
        outcome
            .failed
            .iter()
            .map(|(root, err)| format!("{}: cannot scan: {err}", root.display())),
    );
    if outcome.scans.is_empty() {
        for e in &errors {
            eprintln!("error: {e}");
        }
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
    println!("{}", render_table(&outcome.scans));
    let utterances = outcome
        .scans
        .into_iter()
        .flat_map(|s| s.utterances)
        .collect();
    let manifest = Manifest::new(utterances);
    manifest.write(&args.manifest)?;
    println!(
        "manifest: {} ({} utterances)",
        args.manifest.display(),
        manifest.utterances.len()
    );
    if !errors.is_empty() {
        bail!("{}", errors.join("; "));
    }
    Ok(())
}
