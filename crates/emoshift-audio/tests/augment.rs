//! Augmentations: determinism for a seed, and the effect each one promises.

use emoshift_audio::augment::eq::{equalize, Band, BandKind};
use emoshift_audio::augment::noise::{add_pink_noise, mean_square, pink_noise};
use emoshift_audio::augment::reverb::{apply_impulse_response, room_impulse_response};
use emoshift_audio::augment::spectral::{crop_or_pad_frames, shift_frames, stretch_frames, Fill};
use emoshift_audio::augment::stretch::time_stretch;
use emoshift_audio::augment::wave::{crop_or_pad, fade, gain, shift};
use emoshift_audio::augment::{FrameCropConfig, SpecAugmentConfig};
use emoshift_audio::{apply_features, apply_wave, AugmentConfig, Features};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SR: u32 = 16_000;

fn tone(freq: f32, seconds: f32) -> Vec<f32> {
    (0..(SR as f32 * seconds) as usize)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / SR as f32).sin())
        .collect()
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn rms(x: &[f32]) -> f64 {
    mean_square(x).sqrt()
}

/// Frequency of the largest DFT bin.
fn dominant_frequency(x: &[f32]) -> f32 {
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(x.len());
    let mut input = x.to_vec();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    let k = (1..out.len())
        .max_by(|&a, &b| out[a].norm_sqr().total_cmp(&out[b].norm_sqr()))
        .unwrap();
    k as f32 * SR as f32 / x.len() as f32
}

/// Every augmentation on, always firing.
fn everything() -> AugmentConfig {
    let mut cfg = AugmentConfig::preset("cross_dataset").unwrap();
    let w = &mut cfg.wave;
    w.time_stretch.as_mut().unwrap().p = 1.0;
    w.time_shift.as_mut().unwrap().p = 1.0;
    w.eq.as_mut().unwrap().p = 1.0;
    w.reverb.as_mut().unwrap().p = 1.0;
    w.pink_noise.as_mut().unwrap().p = 1.0;
    w.fade.as_mut().unwrap().p = 1.0;
    w.gain = Some(emoshift_audio::augment::GainConfig {
        min_db: -6.0,
        max_db: 6.0,
        p: 1.0,
    });
    w.crop_or_pad = Some(emoshift_audio::augment::CropConfig {
        seconds: 0.8,
        random: true,
    });
    let f = &mut cfg.features;
    f.spec_augment.as_mut().unwrap().p = 1.0;
    f.time_stretch = w.time_stretch.clone();
    f.time_shift = w.time_shift.clone();
    f.crop_or_pad = Some(FrameCropConfig {
        frames: 50,
        random: true,
        fill: Fill::Min,
    });
    cfg
}

#[test]
fn same_seed_same_result_different_seed_different_result() {
    let cfg = everything();
    let run_wave = |seed| {
        let mut x = tone(300.0, 1.0);
        apply_wave(&cfg, &mut x, SR, &mut rng(seed)).unwrap();
        x
    };
    let a = run_wave(7);
    assert_eq!(a.len(), 12_800, "crop/pad fixes the length");
    assert_eq!(a, run_wave(7));
    assert_ne!(a, run_wave(8));

    let base = Features::new(40, 120, (0..4800).map(|v| (v % 97) as f32).collect()).unwrap();
    let run_features = |seed| {
        let mut f = base.clone();
        apply_features(&cfg, &mut f, &mut rng(seed)).unwrap();
        f
    };
    let f = run_features(3);
    assert_eq!((f.n_bins, f.n_frames), (40, 50));
    assert_eq!(f, run_features(3));
    assert_ne!(f, run_features(4));
}

#[test]
fn crop_and_pad_give_the_target_length() {
    let x: Vec<f32> = (0..100).map(|v| v as f32).collect();
    let mut long = x.clone();
    crop_or_pad(&mut long, 40, false, &mut rng(0));
    assert_eq!(long, x[30..70]);
    let mut short = x.clone();
    crop_or_pad(&mut short, 110, false, &mut rng(0));
    assert_eq!((short.len(), &short[5..105]), (110, &x[..]));
    for seed in 0..20 {
        let mut y = x.clone();
        crop_or_pad(&mut y, 64, true, &mut rng(seed));
        assert_eq!(y.len(), 64);
        assert!(
            y.windows(2).all(|w| w[1] == w[0] + 1.0),
            "a contiguous window"
        );
    }
}

#[test]
fn time_stretch_changes_duration_not_pitch() {
    let x = tone(440.0, 1.0);
    for rate in [0.8f32, 1.25] {
        let y = time_stretch(&x, rate);
        assert_eq!(y.len(), (16_000.0 / rate).round() as usize);
        let body = &y[2048..y.len() - 2048];
        assert!(
            (dominant_frequency(body) - 440.0).abs() < 3.0,
            "rate {rate}"
        );
        let level = rms(body) / rms(&x);
        assert!(
            (level - 1.0).abs() < 0.1,
            "rate {rate}: level ratio {level}"
        );
    }
}

