//! An audio stream opened with symphonia (its WAV reader behind
//! [`crate::checked_wav`]): the one reader behind
//! [`crate::probe`] and [`crate::decode`], so that both recognise the same
//! files (by content, never by extension) and name the same reason for a file
//! they cannot read.

use std::path::{Path, PathBuf};

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_ALAC, CODEC_ID_FLAC, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S32LE,
};
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

use crate::AudioError;

/// The default audio track of a container with its decoder.
pub(crate) struct Stream<'s> {
    path: PathBuf,
    format: Box<dyn FormatReader + 's>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    declared_frames: Option<u64>,
    exact_length: bool,
    sample_rate: Option<u32>,
    first_decode_error: Option<String>,
    hit_eof: bool,
}

impl<'s> Stream<'s> {
    /// Finds the container in `source` by its content, its default audio
    /// track and a decoder for that track's codec; `path` names the file in
    /// errors.
    pub(crate) fn open(
        source: Box<dyn MediaSource + 's>,
        path: &Path,
    ) -> Result<Stream<'s>, AudioError> {
        let mss = MediaSourceStream::new(source, Default::default());
        let format = crate::checked_wav::PROBE
            .probe(
                &Hint::new(),
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
                e => unsupported(path, format!("not a recognised audio container ({e})")),
            })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| unsupported(path, "no audio track".into()))?;
        let track_id = track.id;
        let declared_frames = track.num_frames;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| unsupported(path, "track has no audio codec parameters".into()))?
            .clone();
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| {
                unsupported(
                    path,
                    format!("no decoder for codec {:?} ({e})", params.codec),
                )
            })?;
        Ok(Stream {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            declared_frames,
            exact_length: has_exact_length(params.codec),
            sample_rate: params.sample_rate,
            first_decode_error: None,
            hit_eof: false,
        })
    }

    /// Frames the header declares, where it does.
    pub(crate) fn declared_frames(&self) -> Option<u64> {
        self.declared_frames
    }

    /// True for codecs whose declared frame count is exact (PCM, FLAC,
    /// ALAC), so fewer frames than declared means the file was cut short.
    pub(crate) fn exact_length(&self) -> bool {
        self.exact_length
    }

    /// True once the stream ended in the middle of a packet.
    pub(crate) fn hit_eof(&self) -> bool {
        self.hit_eof
    }

    /// Decodes the next packet of the track and hands the samples to `use_block`;
    /// false at the end of the stream. A corrupt packet is skipped (as players
    /// do) and remembered for [`Stream::no_samples`]; a stream cut mid-packet
    /// ends here and sets [`Stream::hit_eof`].
    pub(crate) fn next_block(
        &mut self,
        use_block: impl FnOnce(&GenericAudioBufferRef<'_>),
    ) -> Result<bool, AudioError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(false),
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.hit_eof = true;
                    return Ok(false);
                }
                Err(SymError::ResetRequired) => {
                    return Err(unsupported(
                        &self.path,
                        "stream parameters change mid-file".into(),
                    ))
                }
                Err(e) => return Err(malformed(&self.path, e.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buf) => {
                    self.sample_rate.get_or_insert(buf.spec().rate());
                    use_block(&buf);
                    return Ok(true);
                }
                Err(SymError::DecodeError(msg)) => {
                    self.first_decode_error
                        .get_or_insert_with(|| msg.to_string());
                }
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.hit_eof = true;
                    return Ok(false);
                }
                Err(e) => return Err(malformed(&self.path, e.to_string())),
            }
        }
    }

    /// The sample rate from the header or the first decoded block.
    pub(crate) fn sample_rate(&self) -> Result<u32, AudioError> {
        self.sample_rate
            .filter(|&r| r > 0)
            .ok_or_else(|| malformed(&self.path, "unknown sample rate".into()))
    }

    /// Why no samples came out of the stream.
    pub(crate) fn no_samples(&self) -> AudioError {
        match &self.first_decode_error {
            Some(msg) => malformed(&self.path, msg.clone()),
            None if self.hit_eof || self.declared_frames.is_some_and(|d| d > 0) => {
                AudioError::Truncated {
                    path: self.path.clone(),
                    reason: format!(
                        "header declares {} frames but the stream ends before the first complete packet",
                        self.declared_frames.unwrap_or(0)
                    ),
                }
            }
            None => AudioError::NoSamples {
                path: self.path.clone(),
            },
        }
    }

    /// Checks, for codecs of exact length, that every declared frame is
    /// there: seeks to the last one and decodes from there to the end (cheap:
    /// what lies between is not read). Streams that cannot seek are left to
    /// decoding.
    pub(crate) fn check_length(&mut self) -> Result<(), AudioError> {
        let Some(declared) = self.declared_frames.filter(|&d| d > 0) else {
            return Ok(());
        };
        if !self.exact_length {
            return Ok(());
        }
        let cut_short = |path: &Path| AudioError::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "header declares {declared} frames but the stream ends before the last of them"
            ),
        };
        let last = Timestamp::new(i64::try_from(declared - 1).unwrap_or(i64::MAX));
        match self.format.seek(
            SeekMode::Accurate,
            SeekTo::Timestamp {
                ts: last,
                track_id: self.track_id,
            },
        ) {
            Ok(_) => {}
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(cut_short(&self.path))
            }
            Err(_) => return Ok(()),
        }
        self.decoder.reset();
        let mut end = 0u64;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => break,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(cut_short(&self.path))
                }
                Err(e) => return Err(malformed(&self.path, e.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let start = u64::try_from(packet.pts.get()).unwrap_or(0);
            match self.decoder.decode(&packet) {
                Ok(buf) => end = end.max(start + buf.frames() as u64),
                Err(SymError::DecodeError(_)) => {}
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(cut_short(&self.path))
                }
                Err(e) => return Err(malformed(&self.path, e.to_string())),
            }
        }
        if end < declared {
            return Err(AudioError::Truncated {
                path: self.path.clone(),
                reason: format!("header declares {declared} frames but only {end} could be read"),
            });
        }
        Ok(())
    }
}

fn unsupported(path: &Path, reason: String) -> AudioError {
    AudioError::Unsupported {
        path: path.to_path_buf(),
        reason,
    }
}

fn malformed(path: &Path, reason: String) -> AudioError {
    AudioError::Malformed {
        path: path.to_path_buf(),
        reason,
    }
}

/// Codecs whose frame count in the header is exact, so fewer decoded frames
/// than declared means the file was cut short.
fn has_exact_length(codec: AudioCodecId) -> bool {
    (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&codec)
        || codec == CODEC_ID_FLAC
        || codec == CODEC_ID_ALAC
}
