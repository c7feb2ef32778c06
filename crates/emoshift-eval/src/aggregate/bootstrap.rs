//! Percentile bootstrap confidence intervals over utterances.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::metrics::{validate, Metric};
use crate::EvalError;

/// Settings of a percentile bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of resamples (each draws n utterances with replacement).
    pub n_resamples: usize,
    /// Coverage of the interval, e.g. 0.95.
    pub confidence: f64,
    /// Seed of the resampling generator (ChaCha8).
    pub seed: u64,
}

impl Default for BootstrapConfig {
    /// 1000 resamples, 95 %, seed 0.
    fn default() -> Self {
        Self {
            n_resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A statistic with its percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// The statistic on the full sample.
    pub estimate: f64,
    /// Lower bound, the (1 − confidence)/2 quantile of the resampled values.
    pub lower: f64,
    /// Upper bound, the (1 + confidence)/2 quantile of the resampled values.
    pub upper: f64,
    /// Coverage asked for.
    pub confidence: f64,
    /// Resamples on which the statistic was defined (e.g. AUROC needs both
    /// classes); the interval uses these only.
    pub n_valid: usize,
}

/// Quantile `q` of sorted values with linear interpolation (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let lo = position.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (position - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile bootstrap interval of any statistic of `n_items` utterances.
/// `statistic` receives the indices of one sample (the identity for the
/// estimate, n draws with replacement for each resample) and returns `None`
/// where it is undefined; such resamples are left out and counted.
/// Deterministic for a given seed.
pub fn bootstrap_ci<F>(
    n_items: usize,
    config: &BootstrapConfig,
    mut statistic: F,
) -> Result<ConfidenceInterval, EvalError>
where
    F: FnMut(&[usize]) -> Option<f64>,
{
    if config.n_resamples == 0 {
        return Err(EvalError::config("n_resamples", 0, "at least 1"));
    }
    if !(config.confidence > 0.0 && config.confidence < 1.0) {
        return Err(EvalError::config(
            "confidence",
            config.confidence,
            "strictly between 0 and 1",
        ));
    }
    if n_items == 0 {
        return Err(EvalError::input("bootstrap: no utterances"));
    }
    let identity: Vec<usize> = (0..n_items).collect();
    let estimate = statistic(&identity)
        .ok_or_else(|| EvalError::input("bootstrap: statistic undefined on the full sample"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut indices = vec![0usize; n_items];
    let mut values = Vec::with_capacity(config.n_resamples);
    for _ in 0..config.n_resamples {
        for index in indices.iter_mut() {
            *index = rng.random_range(0..n_items);
        }
        values.extend(statistic(&indices).filter(|v| v.is_finite()));
    }
    if values.is_empty() {
        return Err(EvalError::input(
            "bootstrap: statistic undefined on every resample",
        ));
    }
    values.sort_by(f64::total_cmp);
    let alpha = (1.0 - config.confidence) / 2.0;
    Ok(ConfidenceInterval {
        estimate,
        lower: quantile(&values, alpha),
        upper: quantile(&values, 1.0 - alpha),
        confidence: config.confidence,
        n_valid: values.len(),
    })
}

/// Percentile bootstrap interval of a classification metric, resampling
/// utterances (label and score row together).
pub fn bootstrap_metric<R: AsRef<[f32]>>(
    y_true: &[usize],
    probs: &[R],
    n_classes: usize,
    metric: Metric,
    config: &BootstrapConfig,
) -> Result<ConfidenceInterval, EvalError> {
    validate(y_true, probs, n_classes)?;
    bootstrap_ci(y_true.len(), config, |indices| {
        let labels: Vec<usize> = indices.iter().map(|&i| y_true[i]).collect();
        let rows: Vec<&[f32]> = indices.iter().map(|&i| probs[i].as_ref()).collect();
        metric.compute(&labels, &rows, n_classes).ok().flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], 25) == 1.75
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn mean_interval_covers_estimate_and_is_seeded() {
        let data: Vec<f64> = (0..200).map(|i| (i % 10) as f64).collect();
        let mean =
            |idx: &[usize]| Some(idx.iter().map(|&i| data[i]).sum::<f64>() / idx.len() as f64);
        let config = BootstrapConfig::default();
        let ci = bootstrap_ci(data.len(), &config, mean).unwrap();
        assert_eq!(ci.estimate, 4.5);
        assert!(ci.lower < 4.5 && 4.5 < ci.upper);
        // Standard error of the mean is 2.87/√200 ≈ 0.203: the 95 % interval
        // is about ±0.40 wide on each side.
        assert!((ci.upper - ci.lower - 0.8).abs() < 0.15, "{ci:?}");
        assert_eq!(ci, bootstrap_ci(data.len(), &config, mean).unwrap());
        let other = BootstrapConfig { seed: 1, ..config };
        assert_ne!(ci, bootstrap_ci(data.len(), &other, mean).unwrap());
    }

    #[test]
    fn metric_interval_and_settings_checked() {
        let y = [0, 1, 1, 0, 1, 0, 0, 1];
        let probs: Vec<[f32; 2]> = y
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if (c == 1) == (i % 4 != 0) {
                    [0.3, 0.7]
                } else {
                    [0.8, 0.2]
                }
            })
            .collect();
        let config = BootstrapConfig {
            n_resamples: 200,
            ..Default::default()
        };
        let ci = bootstrap_metric(&y, &probs, 2, Metric::Accuracy, &config).unwrap();
        assert_eq!(ci.estimate, 0.75);
        assert!(ci.lower <= 0.75 && ci.upper >= 0.75 && ci.n_valid == 200);
        let auroc = bootstrap_metric(&y, &probs, 2, Metric::Auroc, &config).unwrap();
        // Positive scores 0.7, 0.7, 0.7, 0.2 against negatives 0.7, 0.2, 0.2,
        // 0.2: 12 of 16 pairs won (ties half).
        assert_eq!(auroc.estimate, 0.75);
        assert!(auroc.lower <= 0.75 && auroc.upper >= 0.75);
        let bad = BootstrapConfig {
            confidence: 1.0,
            ..config
        };
        assert!(bootstrap_metric(&y, &probs, 2, Metric::Accuracy, &bad).is_err());
    }
}