#[test]
fn shift_gain_and_fade() {
    let x: Vec<f32> = (0..50).map(|v| v as f32).collect();
    let mut y = x.clone();
    shift(&mut y, 0.1);
    assert_eq!(y[5], 0.0);
    assert_eq!(y[0], 45.0);
    shift(&mut y, -0.1);
    assert_eq!(y, x);

    let mut y = vec![0.5f32; 10];
    gain(&mut y, 6.0);
    assert!((y[0] / 0.5 - 1.9953).abs() < 1e-3);

    let mut y = vec![1.0f32; 100];
    fade(&mut y, 10, 20);
    assert_eq!((y[0], y[99]), (0.0, 0.0));
    assert!((y[5] - 0.5).abs() < 1e-6);
    assert!(y[10..80].iter().all(|&v| v == 1.0));
}

/// Level change in dB of a steady tone after `bands`, ignoring the first 0.2 s.
fn eq_gain_db(freq: f32, bands: &[Band]) -> f64 {
    let x = tone(freq, 1.0);
    let mut y = x.clone();
    equalize(&mut y, bands, SR);
    20.0 * (rms(&y[3200..]) / rms(&x[3200..])).log10()
}

#[test]
fn eq_bands_boost_where_they_should() {
    let peak = Band {
        kind: BandKind::Peaking,
        freq_hz: 1000.0,
        gain_db: 6.0,
        q: 1.0,
    };
    assert!((eq_gain_db(1000.0, &[peak]) - 6.0).abs() < 0.05);
    assert!(eq_gain_db(100.0, &[peak]).abs() < 0.3);
    let low = Band {
        kind: BandKind::LowShelf,
        freq_hz: 500.0,
        gain_db: -6.0,
        q: 0.707,
    };
    assert!((eq_gain_db(60.0, &[low]) + 6.0).abs() < 0.2);
    assert!(eq_gain_db(5000.0, &[low]).abs() < 0.2);
    let high = Band {
        kind: BandKind::HighShelf,
        freq_hz: 3000.0,
        gain_db: 8.0,
        q: 0.707,
    };
    assert!((eq_gain_db(7000.0, &[high]) - 8.0).abs() < 0.3);
    assert!(eq_gain_db(200.0, &[high]).abs() < 0.2);
}

#[test]
fn pink_noise_has_the_requested_snr_and_a_1_over_f_spectrum() {
    let x = tone(500.0, 1.0);
    for snr in [0.0f32, 10.0, 25.0] {
        let mut y = x.clone();
        add_pink_noise(&mut y, snr, &mut rng(1));
        let noise: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
        let measured = 10.0 * (mean_square(&x) / mean_square(&noise)).log10();
        assert!(
            (measured - f64::from(snr)).abs() < 0.01,
            "snr {snr}: {measured}"
        );
    }
    // 1/f: equal energy per octave (within ±1 dB) from 125 Hz to 4 kHz.
    let n = 1 << 17;
    let noise = pink_noise(n, &mut rng(2));
    assert!((rms(&noise) - 1.0).abs() < 1e-4);
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let mut input = noise.clone();
    let mut spec = fft.make_output_vec();
    fft.process(&mut input, &mut spec).unwrap();
    let octave = |lo: f32| -> f64 {
        let bin = |f: f32| (f / SR as f32 * n as f32) as usize;
        spec[bin(lo)..bin(2.0 * lo)]
            .iter()
            .map(|c| f64::from(c.norm_sqr()))
            .sum()
    };
    let reference = octave(125.0);
    for lo in [250.0, 500.0, 1000.0, 2000.0, 4000.0] {
        let diff = 10.0 * (octave(lo) / reference).log10();
        assert!(diff.abs() < 1.0, "octave from {lo} Hz: {diff:.2} dB");
    }
}

#[test]
fn room_impulse_response_decays_at_its_rt60() {
    for rt60 in [0.3f32, 0.6] {
        let h = room_impulse_response(SR, rt60, 3.0, &mut rng(5));
        assert_eq!(h.len(), (rt60 * SR as f32) as usize);
        // Direct-to-reverberant energy ratio.
        let tail: f64 = h[1..].iter().map(|v| f64::from(*v).powi(2)).sum();
        assert!((10.0 * (1.0 / tail).log10() - 3.0).abs() < 1e-3);
        // Schroeder energy decay of the tail: −5 dB to −25 dB takes rt60 / 3.
        let mut edc: Vec<f64> = h[80..].iter().map(|v| f64::from(*v).powi(2)).collect();
        for i in (0..edc.len() - 1).rev() {
            edc[i] += edc[i + 1];
        }
        let db = |i: usize| 10.0 * (edc[i] / edc[0]).log10();
        let t5 = (0..edc.len()).find(|&i| db(i) <= -5.0).unwrap();
        let t25 = (0..edc.len()).find(|&i| db(i) <= -25.0).unwrap();
        let estimate = 3.0 * (t25 - t5) as f32 / SR as f32;
        assert!(
            (estimate / rt60 - 1.0).abs() < 0.1,
            "rt60 {rt60}: estimated {estimate}"
        );
    }
    let x = tone(300.0, 0.5);
    let mut y = x.clone();
    apply_impulse_response(&mut y, &room_impulse_response(SR, 0.4, 0.0, &mut rng(6)));
    assert_eq!(y.len(), x.len());
    assert!((rms(&y) / rms(&x) - 1.0).abs() < 1e-4, "level kept");
    assert_ne!(y, x);
}

