//! `emoshift features extract`: compute features for folders or manifests into the cache.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use emoshift_audio::FeatureStore;

use emoshift_engine::feature_source::FeatureSource;

/// Audio file extensions picked up when walking a folder.
const AUDIO_EXTENSIONS: [&str; 4] = ["wav", "flac", "mp3", "ogg"];

/// Arguments of `emoshift features extract`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders (searched recursively for wav/flac/mp3/ogg) or manifest files (.csv, .jsonl).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Feature preset.
    #[arg(long, default_value = "da_mldg")]
    pub preset: String,
    /// A pretrained encoder's Hugging Face model folder (WavLM, wav2vec2,
    /// HuBERT) whose hidden states are cached instead of a preset.
    #[arg(long, conflicts_with = "preset")]
    pub encoder: Option<PathBuf>,
    /// The encoder's hidden state (0 = input of the first transformer
    /// layer; default: the last layer).
    #[arg(long, requires = "encoder")]
    pub layer: Option<usize>,
    /// Cache folder.
    #[arg(long, default_value = ".emoshift-cache")]
    pub cache: PathBuf,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Extracts features and prints the summary, listing every failure.
pub fn run(args: Args) -> Result<()> {
    let computer = match &args.encoder {
        Some(dir) => FeatureSource::encoder(dir, args.layer, tch::Device::Cpu)?,
        None => FeatureSource::preset(&args.preset)?.computer(tch::Device::Cpu)?,
    };
    let store = FeatureStore::open(&args.cache)?;
    let mut files = Vec::new();
    for path in &args.paths {
        collect_audio(path, &mut files)?;
    }
    if files.is_empty() {
        bail!("no audio files found under the given paths");
    }
    let summary = computer.extract_all(&files, &store, args.threads)?;
    println!("{summary}");
    println!(
        "cache: {} ({}, folder {})",
        store.root().display(),
        computer.source().describe(),
        computer.source().id()
    );
    if !summary.failures.is_empty() {
        bail!(
            "{} of {} files failed (listed above); the others are cached",
            summary.failures.len(),
            files.len()
        );
    }
    Ok(())
}

fn collect_audio(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_dir() {
        out.extend(audio_files_under(path)?);
        return Ok(());
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "jsonl" => {
            let manifest = emoshift_corpus::Manifest::read(path)?;
            out.extend(manifest.utterances.into_iter().map(|u| u.path));
        }
        _ if AUDIO_EXTENSIONS.contains(&ext.as_str()) => out.push(path.to_path_buf()),
        _ => bail!(
            "{}: neither a folder, a manifest (.csv, .jsonl) nor an audio file ({})",
            path.display(),
            AUDIO_EXTENSIONS.join(", ")
        ),
    }
    Ok(())
}

/// Every wav/flac/mp3/ogg file under `dir`, recursively, in path order.
pub fn audio_files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = walk(dir)?;
    files.sort();
    Ok(files)
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list folder", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot list folder", dir.display()))?
            .path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            files.push(path);
        }
    }
    Ok(files)
}
