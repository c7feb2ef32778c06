//! Helpers that build fixture corpus trees in temporary folders.

use std::path::Path;

/// Writes a tiny valid WAV file (0.1 s of silence at 16 kHz, `channels` channels).
pub fn wav_ch(path: &Path, channels: u16) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for _ in 0..1600 * u32::from(channels) {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Writes a tiny mono WAV file.
pub fn wav(path: &Path) {
    wav_ch(path, 1);
}

/// Writes `names` as tiny mono WAV files under `root`.
pub fn wavs(root: &Path, names: &[&str]) {
    for n in names {
        wav(&root.join(n));
    }
}

/// Writes a text file, creating folders.
pub fn text(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}
