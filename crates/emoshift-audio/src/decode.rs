//! Decoding audio files (WAV, FLAC, MP3, OGG/Vorbis, …) to a mono `f32` signal
//! with symphonia.
//!
//! Multichannel audio is mixed down by averaging the channels. Integer PCM is
//! scaled to [-1, 1) the way librosa/soundfile do (divide by 2^(bits-1)).
//! WAV extras such as `WAVE_FORMAT_EXTENSIBLE` headers and unknown chunks
//! (RAVDESS's `FLLR` padding, `LIST`, …) are handled by symphonia's RIFF reader.

use std::io::Cursor;
use std::path::Path;

use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_ALAC, CODEC_ID_FLAC, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S32LE,
};
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

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

/// Decodes an in-memory audio file to mono; `path` names it in errors and its
/// extension is a hint for the container probe.
pub fn decode_bytes(bytes: &[u8], path: &Path) -> Result<Audio, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let unsupported = |reason: String| AudioError::Unsupported {
        path: path.to_path_buf(),
        reason,
    };
    let malformed = |reason: String| AudioError::Malformed {
        path: path.to_path_buf(),
        reason,
    };

    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            // A recognised container whose headers (or end-of-stream page) are cut off.
            SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                AudioError::Truncated {
                    path: path.to_path_buf(),
                    reason: "the container ends while its headers are being read".into(),
                }
            }
            e => unsupported(format!("not a recognised audio container ({e})")),
        })?;

    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| unsupported("no audio track".into()))?;
    let track_id = track.id;
    let declared_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| unsupported("track has no audio codec parameters".into()))?
        .clone();
    let exact_length = has_exact_length(params.codec);
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| unsupported(format!("no decoder for codec {:?} ({e})", params.codec)))?;

    // Reserve what the header declares, but never more than the file could
    // hold (a corrupt header must not trigger a huge allocation).
    let reserve = declared_frames.unwrap_or(0).min(bytes.len() as u64) as usize;
    let mut mono: Vec<f32> = Vec::with_capacity(reserve);
    let mut interleaved: Vec<f32> = Vec::new();
    let mut sample_rate = params.sample_rate;
    let mut first_decode_error: Option<String> = None;
    let mut hit_eof_error = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                hit_eof_error = true;
                break;
            }
            Err(SymError::ResetRequired) => {
                return Err(unsupported("stream parameters change mid-file".into()))
            }
            Err(e) => return Err(malformed(e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(msg)) => {
                // A corrupt packet in a lossy stream is skipped (as players do);
                // a stream where nothing decodes is reported below.
                first_decode_error.get_or_insert_with(|| msg.to_string());
                continue;
            }
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                hit_eof_error = true;
                break;
            }
            Err(e) => return Err(malformed(e.to_string())),
        };
        let channels = buf.spec().channels().count().max(1);
        sample_rate.get_or_insert(buf.spec().rate());
        if channels == 1 {
            // Convert straight into the output, without an intermediate copy.
            let start = mono.len();
            mono.resize(start + buf.frames(), 0.0);
            buf.copy_to_slice_interleaved(&mut mono[start..]);
        } else {
            buf.copy_to_vec_interleaved(&mut interleaved);
            mix_to_mono(&interleaved, channels, &mut mono);
        }
    }

    let sample_rate = sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| malformed("unknown sample rate".into()))?;
    if mono.is_empty() {
        return Err(match first_decode_error {
            Some(msg) => malformed(msg),
            None if hit_eof_error || declared_frames.is_some_and(|d| d > 0) => {
                AudioError::Truncated {
                    path: path.to_path_buf(),
                    reason: format!(
                        "header declares {} frames but the stream ends before the first complete packet",
                        declared_frames.unwrap_or(0)
                    ),
                }
            }
            None => AudioError::NoSamples {
                path: path.to_path_buf(),
            },
        });
    }
    if let Some(declared) = declared_frames {
        // Lossless codecs declare the exact length; lossy ones may only have
        // an estimate (e.g. MP3 without a Xing header), so only a shortfall of
        // more than 10 % counts there.
        let minimum = if exact_length {
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
    if hit_eof_error && !exact_length {
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

/// Codecs whose frame count in the header is exact, so fewer decoded frames
/// than declared means the file was cut short.
fn has_exact_length(codec: AudioCodecId) -> bool {
    (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&codec)
        || codec == CODEC_ID_FLAC
        || codec == CODEC_ID_ALAC
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
