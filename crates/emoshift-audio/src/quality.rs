//! Audio quality gates: the checks a recording must pass before its features
//! may reach a model, the same in scanning, extraction, training and
//! prediction.
//!
//! A file fails with a named [`QualityIssue`] when its sample rate is outside
//! a sane range (a header declaring 1 Hz turns 2 KB into 1,000 s of audio),
//! it is shorter than one analysis window or longer than allowed, it is
//! digitally silent, or too much of it is clipped. NaN and infinite samples
//! are refused by the decoder itself ([`crate::AudioError::NonFinite`]).
//!
//! What only the samples show (silence, clipping) needs the decoded signal,
//! so a scan, which reads headers, checks the rate and the declared length
//! ([`QualityGates::check_header`]), and extraction and prediction check
//! everything ([`QualityGates::check`] on the [`AudioStats`] of the decoded
//! file, before resampling). The thresholds are configurable (`[quality]` in
//! an experiment file, flags of `scan`, `features extract`, `predict` and
//! `serve`); the defaults are chosen to refuse only recordings no label can
//! be trusted on.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::probe::{probe_bytes, AudioInfo};
use crate::{decode, Audio, AudioError};

/// A sample at or above this magnitude counts as clipped. Full scale is
/// 1.0 for float and 32767/32768 for 16-bit PCM; 8-bit PCM tops out at
/// 127/128 ≈ 0.992, so the bar sits just below that.
pub const CLIP_LEVEL: f32 = 0.99;

/// The thresholds a recording must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityGates {
    /// Shortest accepted recording, in seconds (default 0.025: one 25 ms
    /// analysis window, the papers' STFT window).
    pub min_seconds: f64,
    /// Longest accepted recording, in seconds; `None` accepts any length
    /// (`emoshift serve` sets one, so an upload cannot claim unbounded memory).
    pub max_seconds: Option<f64>,
    /// Lowest accepted sample rate in Hz (default 4000: below that, nothing
    /// of the voice above 2 kHz survives).
    pub min_sample_rate: u32,
    /// Highest accepted sample rate in Hz (default 384000, the highest rate
    /// audio interfaces record at).
    pub max_sample_rate: u32,
    /// A recording whose RMS level is at or below this many dB relative to
    /// full scale is silent (default -70: 16-bit dither alone sits near
    /// -100 dBFS, quiet speech near -40).
    pub silence_dbfs: f32,
    /// Largest accepted share of clipped samples (at or above
    /// [`CLIP_LEVEL`]) in the mono signal (default 0.1). Shouted speech
    /// clips now and then, and refusing it would thin out anger; a tenth of
    /// all samples at full scale is distortion, not speech.
    pub max_clipped_share: f64,
}

impl Default for QualityGates {
    fn default() -> Self {
        QualityGates {
            min_seconds: 0.025,
            max_seconds: None,
            min_sample_rate: 4_000,
            max_sample_rate: 384_000,
            silence_dbfs: -70.0,
            max_clipped_share: 0.1,
        }
    }
}

/// What the gates look at in a decoded recording (before resampling).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AudioStats {
    /// Samples per second as decoded.
    pub sample_rate: u32,
    /// Samples of the mono signal.
    pub frames: u64,
    /// RMS level in dB relative to full scale (-300 for all zeros, so the
    /// value stays a finite number in JSON).
    pub rms_dbfs: f32,
    /// Share of samples at or above [`CLIP_LEVEL`] in magnitude.
    pub clipped_share: f64,
}

impl AudioStats {
    /// The statistics of `audio`.
    pub fn of(audio: &Audio) -> Self {
        let n = audio.samples.len();
        let (sum_sq, clipped) =
            audio
                .samples
                .iter()
                .fold((0.0f64, 0usize), |(sum, clipped), &s| {
                    (
                        sum + f64::from(s) * f64::from(s),
                        clipped + usize::from(s.abs() >= CLIP_LEVEL),
                    )
                });
        let mean_sq = if n == 0 { 0.0 } else { sum_sq / n as f64 };
        AudioStats {
            sample_rate: audio.sample_rate,
            frames: n as u64,
            rms_dbfs: (10.0 * mean_sq.max(1e-30).log10()) as f32,
            clipped_share: if n == 0 {
                0.0
            } else {
                clipped as f64 / n as f64
            },
        }
    }

    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// Why a recording was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QualityIssue {
    /// The sample rate is outside the accepted range.
    #[error("sample rate {rate} Hz is outside {min}–{max} Hz")]
    SampleRate {
        /// The file's rate.
        rate: u32,
        /// Lowest accepted.
        min: u32,
        /// Highest accepted.
        max: u32,
    },
    /// Shorter than the shortest accepted recording.
    #[error("too short: {seconds:.4} s, shorter than {min} s")]
    TooShort {
        /// The file's duration.
        seconds: f64,
        /// The minimum.
        min: f64,
    },
    /// Longer than the longest accepted recording.
    #[error("too long: {seconds:.1} s, longer than {max} s")]
    TooLong {
        /// The file's duration.
        seconds: f64,
        /// The maximum.
        max: f64,
    },
    /// Digital silence.
    #[error("silent: RMS level {rms_dbfs:.1} dBFS, at or below {threshold} dBFS")]
    Silent {
        /// The file's RMS level.
        rms_dbfs: f32,
        /// The threshold.
        threshold: f32,
    },
    /// Too many clipped samples.
    #[error("clipped: {:.1} % of samples at full scale, more than {:.1} %", share * 100.0, max * 100.0)]
    Clipped {
        /// The share of clipped samples.
        share: f64,
        /// The largest accepted share.
        max: f64,
    },
}

