//! symphonia's probe with its WAV reader behind a check of the `fmt ` chunks.
//!
//! symphonia 0.6.1's WAV reader overflows on two kinds of `fmt ` chunk: a
//! panic in builds with overflow checks (tests, debug builds), a wrapped value
//! without. [`CheckedWav`] fails those files with the error symphonia gives
//! when it computes correctly, before its reader sees them, and hands every
//! other WAV file to it unchanged:
//! - a `WAVE_FORMAT_EXTENSIBLE` channel mask with fewer bits than channels is
//!   widened with shifts that overflow when the mask has bit 31 set or lacks
//!   32 or more channels (and without overflow checks comes out as a garbage
//!   channel layout). Widened correctly, such a mask always has bits beyond
//!   the 18 standard speaker positions: "too many channels in mask";
//! - a PCM chunk's expected block align (channels × bytes per sample, only
//!   logged) overflows 16 bits with more than 16383 channels, which symphonia
//!   then rejects as an invalid channel count.
//!
//! A file with further faults in the same chunk may get this error instead of
//! the one symphonia would have named first.

use std::io::{Seek, SeekFrom};
use std::sync::LazyLock;

use symphonia::core::common::Tier;
use symphonia::core::errors::{Error as SymError, Result as SymResult};
use symphonia::core::formats::prelude::{
    FormatInfo, FormatOptions, FormatReader, MediaInfo, Packet, SeekMode, SeekTo, SeekedTo, Track,
};
use symphonia::core::formats::probe::{Probe, ProbeFormatData, ProbeableFormat, Score, Scoreable};
use symphonia::core::io::{MediaSourceStream, ReadBytes, ScopedStream, SeekBuffered};
use symphonia::core::meta::Metadata;
use symphonia::default::formats::WavReader;

/// symphonia's default probe, with [`CheckedWav`] ahead of its WAV reader.
pub(crate) static PROBE: LazyLock<Probe> = LazyLock::new(|| {
    let mut probe = Probe::default();
    probe.register_format_at_tier::<CheckedWav>(Tier::Preferred);
    symphonia::default::register_enabled_formats(&mut probe);
    probe
});

/// The reason symphonia gives for a channel mask beyond the standard positions.
const TOO_MANY_CHANNELS: &str = "wav: too many channels in mask for fmt_ext";

/// `KSDATAFORMAT_SUBTYPE_*` GUIDs of PCM, IEEE float, µ-law and A-law: the
/// sub-formats whose channel mask symphonia widens (ambisonic ones map the
/// channel count instead). They differ only in the first byte.
const SUBTYPE_TAIL: [u8; 15] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/// A WAV "reader" that only checks the file and then opens symphonia's own
/// (module doc); never instantiated.
pub(crate) enum CheckedWav {}

/// True when symphonia's widening of `mask` to `channels` bits would overflow.
fn mask_overflows(mask: u32, channels: u16) -> bool {
    let missing = i64::from(channels) - i64::from(mask.count_ones());
    missing > 0 && (missing >= 32 || mask & 0x8000_0000 != 0)
}

/// The error symphonia would give for a `fmt ` chunk (its first `len.min(40)`
/// bytes in `body`) where its own arithmetic overflows instead, if it does.
fn overflow_error(body: &[u8], len: u32) -> Option<SymError> {
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let (format, channels, bits) = (u16_at(0), u16_at(2), u16_at(14));
    match format {
        // PCM: the expected block align, `channels × bytes per sample`, is
        // computed in 16 bits before the channel count (at most 26) is checked.
        0x0001
            if matches!(len, 16 | 18 | 40)
                && matches!(bits, 8 | 16 | 24 | 32)
                && u32::from(channels) * u32::from(bits / 8) > u32::from(u16::MAX) =>
        {
            Some(SymError::DecodeError("riff: invalid channel count"))
        }
        // WAVE_FORMAT_EXTENSIBLE: the channel mask (module doc).
        0xfffe
            if body.len() >= 40
                && u16_at(16) == 22
                && bits & 7 == 0
                && matches!(body[24], 0x01 | 0x03 | 0x06 | 0x07)
                && body[25..40] == SUBTYPE_TAIL
                && mask_overflows(
                    u32::from_le_bytes([body[20], body[21], body[22], body[23]]),
                    channels,
                ) =>
        {
            Some(SymError::Unsupported(TOO_MANY_CHANNELS))
        }
        _ => None,
    }
}

