//! Throughput of the front end: decode + resample to 16 kHz + 64-mel log-mel
//! (the `da_mldg` preset) over a folder of audio files, at several thread
//! counts. Used by `scripts/bench_audio.sh`; not a test.
//!
//! Usage: `bench_features DIR [THREADS...] [--repeat N]` (default threads: 1 2).
//! Prints one JSON line per thread count: the best wall time of N runs after
//! a warm-up, and the process CPU time of that run (Linux `/proc`), which is
//! less sensitive to other load on a shared machine.

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
        let (audio_seconds, best, cpu) = pool.install(|| -> anyhow::Result<(f64, f64, f64)> {
            let audio_seconds = run(&files)?; // warm-up: page cache, FFT plans, resamplers
            let (mut best, mut cpu) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..repeat {
                let cpu_start = process_cpu_seconds();
                let start = Instant::now();
                run(&files)?;
                let wall = start.elapsed().as_secs_f64();
                if wall < best {
                    best = wall;
                    cpu = process_cpu_seconds() - cpu_start;
                }
            }
            Ok((audio_seconds, best, cpu))
        })?;
        println!(
            "{{\"impl\":\"emoshift-audio\",\"threads\":{n},\"files\":{},\"audio_seconds\":{audio_seconds:.3},\"wall_seconds\":{best:.4},\"x_realtime\":{:.1},\"cpu_seconds\":{cpu:.4},\"x_realtime_per_cpu\":{:.1}}}",
            files.len(),
            audio_seconds / best,
            audio_seconds / cpu
        );
    }
    Ok(())
}

/// CPU time used by all threads of this process so far, in seconds (sum of
/// the per-thread scheduler run times in `/proc/self/task/*/schedstat`).
fn process_cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let nanos: u64 = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 * 1e-9
}