impl QualityGates {
    /// Checks that the thresholds make sense.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.min_seconds.is_finite() && self.min_seconds >= 0.0) {
            return Err(format!(
                "min_seconds = {}: must be a number ≥ 0",
                self.min_seconds
            ));
        }
        if let Some(max) = self.max_seconds {
            if !(max.is_finite() && max > self.min_seconds) {
                return Err(format!(
                    "max_seconds = {max}: must be a number above min_seconds ({})",
                    self.min_seconds
                ));
            }
        }
        if self.min_sample_rate == 0 || self.min_sample_rate > self.max_sample_rate {
            return Err(format!(
                "sample rates {}–{} Hz: need 0 < min_sample_rate ≤ max_sample_rate",
                self.min_sample_rate, self.max_sample_rate
            ));
        }
        if !(self.silence_dbfs.is_finite() && self.silence_dbfs <= 0.0) {
            return Err(format!(
                "silence_dbfs = {}: must be a level ≤ 0 dBFS",
                self.silence_dbfs
            ));
        }
        if !(0.0..=1.0).contains(&self.max_clipped_share) {
            return Err(format!(
                "max_clipped_share = {}: must be a share between 0 and 1",
                self.max_clipped_share
            ));
        }
        Ok(())
    }

    /// The checks a header allows: sample rate and, where the header
    /// declares it, the length.
    pub fn check_header(&self, info: &AudioInfo) -> Result<(), QualityIssue> {
        self.check_declared(info.sample_rate, info.duration_seconds())
    }

    /// The same from a header's sample rate and, where known, duration.
    pub fn check_declared(
        &self,
        sample_rate: u32,
        seconds: Option<f64>,
    ) -> Result<(), QualityIssue> {
        self.check_rate(sample_rate)?;
        match seconds {
            Some(seconds) => self.check_length(seconds),
            None => Ok(()),
        }
    }

    /// Every check, on the statistics of a decoded recording.
    pub fn check(&self, stats: &AudioStats) -> Result<(), QualityIssue> {
        self.check_rate(stats.sample_rate)?;
        self.check_length(stats.seconds())?;
        if stats.rms_dbfs <= self.silence_dbfs {
            return Err(QualityIssue::Silent {
                rms_dbfs: stats.rms_dbfs,
                threshold: self.silence_dbfs,
            });
        }
        if stats.clipped_share > self.max_clipped_share {
            return Err(QualityIssue::Clipped {
                share: stats.clipped_share,
                max: self.max_clipped_share,
            });
        }
        Ok(())
    }

    /// Every check on `audio`, as an error naming `path`.
    pub fn check_audio(&self, audio: &Audio, path: &Path) -> Result<(), AudioError> {
        self.check(&AudioStats::of(audio))
            .map_err(|issue| rejected(path, issue))
    }

    /// Decodes the in-memory file `bytes` (named `path` in errors) if it
    /// passes every gate: the header is checked before any sample is
    /// decoded, so a declared length or rate out of range allocates nothing,
    /// and the decoded signal is checked before it is returned with its
    /// statistics.
    pub fn decode(&self, bytes: &[u8], path: &Path) -> Result<(Audio, AudioStats), AudioError> {
        let (audio, stats) = self.decode_checking_header(bytes, path)?;
        self.check(&stats).map_err(|issue| rejected(path, issue))?;
        Ok((audio, stats))
    }

    /// The first half of [`QualityGates::decode`]: the header checks, then
    /// the decoded signal and its statistics, not yet checked.
    pub fn decode_checking_header(
        &self,
        bytes: &[u8],
        path: &Path,
    ) -> Result<(Audio, AudioStats), AudioError> {
        let info = probe_bytes(bytes, path)?;
        self.check_header(&info)
            .map_err(|issue| rejected(path, issue))?;
        let max_frames = self
            .max_seconds
            .map(|s| (s * f64::from(info.sample_rate)).ceil() as u64);
        let audio = decode::decode_bytes_within(bytes, path, max_frames)?;
        let stats = AudioStats::of(&audio);
        Ok((audio, stats))
    }

    fn check_rate(&self, rate: u32) -> Result<(), QualityIssue> {
        if rate < self.min_sample_rate || rate > self.max_sample_rate {
            return Err(QualityIssue::SampleRate {
                rate,
                min: self.min_sample_rate,
                max: self.max_sample_rate,
            });
        }
        Ok(())
    }

    fn check_length(&self, seconds: f64) -> Result<(), QualityIssue> {
        if seconds < self.min_seconds {
            return Err(QualityIssue::TooShort {
                seconds,
                min: self.min_seconds,
            });
        }
        match self.max_seconds {
            Some(max) if seconds > max => Err(QualityIssue::TooLong { seconds, max }),
            _ => Ok(()),
        }
    }
}

/// `issue` as the error about `path`.
pub fn rejected(path: &Path, issue: QualityIssue) -> AudioError {
    AudioError::Rejected {
        path: path.to_path_buf(),
        issue,
    }
}
