//! Throughput of the front end: decode + resample to 16 kHz + 64-mel log-mel
//! (the `da_mldg` preset) over a folder of audio files, at several thread
//! counts. Used by `scripts/bench_audio.sh`; not a test.
//!
//! Usage: `bench_features DIR [THREADS...] [--repeat N]` (default threads: 1 2).
//! Prints one JSON line per thread count.

use std::path::PathBuf;
use std::time::Instant;

use emoshift_audio::{decode, prepare, FeatureSpec};
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir =
        PathBuf::from(args.next().ok_or_else(|| {
            anyhow::anyhow!("usage: bench_features DIR [THREADS...] [--repeat N]")
        })?);
    let mut threads = Vec::new();
    let mut repeat = 3;
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args
                .next()
                .ok_or_else(|| anyhow::anyhow!("--repeat needs a value"))?
                .parse()?;
        } else {
            threads.push(a.parse::<usize>()?);
        }
    }
    if threads.is_empty() {
        threads = vec![1, 2];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no .wav files in {}", dir.display());
    let spec = FeatureSpec::preset("da_mldg")?;

    let run = |files: &[PathBuf]| -> anyhow::Result<f64> {
        let seconds: Vec<f64> = files
            .par_iter()
            .map(|path| -> anyhow::Result<f64> {
                let audio = decode::decode_file(path)?;
                let duration = audio.duration_seconds();
                let audio = prepare(audio, path, &spec.load)?;
                let features = spec.compute(&audio.samples)?;
                anyhow::ensure!(features.n_bins == 64);
                Ok(duration)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(seconds.iter().sum())
    };
    for &n in &threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
        let (audio_seconds, best) = pool.install(|| -> anyhow::Result<(f64, f64)> {
            let audio_seconds = run(&files)?; // warm-up: page cache, FFT plans, resamplers
            let mut best = f64::INFINITY;
            for _ in 0..repeat {
                let start = Instant::now();
                run(&files)?;
                best = best.min(start.elapsed().as_secs_f64());
            }
            Ok((audio_seconds, best))
        })?;
        println!(
            "{{\"impl\":\"emoshift-audio\",\"threads\":{n},\"files\":{},\"audio_seconds\":{audio_seconds:.3},\"wall_seconds\":{best:.4},\"x_realtime\":{:.1}}}",
            files.len(),
            audio_seconds / best
        );
    }
    Ok(())
}
