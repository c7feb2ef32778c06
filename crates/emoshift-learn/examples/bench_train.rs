//! Training-throughput benchmark (not a test): ERM steps on a CNN over
//! in-memory spectrograms, data loading included (the domain batcher's draws,
//! random crops and tensor stacking), at the given thread counts. The same
//! workload in plain PyTorch is `scripts/bench_train.py`; run both with
//! `scripts/bench_train.sh`.
//!
//! Usage: bench_train MODEL THREADS... where MODEL is `resnet18` (width
//! 0.25, 1×64×200 crops) or `cnn_blstm` (default sizes, 1×129×32 segments).
//! Prints one JSON line per thread count: the median of the windows' wall
//! clock rates (`samples_per_s`) and of their process CPU time rates
//! (`cpu_samples_per_s`, samples per CPU-second, which a busy machine
//! disturbs less).

use std::time::Instant;

use emoshift_audio::Features;
use emoshift_learn::batcher::{BatcherConfig, DomainBatcher};
use emoshift_learn::data::{Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::erm::{Erm, ErmConfig};
use emoshift_learn::models::{self, ModelSpec};
use emoshift_learn::{runtime, Method};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Device;

/// Examples in the in-memory training set.
const EXAMPLES: usize = 256;
/// Minibatch size (the DA-MLDG paper's).
const BATCH: usize = 32;
/// Untimed steps before measuring.
const WARMUP: usize = 3;
/// Timed steps per repeat.
const STEPS: usize = 10;
/// Repeats; the median is reported.
const REPEATS: usize = 3;

struct Workload {
    spec: &'static str,
    bins: usize,
    crop: usize,
}

fn workload(name: &str) -> Option<Workload> {
    match name {
        "resnet18" => Some(Workload {
            spec: r#"{"name": "resnet18", "width": 0.25}"#,
            bins: 64,
            crop: 200,
        }),
        "cnn_blstm" => Some(Workload {
            spec: r#"{"name": "cnn_blstm"}"#,
            bins: 129,
            crop: 32,
        }),
        _ => None,
    }
}

/// Random "spectrograms" of `bins` rows and 1 to 1.5 crops of frames, four classes.
fn dataset(bins: usize, crop: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let examples = (0..EXAMPLES)
        .map(|i| {
            let frames = crop + rng.random_range(0..=crop / 2);
            let data = (0..bins * frames)
                .map(|_| rng.random_range(-1.0f32..1.0))
                .collect();
            Example::new(
                Features::new(bins, frames, data).expect("sizes match"),
                i % 4,
            )
        })
        .collect();
    Dataset::new(vec![Domain::labelled("bench", examples)], 4).expect("valid data")
}

/// CPU time used so far by all threads of this process, in seconds.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_train resnet18|cnn_blstm THREADS...";
    let name = args.first().ok_or(usage)?;
    let work = workload(name).ok_or(usage)?;
    let data = dataset(work.bins, work.crop);
    for threads in &args[1..] {
        let threads: usize = threads.parse()?;
        runtime::configure(0, Some(threads))?;
        let spec: ModelSpec = serde_json::from_str(work.spec)?;
        let model = models::build(&spec, &[1, work.bins, work.crop], 4, Device::Cpu)?;
        let mut method = Erm::new(&ErmConfig::default(), model, 1)?;
        let cfg = BatcherConfig {
            batch_size: BATCH,
            class_balanced: false,
            crop_frames: Some(work.crop),
        };
        let batcher = DomainBatcher::new(&data, cfg, InputLayout::Spectrogram, 0, Device::Cpu)?;
        let mut step = 0u64;
        let mut run = |n: usize| -> Result<(f64, f64), Box<dyn std::error::Error>> {
            let (start, cpu_start) = (Instant::now(), cpu_seconds());
            for _ in 0..n {
                let batches = batcher.batches(step)?;
                method.update(&batches)?;
                step += 1;
            }
            Ok((start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start))
        };
        run(WARMUP)?;
        let samples = (STEPS * BATCH) as f64;
        let (mut rates, mut cpu_rates): (Vec<f64>, Vec<f64>) = (0..REPEATS)
            .map(|_| run(STEPS).map(|(wall, cpu)| (samples / wall, samples / cpu)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        rates.sort_by(f64::total_cmp);
        cpu_rates.sort_by(f64::total_cmp);
        println!(
            "{{\"impl\": \"emoshift (tch 0.26)\", \"model\": \"{name}\", \"threads\": {threads}, \"batch\": {BATCH}, \"samples_per_s\": {:.1}, \"cpu_samples_per_s\": {:.1}, \"runs\": {rates:.1?}}}",
            rates[REPEATS / 2],
            cpu_rates[REPEATS / 2]
        );
    }
    Ok(())
}