/// Walks the chunks of the RIFF/WAVE stream at the current position up to the
/// `data` chunk, as symphonia's reader does, and returns the error of the
/// first `fmt ` chunk on which symphonia's arithmetic would overflow. A
/// stream that cannot be walked is left to symphonia, which fails on it.
fn fmt_overflow(mss: &mut MediaSourceStream<'_>) -> Option<SymError> {
    let mut walk = || -> std::io::Result<Option<SymError>> {
        mss.ignore_bytes(12)?; // "RIFF", its length, "WAVE"
        loop {
            let tag = mss.read_quad_bytes()?;
            let len = mss.read_u32()?;
            let mut unread = u64::from(len) + u64::from(len & 1);
            match &tag {
                b"data" => return Ok(None),
                b"fmt " if len >= 16 => {
                    let mut body = vec![0u8; len.min(40) as usize];
                    mss.read_buf_exact(&mut body)?;
                    if let Some(err) = overflow_error(&body, len) {
                        return Ok(Some(err));
                    }
                    unread -= body.len() as u64;
                }
                _ => {}
            }
            mss.ignore_bytes(unread)?;
        }
    };
    walk().unwrap_or(None)
}

impl<'s> ProbeableFormat<'s> for CheckedWav {
    fn try_probe_new(
        mut mss: MediaSourceStream<'s>,
        opts: FormatOptions,
    ) -> SymResult<Box<dyn FormatReader + 's>> {
        let start = mss.pos();
        let overflow = fmt_overflow(&mut mss);
        if mss.seek_buffered(start) != start {
            mss.seek(SeekFrom::Start(start))?;
        }
        if let Some(err) = overflow {
            return Err(err);
        }
        WavReader::try_probe_new(mss, opts)
    }

    fn probe_data() -> &'static [ProbeFormatData] {
        WavReader::probe_data()
    }
}

impl Scoreable for CheckedWav {
    fn score(src: ScopedStream<&mut MediaSourceStream<'_>>) -> SymResult<Score> {
        WavReader::score(src)
    }
}

impl FormatReader for CheckedWav {
    fn format_info(&self) -> &FormatInfo {
        match *self {}
    }
    fn media_info(&self) -> &MediaInfo {
        match *self {}
    }
    fn metadata(&mut self) -> Metadata<'_> {
        match *self {}
    }
    fn seek(&mut self, _: SeekMode, _: SeekTo) -> SymResult<SeekedTo> {
        match *self {}
    }
    fn tracks(&self) -> &[Track] {
        match *self {}
    }
    fn next_packet(&mut self) -> SymResult<Option<Packet>> {
        match *self {}
    }
    fn into_inner<'s>(self: Box<Self>) -> MediaSourceStream<'s>
    where
        Self: 's,
    {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflowing_masks_are_the_ones_symphonia_cannot_widen() {
        assert!(!mask_overflows(0b11, 2));
        assert!(!mask_overflows(0, 31));
        assert!(mask_overflows(0, 32));
        assert!(mask_overflows(0x8000_0000, 2));
        assert!(!mask_overflows(0x8000_0000, 1));
        assert!(!mask_overflows(u32::MAX, 2));
        assert!(mask_overflows(u32::MAX >> 1, 63));
    }

    #[test]
    fn pcm_block_align_overflows_past_16383_channels_of_32_bits() {
        let body = |channels: u16, bits: u16| {
            let mut b = vec![0u8; 16];
            b[0] = 1;
            b[2..4].copy_from_slice(&channels.to_le_bytes());
            b[14..16].copy_from_slice(&bits.to_le_bytes());
            b
        };
        assert!(overflow_error(&body(16_383, 32), 16).is_none());
        assert!(overflow_error(&body(16_384, 32), 16).is_some());
        assert!(overflow_error(&body(16_384, 32), 17).is_none());
        assert!(overflow_error(&body(u16::MAX, 12), 16).is_none());
        assert!(overflow_error(&body(u16::MAX, 8), 16).is_none());
        assert!(overflow_error(&body(u16::MAX, 16), 16).is_some());
    }
}
