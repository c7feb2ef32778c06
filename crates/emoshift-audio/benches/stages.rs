//! Micro-benchmarks of the front end's stages on 3 s of synthetic audio:
//! resampling 44.1 → 16 kHz and each feature preset. The end-to-end
//! comparison with librosa is `scripts/bench_audio.sh`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use emoshift_audio::resample::resample;
use emoshift_audio::FeatureSpec;

/// A harmonic tone with a slow amplitude modulation, `seconds` long at `rate`.
fn signal(rate: u32, seconds: f32) -> Vec<f32> {
    (0..(rate as f32 * seconds) as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let env = 0.6 + 0.4 * (2.0 * std::f32::consts::PI * 4.0 * t).sin();
            (1..8)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum::<f32>()
                * env
                * 0.2
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let x44 = signal(44_100, 3.0);
    c.bench_function("resample 3 s 44.1 -> 16 kHz", |b| {
        b.iter(|| resample(black_box(&x44), 44_100, 16_000).unwrap())
    });
    for name in FeatureSpec::preset_names() {
        let spec = FeatureSpec::preset(name).unwrap();
        let x = signal(spec.load.sample_rate, 3.0);
        c.bench_function(&format!("features 3 s {name}"), |b| {
            b.iter(|| spec.compute(black_box(&x)).unwrap())
        });
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
