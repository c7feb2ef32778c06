//! The quality-gate flags shared by `corpora scan`, `features extract`,
//! `predict` and `serve` (see `emoshift_audio::quality` for the checks).

use anyhow::{anyhow, Result};
use emoshift_audio::QualityGates;

/// Flags that replace single thresholds of the quality gates; the others
/// keep their values (the defaults, or for `predict` and `serve` those the
/// model was trained with).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QualityArgs {
    /// Refuse recordings shorter than this many seconds (default 0.025).
    #[arg(long, value_name = "SECONDS")]
    pub min_seconds: Option<f64>,
    /// Refuse recordings longer than this many seconds (default: no limit;
    /// `serve`: 600).
    #[arg(long, value_name = "SECONDS")]
    pub max_seconds: Option<f64>,
    /// Refuse sample rates below this, in Hz (default 4000).
    #[arg(long, value_name = "HZ")]
    pub min_sample_rate: Option<u32>,
    /// Refuse sample rates above this, in Hz (default 384000).
    #[arg(long, value_name = "HZ")]
    pub max_sample_rate: Option<u32>,
    /// Refuse recordings whose RMS level is at or below this, in dBFS (default -70).
    #[arg(long, value_name = "DBFS", allow_hyphen_values = true)]
    pub silence_dbfs: Option<f32>,
    /// Refuse recordings with a larger share of clipped samples (default 0.1).
    #[arg(long, value_name = "SHARE")]
    pub max_clipped_share: Option<f64>,
}

impl QualityArgs {
    /// `base` with the thresholds given on the command line, checked.
    pub fn apply(&self, base: QualityGates) -> Result<QualityGates> {
        let mut gates = base;
        if let Some(v) = self.min_seconds {
            gates.min_seconds = v;
        }
        if let Some(v) = self.max_seconds {
            gates.max_seconds = Some(v);
        }
        if let Some(v) = self.min_sample_rate {
            gates.min_sample_rate = v;
        }
        if let Some(v) = self.max_sample_rate {
            gates.max_sample_rate = v;
        }
        if let Some(v) = self.silence_dbfs {
            gates.silence_dbfs = v;
        }
        if let Some(v) = self.max_clipped_share {
            gates.max_clipped_share = v;
        }
        gates
            .validate()
            .map_err(|e| anyhow!("quality gates: {e}"))?;
        Ok(gates)
    }
}
