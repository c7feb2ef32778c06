//! FeatureSpec presets, ids, serialisation, shapes, and the Features helpers.

use emoshift_audio::{FeatureError, FeatureKind, FeatureSpec, Features};

/// A 440 Hz tone of `seconds` at `rate`.
fn tone(rate: u32, seconds: f32) -> Vec<f32> {
    (0..(rate as f32 * seconds) as usize)
        .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin() * 0.3)
        .collect()
}

#[test]
fn presets_have_the_papers_shapes() {
    assert_eq!(
        FeatureSpec::preset_names(),
        ["da_mldg", "dann", "mmd", "voxceleb"]
    );
    let shape = |name: &str, seconds: f32| {
        let spec = FeatureSpec::preset(name).unwrap();
        let f = spec.compute(&tone(spec.load.sample_rate, seconds)).unwrap();
        assert_eq!(f.n_bins, spec.n_bins());
        (f.n_bins, f.n_frames, spec.frames_per_second())
    };
    // DA-MLDG: 2 s crops at 16 kHz, hop 10 ms, 64 mels.
    assert_eq!(shape("da_mldg", 2.0), (64, 201, 100.0));
    // DANN: 265 ms segment → 32 frames x 129 bins.
    let (bins, frames, _) = shape("dann", 0.26525);
    assert_eq!((bins, frames), (129, 32));
    // MMD: librosa defaults, 128 mels at 22.05 kHz, hop 512.
    let (bins, frames, fps) = shape("mmd", 3.0);
    assert_eq!((bins, frames), (128, 1 + 66150 / 512));
    assert!((fps - 43.066).abs() < 1e-3);
    // VoxCeleb: 257 bins, 512-sample FFT frames every 10 ms, no centring:
    // 3 s → 1 + (48000 − 512) / 160 = 297 frames.
    assert_eq!(shape("voxceleb", 3.0), (257, 297, 100.0));
}

#[test]
fn dann_segments_are_32_by_129() {
    let spec = FeatureSpec::preset("dann").unwrap();
    let f = spec.compute(&tone(16_000, 2.0)).unwrap();
    let segments = f.segments(32, 32);
    assert_eq!(segments.len(), f.n_frames / 32);
    assert!(segments.iter().all(|s| (s.n_bins, s.n_frames) == (129, 32)));
    assert_eq!(segments[1].get(5, 0), f.get(5, 32));
}

#[test]
fn voxceleb_bins_are_standardised() {
    let spec = FeatureSpec::preset("voxceleb").unwrap();
    let noise: Vec<f32> = (0..32_000u32)
        .map(|i| ((i.wrapping_mul(2654435761) >> 8) as f32 / 16_777_216.0) - 0.5)
        .collect();
    let f = spec.compute(&noise).unwrap();
    for b in [3, 100, 200] {
        let row = f.row(b).unwrap();
        let mean = row.iter().sum::<f32>() / row.len() as f32;
        let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / row.len() as f32;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
            "bin {b}: {mean} {var}"
        );
    }
}

#[test]
fn unknown_preset_lists_the_valid_names() {
    let err = FeatureSpec::preset("vggish").unwrap_err();
    assert!(matches!(err, FeatureError::UnknownPreset { .. }));
    let msg = err.to_string();
    for name in FeatureSpec::preset_names() {
        assert!(msg.contains(name), "{msg}");
    }
}

#[test]
fn ids_are_stable_and_distinguish_specs() {
    let ids: Vec<String> = FeatureSpec::preset_names()
        .iter()
        .map(|n| FeatureSpec::preset(n).unwrap().id())
        .collect();
    for (i, a) in ids.iter().enumerate() {
        assert_eq!(a.len(), 16);
        assert!(ids[i + 1..].iter().all(|b| a != b));
    }
    let spec = FeatureSpec::preset("da_mldg").unwrap();
    let json = serde_json::to_string(&spec).unwrap();
    let back: FeatureSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
    assert_eq!(back.id(), spec.id());
    let mut changed = spec.clone();
    changed.stft.hop_length = 161;
    assert_ne!(changed.id(), spec.id());
}

#[test]
fn invalid_specs_and_signals_are_errors() {
    let mut spec = FeatureSpec::preset("da_mldg").unwrap();
    spec.stft.win_length = 2048;
    assert!(matches!(
        spec.compute(&[0.0; 4000]),
        Err(FeatureError::InvalidSpec(_))
    ));
    let mut spec = FeatureSpec::preset("da_mldg").unwrap();
    if let FeatureKind::Mel { mel, .. } = &mut spec.kind {
        mel.fmax = Some(9000.0);
    }
    assert!(matches!(spec.validate(), Err(FeatureError::InvalidSpec(_))));
    let vox = FeatureSpec::preset("voxceleb").unwrap();
    assert_eq!(
        vox.compute(&[0.0; 100]),
        Err(FeatureError::TooShort {
            samples: 100,
            needed: 512
        })
    );
    let mut signal = vec![0.0; 4000];
    signal[10] = f32::NAN;
    assert!(matches!(
        vox.compute(&signal),
        Err(FeatureError::NonFinite { index: 10, .. })
    ));
}

#[test]
fn features_round_trip_bytes_and_detect_damage() {
    let f = Features::new(3, 4, (0..12).map(|v| v as f32 * 0.5).collect()).unwrap();
    let bytes = f.to_bytes();
    assert_eq!(Features::from_bytes(&bytes).unwrap(), f);
    assert!(Features::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut flipped = bytes.clone();
    flipped[20] ^= 1;
    assert!(matches!(
        Features::from_bytes(&flipped),
        Err(FeatureError::Corrupt(_))
    ));
    assert!(Features::new(3, 4, vec![0.0; 11]).is_err());
}

#[test]
fn windows_crop_and_pad() {
    let f = Features::new(2, 4, vec![1., 2., 3., 4., 10., 20., 30., 40.]).unwrap();
    assert_eq!(f.window(1, 2, 0.0).data, vec![2., 3., 20., 30.]);
    assert_eq!(
        f.window(-1, 6, -1.0).data,
        vec![-1., 1., 2., 3., 4., -1., -1., 10., 20., 30., 40., -1.]
    );
    assert_eq!(f.slice_frames(3, 1).unwrap().data, vec![4., 40.]);
    assert!(f.slice_frames(3, 2).is_none());
    assert_eq!(f.to_frame_major(), vec![1., 10., 2., 20., 3., 30., 4., 40.]);
    assert_eq!(Features::from_frame_major(2, 4, &f.to_frame_major()), f);
}
