//! Probing: the header facts agree with what decoding finds, the container is
//! recognised by content whatever the extension, and a file the probe rejects
//! fails decoding with the same error.

mod common;

use std::path::{Path, PathBuf};

use common::fixture;
use emoshift_audio::decode::decode_file;
use emoshift_audio::probe::probe_file;
use emoshift_audio::AudioError;

const FIXTURES: [&str; 10] = [
    "pcm_u8.wav",
    "pcm_s16.wav",
    "pcm_s24.wav",
    "pcm_s32.wav",
    "float32.wav",
    "float64.wav",
    "extensible_fllr_s16.wav",
    "stereo_s16.flac",
    "tone_1k.mp3",
    "tone_1k.ogg",
];

/// A scratch directory holding `name` with `bytes`.
fn scratch_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("audio/{name}"))).unwrap()
}

/// Probes and decodes `path`; both must fail with the same message.
fn same_failure(path: &Path) -> AudioError {
    let probed = probe_file(path).expect_err("probe accepts a bad file");
    let decoded = decode_file(path).expect_err("decoding accepts a bad file");
    assert_eq!(probed.to_string(), decoded.to_string());
    probed
}

#[test]
fn probe_agrees_with_decoding_on_every_fixture() {
    for name in FIXTURES {
        let path = fixture(&format!("audio/{name}"));
        let info = probe_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let audio = decode_file(&path).unwrap();
        assert_eq!(info.sample_rate, audio.sample_rate, "{name}");
        let frames = info.frames.expect("the fixtures declare their length");
        let decoded = audio.samples.len() as u64;
        assert!(
            frames.abs_diff(decoded) <= frames / 10,
            "{name}: header {frames} frames, decoded {decoded}"
        );
        let lossy = name.starts_with("tone");
        assert_eq!(info.channels, if lossy { 1 } else { 2 }, "{name}");
    }
}

#[test]
fn content_decides_the_format_not_the_extension() {
    for name in ["stereo_s16.flac", "tone_1k.mp3", "tone_1k.ogg"] {
        let (_dir, path) = scratch_file("renamed.wav", &fixture_bytes(name));
        let info = probe_file(&path).unwrap_or_else(|e| panic!("{name} as .wav: {e}"));
        let audio = decode_file(&path).unwrap();
        assert_eq!(info.sample_rate, audio.sample_rate, "{name}");
    }
}

#[test]
fn truncated_files_fail_probe_and_decoding_alike() {
    for name in ["pcm_s16.wav", "extensible_fllr_s16.wav", "stereo_s16.flac"] {
        let bytes = fixture_bytes(name);
        for keep in [bytes.len() * 2 / 3, bytes.len() * 9 / 10] {
            let (_dir, path) = scratch_file(name, &bytes[..keep]);
            let err = same_failure(&path);
            assert!(
                matches!(err, AudioError::Truncated { .. }),
                "{name} cut to {keep}: {err}"
            );
        }
    }
}

#[test]
fn header_only_wav_fails_probe_and_decoding_alike() {
    let bytes = fixture_bytes("pcm_s16.wav");
    let data = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk");
    let (_dir, path) = scratch_file("header.wav", &bytes[..data + 8]);
    let err = same_failure(&path);
    assert!(matches!(err, AudioError::Truncated { .. }), "{err}");
}

#[test]
fn empty_and_garbage_files_fail_probe_and_decoding_alike() {
    let (_dir, empty) = scratch_file("empty.wav", b"");
    assert!(matches!(same_failure(&empty), AudioError::EmptyFile { .. }));
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let (_dir, path) = scratch_file("garbage.wav", &garbage);
    assert!(matches!(
        same_failure(&path),
        AudioError::Unsupported { .. }
    ));
}

#[test]
fn reason_is_the_message_without_the_path() {
    let (_dir, path) = scratch_file("empty.wav", b"");
    let err = probe_file(&path).unwrap_err();
    assert_eq!(err.reason(), "file is empty (0 bytes)");
    assert_eq!(
        err.to_string(),
        format!("{}: {}", path.display(), err.reason())
    );
}