#[test]
fn feature_crop_stretch_and_shift() {
    let ramp = Features::new(2, 10, (0..20).map(|v| v as f32).collect()).unwrap();
    let c = crop_or_pad_frames(&ramp, 4, false, Fill::Zero, &mut rng(0));
    assert_eq!(c.data, vec![3., 4., 5., 6., 13., 14., 15., 16.]);
    let p = crop_or_pad_frames(&ramp, 12, false, Fill::Min, &mut rng(0));
    assert_eq!(
        p.row(0).unwrap(),
        &[0., 0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 0.]
    );
    assert_eq!(
        p.row(1).unwrap()[0],
        0.0,
        "Min fills with the matrix minimum"
    );

    let s = stretch_frames(&ramp, 0.5);
    assert_eq!(s.n_frames, 20);
    assert_eq!(&s.row(0).unwrap()[..4], &[0.0, 0.5, 1.0, 1.5]);
    let s = stretch_frames(&ramp, 1.25);
    assert_eq!(s.n_frames, 8);
    assert_eq!(s.row(1).unwrap()[1], 11.25);

    let mut r = ramp.clone();
    shift_frames(&mut r, 0.2);
    assert_eq!(&r.row(0).unwrap()[..3], &[8., 9., 0.]);
}

#[test]
fn spec_augment_masks_whole_rows_and_columns() {
    let mut cfg = AugmentConfig::default();
    cfg.features.spec_augment = Some(SpecAugmentConfig {
        time_masks: 2,
        max_time_width: 10,
        freq_masks: 1,
        max_freq_width: 6,
        fill: Fill::Value(-99.0),
        p: 1.0,
    });
    for seed in 0..30 {
        let mut f = Features::filled(32, 100, 1.0);
        apply_features(&cfg, &mut f, &mut rng(seed)).unwrap();
        let masked_col = |t: usize| (0..32).all(|b| f.get(b, t) == Some(-99.0));
        let masked_row = |b: usize| (0..100).all(|t| f.get(b, t) == Some(-99.0));
        let cols = (0..100).filter(|&t| masked_col(t)).count();
        let rows = (0..32).filter(|&b| masked_row(b)).count();
        assert!(
            cols <= 20 && rows <= 6,
            "seed {seed}: {cols} columns, {rows} rows"
        );
        // Every masked cell lies in a fully masked row or column.
        for b in 0..32 {
            for t in 0..100 {
                if f.get(b, t) == Some(-99.0) {
                    assert!(
                        masked_col(t) || masked_row(b),
                        "seed {seed}: stray cell {b},{t}"
                    );
                }
            }
        }
        let masked = f.data.iter().filter(|&&v| v == -99.0).count();
        assert_eq!(masked, cols * 32 + rows * 100 - cols * rows, "seed {seed}");
    }
}

#[test]
fn configs_validate_serialise_and_have_presets() {
    assert_eq!(
        AugmentConfig::preset_names(),
        ["none", "da_mldg", "cross_dataset"]
    );
    for name in AugmentConfig::preset_names() {
        let cfg = AugmentConfig::preset(name).unwrap();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(serde_json::from_str::<AugmentConfig>(&json).unwrap(), cfg);
    }
    let err = AugmentConfig::preset("mixup").unwrap_err().to_string();
    assert!(
        err.contains("da_mldg") && err.contains("cross_dataset"),
        "{err}"
    );

    let mut bad = AugmentConfig::preset("da_mldg").unwrap();
    bad.wave.time_stretch.as_mut().unwrap().min_rate = 2.0;
    let mut x = tone(200.0, 0.5);
    assert!(
        apply_wave(&bad, &mut x, SR, &mut rng(0)).is_err(),
        "min > max is an error, not a panic"
    );
    let mut bad = AugmentConfig::default();
    bad.features.spec_augment = Some(SpecAugmentConfig {
        time_masks: 1,
        max_time_width: 5,
        freq_masks: 0,
        max_freq_width: 0,
        fill: Fill::Zero,
        p: 1.5,
    });
    let mut f = Features::filled(4, 10, 0.0);
    assert!(apply_features(&bad, &mut f, &mut rng(0)).is_err());

    // DA-MLDG: 2 s crops whatever the input length.
    let cfg = AugmentConfig::preset("da_mldg").unwrap();
    for seconds in [1.0f32, 3.5] {
        let mut x = tone(200.0, seconds);
        apply_wave(&cfg, &mut x, SR, &mut rng(9)).unwrap();
        assert_eq!(x.len(), 32_000);
    }
}
