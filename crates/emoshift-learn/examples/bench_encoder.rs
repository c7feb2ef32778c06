//! Encoder-throughput benchmark (not a test): every hidden state of a
//! WavLM Base-sized model folder for 10 s of audio, at the given thread
//! counts. `scripts/bench_encoder.sh` prepares the folder (random weights,
//! written by transformers) and runs the transformers peer beside this.
//!
//! Usage: bench_encoder MODEL_DIR THREADS...  Prints one JSON line per
//! thread count: the median wall time of 5 passes after 1 warm-up.

use std::path::Path;
use std::time::Instant;

use emoshift_learn::encoders::SpeechEncoder;
use emoshift_learn::runtime;
use tch::Device;

/// Timed passes; the median is reported.
const REPEATS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(
        args.first()
            .ok_or("usage: bench_encoder MODEL_DIR THREADS...")?,
    );
    let bytes = std::fs::read(dir.join("bench_input.f32"))?;
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let seconds = samples.len() as f64 / 16_000.0;
    let encoder = SpeechEncoder::load(dir, Device::Cpu)?;
    for threads in &args[1..] {
        let threads: usize = threads.parse()?;
        runtime::configure(0, Some(threads))?;
        encoder.hidden_states(&samples)?;
        let mut times: Vec<f64> = (0..REPEATS)
            .map(|_| {
                let start = Instant::now();
                encoder
                    .hidden_states(&samples)
                    .map(|_| start.elapsed().as_secs_f64())
            })
            .collect::<Result<_, _>>()?;
        times.sort_by(f64::total_cmp);
        let wall = times[REPEATS / 2];
        println!(
            "{{\"impl\": \"emoshift (tch 0.26)\", \"threads\": {threads}, \"audio_seconds\": {seconds:.0}, \"wall_seconds\": {wall:.4}, \"x_realtime\": {:.1}}}",
            seconds / wall
        );
    }
    Ok(())
}
