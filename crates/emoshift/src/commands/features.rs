//! `emoshift features extract`: compute features for folders or manifests into the cache.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use emoshift_audio::FeatureStore;
use emoshift_corpus::walk::{walk, AUDIO_EXTENSIONS};

use emoshift_engine::feature_source::FeatureSource;

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
    /// Extract only shard I of N of the files (`I/N`, I from 0): the
    /// sorted file list, every N-th file from the I-th; shards fill one
    /// cache side by side.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Quality gates every file must pass; those that fail are listed.
    #[command(flatten)]
    pub quality: super::quality::QualityArgs,
}

/// Extracts features and prints the summary, listing every failure.
pub fn run(args: Args) -> Result<()> {
    let computer = match &args.encoder {
        Some(dir) => FeatureSource::encoder(dir, args.layer, tch::Device::Cpu)?,
        None => FeatureSource::preset(&args.preset)?.computer(tch::Device::Cpu)?,
    };
    let gates = args.quality.apply(Default::default())?;
    let store = FeatureStore::open(&args.cache)?.with_gates(gates);
    let mut files = Vec::new();
    for path in &args.paths {
        collect_audio(path, &mut files)?;
    }
    if files.is_empty() {
        bail!("no audio files found under the given paths");
    }
    if let Some(shard) = &args.shard {
        let (index, count) = super::run::parse_shard(shard)?;
        files = emoshift_engine::shard_of_files(files, index, count)?;
    }
    let summary = computer.extract_all(&files, &store, args.threads, |_, _| {})?;
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
        out.extend(audio_files_under(path));
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

/// Every wav/flac/mp3/ogg file under `dir`, in path order, found by the corpus
/// walker ([`emoshift_corpus::walk`]: folder symlinks are not followed, macOS
/// debris and other files are skipped); what was skipped is counted on stderr.
pub fn audio_files_under(dir: &Path) -> Vec<PathBuf> {
    let found = walk(dir, &AUDIO_EXTENSIONS);
    if !found.skipped.is_empty() {
        eprintln!("{}: skipped {}", dir.display(), found.skip_summary());
    }
    found.files
}
