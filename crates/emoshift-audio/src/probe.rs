//! Cheap checks of an audio file without decoding it all: the container is
//! found by content (a FLAC or MP3 stream named `.wav` is read as what it is),
//! the first block of samples is decoded, and for codecs of exact length
//! (PCM, FLAC, ALAC) the last declared frame is sought, so empty, header-only
//! and truncated files are caught. [`crate::decode::decode_bytes`] runs the
//! same probe first, so a file the probe rejects fails decoding with the same
//! [`AudioError`]. What only full decoding can see (NaN samples, a corrupt
//! packet mid-stream, a cut lossy stream) passes the probe.

use std::io::Cursor;
use std::path::Path;

use symphonia::core::io::MediaSource;

use crate::container::Stream;
use crate::AudioError;

/// What a probe found out about an audio file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: usize,
    /// Frames per channel the header declares, where it does.
    pub frames: Option<u64>,
}

impl AudioInfo {
    /// Duration in seconds, where the header declares the length.
    pub fn duration_seconds(&self) -> Option<f64> {
        self.frames
            .map(|f| f as f64 / f64::from(self.sample_rate.max(1)))
    }
}

/// Probes the audio file at `path` (see the module doc), reading only its
/// header, first packet and last packets.
pub fn probe_file(path: &Path) -> Result<AudioInfo, AudioError> {
    let unreadable = |cause| AudioError::Unreadable {
        path: path.to_path_buf(),
        cause,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() == 0 {
        return Err(AudioError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    probe_source(Box::new(file), path)
}

/// Probes an audio file held in memory; `path` names it in errors.
pub fn probe_bytes(bytes: &[u8], path: &Path) -> Result<AudioInfo, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    probe_source(Box::new(Cursor::new(bytes)), path)
}

fn probe_source<'s>(
    source: Box<dyn MediaSource + 's>,
    path: &Path,
) -> Result<AudioInfo, AudioError> {
    let mut stream = Stream::open(source, path)?;
    let mut channels = None;
    while channels.is_none() {
        let more = stream.next_block(|buf| {
            if buf.frames() > 0 {
                channels = Some(buf.spec().channels().count().max(1));
            }
        })?;
        if !more {
            break;
        }
    }
    let sample_rate = stream.sample_rate()?;
    let Some(channels) = channels else {
        return Err(stream.no_samples());
    };
    stream.check_length()?;
    Ok(AudioInfo {
        sample_rate,
        channels,
        frames: stream.declared_frames(),
    })
}
