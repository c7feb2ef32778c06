//! Decoding: every supported WAV encoding, FLAC, MP3, OGG/Vorbis, and typed
//! errors naming the file for bad input.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, max_abs_error, Fixture};
use emoshift_audio::decode::decode_file;
use emoshift_audio::{load, AudioError, LoadOptions};

/// Lossless fixtures and the reference tensor each must decode to.
const LOSSLESS: &[(&str, &str)] = &[
    ("pcm_u8.wav", "pcm_u8"),
    ("pcm_s16.wav", "pcm_s16"),
    ("pcm_s24.wav", "pcm_s24"),
    ("pcm_s32.wav", "pcm_s32"),
    ("float32.wav", "float32"),
    ("float64.wav", "float64"),
    ("extensible_fllr_s16.wav", "extensible_fllr_s16"),
    ("stereo_s16.flac", "stereo_s16_flac"),
];

#[test]
fn lossless_files_decode_to_the_channel_mean() {
    let refs = Fixture::open("audio/decode_reference.safetensors");
    for (file, key) in LOSSLESS {
        let audio = decode_file(&fixture(&format!("audio/{file}")))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (want, _) = refs.tensor(key);
        assert_eq!(audio.sample_rate, 8000, "{file}");
        assert_eq!(audio.samples.len(), want.len(), "{file}: length");
        let err = max_abs_error(&audio.samples, &want);
        assert!(err <= 1e-6, "{file}: max error {err}");
    }
}

/// Frequency (Hz) of the largest DFT bin of `x`.
fn dominant_frequency(x: &[f32], rate: u32) -> f32 {
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(x.len());
    let mut input = x.to_vec();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    let (k, _) = out
        .iter()
        .enumerate()
        .skip(1)
        .max_by(|a, b| a.1.norm_sqr().total_cmp(&b.1.norm_sqr()))
        .unwrap();
    k as f32 * rate as f32 / x.len() as f32
}

#[test]
fn lossy_files_decode_to_the_tone() {
    for file in ["tone_1k.mp3", "tone_1k.ogg"] {
        let audio = decode_file(&fixture(&format!("audio/{file}")))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(audio.sample_rate, 16_000, "{file}");
        // 4800 samples were encoded; codecs may add up to a frame of padding.
        let n = audio.samples.len();
        assert!((4800..=4800 + 2304).contains(&n), "{file}: {n} samples");
        let f = dominant_frequency(&audio.samples, audio.sample_rate);
        assert!(
            (f - 1000.0).abs() < 10.0,
            "{file}: dominant frequency {f} Hz"
        );
        let peak = audio.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((0.4..0.6).contains(&peak), "{file}: peak {peak}");
    }
}

#[test]
fn load_resamples_trims_and_normalises() {
    let path = fixture("audio/pcm_s16.wav");
    let audio = load(&path, &LoadOptions::at_rate(16_000)).unwrap();
    assert_eq!((audio.sample_rate, audio.samples.len()), (16_000, 800));
    let opts = LoadOptions {
        sample_rate: 8000,
        trim_top_db: Some(60.0),
        normalize: true,
    };
    let audio = load(&path, &opts).unwrap();
    let peak = audio.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak - 1.0).abs() < 1e-6, "peak {peak}");
}

/// A scratch directory holding `name` with `bytes`.
fn scratch_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// A mono 16 kHz float WAV holding `samples`.
fn float_wav(samples: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
    cursor.into_inner()
}

fn assert_names(err: &AudioError, path: &Path) {
    assert_eq!(err.path(), path);
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "message does not name the file: {err}"
    );
}

#[test]
fn missing_file_is_unreadable() {
    let path = PathBuf::from("/nonexistent/emoshift/missing.wav");
    let err = decode_file(&path).unwrap_err();
    assert!(matches!(err, AudioError::Unreadable { .. }), "{err}");
    assert_names(&err, &path);
}

#[test]
fn empty_file_is_reported_as_empty() {
    let (_dir, path) = scratch_file("empty.wav", b"");
    let err = decode_file(&path).unwrap_err();
    assert!(matches!(err, AudioError::EmptyFile { .. }), "{err}");
    assert_names(&err, &path);
}

#[test]
fn wav_without_samples_is_zero_length() {
    let (_dir, path) = scratch_file("zero.wav", &float_wav(&[]));
    let err = decode_file(&path).unwrap_err();
    assert!(matches!(err, AudioError::NoSamples { .. }), "{err}");
    assert_names(&err, &path);
}

#[test]
fn truncated_files_are_reported() {
    for name in [
        "pcm_s16.wav",
        "extensible_fllr_s16.wav",
        "stereo_s16.flac",
        "tone_1k.mp3",
        "tone_1k.ogg",
    ] {
        let bytes = std::fs::read(fixture(&format!("audio/{name}"))).unwrap();
        let (_dir, path) = scratch_file(name, &bytes[..bytes.len() * 2 / 3]);
        let err = decode_file(&path).unwrap_err();
        assert!(matches!(err, AudioError::Truncated { .. }), "{name}: {err}");
        assert_names(&err, &path);
    }
}

#[test]
fn garbage_is_unsupported() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for name in ["garbage.wav", "garbage.bin"] {
        let (_dir, path) = scratch_file(name, &garbage);
        let err = decode_file(&path).unwrap_err();
        assert!(
            matches!(err, AudioError::Unsupported { .. }),
            "{name}: {err}"
        );
        assert_names(&err, &path);
    }
}

#[test]
fn nan_and_inf_samples_are_rejected() {
    for bad in [f32::NAN, f32::INFINITY] {
        let mut samples = vec![0.1f32; 100];
        samples[37] = bad;
        let (_dir, path) = scratch_file("bad.wav", &float_wav(&samples));
        match decode_file(&path).unwrap_err() {
            AudioError::NonFinite { index, path: p, .. } => {
                assert_eq!((index, p), (37, path.clone()));
            }
            other => panic!("expected NonFinite, got {other}"),
        }
    }
}
