//! Decoding audio files (WAV, FLAC, MP3, OGG/Vorbis, …) to a mono `f32` signal
//! with symphonia.
//!
//! Multichannel audio is mixed down by averaging the channels. Integer PCM is
//! scaled to [-1, 1) the way librosa/soundfile do (divide by 2^(bits-1)).
//! WAV extras such as `WAVE_FORMAT_EXTENSIBLE` headers and unknown chunks
//! (RAVDESS's `FLLR` padding, `LIST`, …) are handled by symphonia's RIFF reader.

use std::io::Cursor;
use std::path::Path;

use crate::container::Stream;
use crate::probe::probe_bytes;
use crate::quality::{rejected, QualityIssue};
use crate::{Audio, AudioError};

/// Reads and decodes an audio file to mono.
///
/// Fails with a typed [`AudioError`] naming `path` for missing or unreadable
/// files, empty files, unsupported formats, malformed or truncated streams,
/// streams without samples and NaN/infinite samples.
pub fn decode_file(path: &Path) -> Result<Audio, AudioError> {
    let bytes = std::fs::read(path).map_err(|cause| AudioError::Unreadable {
        path: path.to_path_buf(),
        cause,
    })?;
    decode_bytes(&bytes, path)
}

/// Decodes an in-memory audio file to mono; `path` names it in errors. The
/// container is recognised by content, not by the extension. The file is
/// first [probed](crate::probe), so every file the probe rejects fails here
/// with the same error.
pub fn decode_bytes(bytes: &[u8], path: &Path) -> Result<Audio, AudioError> {
    probe_bytes(bytes, path)?;
    decode_bytes_within(bytes, path, None)
}

/// Decodes an in-memory audio file that has been [probed](crate::probe)
/// already, stopping with [`QualityIssue::TooLong`] as soon as the mono
/// signal would exceed `max_frames` (so a stream that does not declare its
/// length cannot claim unbounded memory).
pub fn decode_bytes_within(
    bytes: &[u8],
    path: &Path,
    max_frames: Option<u64>,
) -> Result<Audio, AudioError> {
    let mut stream = Stream::open(Box::new(Cursor::new(bytes)), path)?;
    let declared_frames = stream.declared_frames();
    // Reserve what the header declares, but never more than the file could
    // hold (a corrupt header must not trigger a huge allocation).
    let reserve = declared_frames.unwrap_or(0).min(bytes.len() as u64) as usize;
    let mut mono: Vec<f32> = Vec::with_capacity(reserve);
    let mut interleaved: Vec<f32> = Vec::new();
    let limit = max_frames.unwrap_or(u64::MAX);
    while (mono.len() as u64) <= limit
        && stream.next_block(|buf| {
            let channels = buf.spec().channels().count().max(1);
            if channels == 1 {
                // Convert straight into the output, without an intermediate copy.
                let start = mono.len();
                mono.resize(start + buf.frames(), 0.0);
                buf.copy_to_slice_interleaved(&mut mono[start..]);
            } else {
                buf.copy_to_vec_interleaved(&mut interleaved);
                mix_to_mono(&interleaved, channels, &mut mono);
            }
        })?
    {}

    let sample_rate = stream.sample_rate()?;
    if mono.len() as u64 > limit {
        return Err(rejected(
            path,
            QualityIssue::TooLong {
                seconds: mono.len() as f64 / f64::from(sample_rate.max(1)),
                max: limit as f64 / f64::from(sample_rate.max(1)),
            },
        ));
    }
    if mono.is_empty() {
        return Err(stream.no_samples());
    }
    if let Some(declared) = declared_frames {
        // Lossless codecs declare the exact length; lossy ones may only have
        // an estimate (e.g. MP3 without a Xing header), so only a shortfall of
        // more than 10 % counts there.
        let minimum = if stream.exact_length() {
            declared
        } else {
            declared - declared / 10
        };
        if (mono.len() as u64) < minimum {
            return Err(AudioError::Truncated {
                path: path.to_path_buf(),
                reason: format!(
                    "header declares {declared} frames but only {} could be read",
                    mono.len()
                ),
            });
        }
    }
    if stream.hit_eof() && !stream.exact_length() {
        return Err(AudioError::Truncated {
            path: path.to_path_buf(),
            reason: format!("stream ends mid-packet after {} frames", mono.len()),
        });
    }
    if let Some((index, value)) = crate::first_non_finite(&mono) {
        return Err(AudioError::NonFinite {
            path: path.to_path_buf(),
            index,
            value,
        });
    }
    Ok(Audio {
        samples: mono,
        sample_rate,
    })
}

/// Appends the channel mean of each interleaved frame to `out`.
fn mix_to_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    let scale = 1.0 / channels as f32;
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() * scale),
    );
}
