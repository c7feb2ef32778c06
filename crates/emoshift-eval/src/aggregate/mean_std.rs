//! Mean ± sample standard deviation over trials.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::check_values;
use crate::metrics::{ClassificationReport, Metric};
use crate::EvalError;

/// Mean and sample standard deviation (ddof = 1, numpy's `std(ddof=1)`) of
/// a metric over trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation; `None` for a single trial, which has none.
    pub std: Option<f64>,
    /// Number of trials.
    pub n: usize,
}

impl MeanStd {
    /// Mean and sample standard deviation of `values` (one per trial).
    pub fn of(values: &[f64]) -> Result<Self, EvalError> {
        check_values("mean ± std", values)?;
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = (n > 1).then(|| {
            let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (ss / (n - 1) as f64).sqrt()
        });
        Ok(Self { mean, std, n })
    }

    /// Mean ± std of `metric` over the reports of several trials. Trials
    /// where the metric is undefined (e.g. AUROC with one class present) are
    /// left out; `n` counts the others. An error if none remains.
    pub fn of_metric(reports: &[ClassificationReport], metric: Metric) -> Result<Self, EvalError> {
        let values: Vec<f64> = reports.iter().filter_map(|r| metric.of(r)).collect();
        if values.is_empty() {
            return Err(EvalError::input(format!(
                "{metric} is undefined in all {} trials",
                reports.len()
            )));
        }
        Self::of(&values)
    }

    /// The same summary with mean and std multiplied by `factor` (e.g. 100
    /// for percentages).
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            mean: self.mean * factor,
            std: self.std.map(|s| s * factor.abs()),
            n: self.n,
        }
    }
}

/// "41.83 ± 1.22" (or "41.83" for one trial), using the formatter's
/// precision, 2 decimals by default.
impl fmt::Display for MeanStd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = f.precision().unwrap_or(2);
        match self.std {
            Some(std) => write!(f, "{:.p$} ± {:.p$}", self.mean, std),
            None => write!(f, "{:.p$}", self.mean),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_std_by_hand() {
        // mean 2.5, Σ(v−m)² = 5, s = √(5/3)
        let ms = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(ms.mean, 2.5);
        assert!((ms.std.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(format!("{ms}"), "2.50 ± 1.29");
        assert_eq!(format!("{:.1}", ms.scaled(10.0)), "25.0 ± 12.9");
    }

    #[test]
    fn metric_over_trial_reports() {
        let names = ["a", "b"];
        let probs = [[0.9f32, 0.1], [0.4, 0.6], [0.3, 0.7]];
        let trials: Vec<ClassificationReport> = [[0, 1, 1], [0, 0, 1], [1, 1, 1]]
            .iter()
            .map(|y| crate::evaluate(y, &probs, &names).unwrap())
            .collect();
        // Accuracies 1, 2/3 and 2/3.
        let acc = MeanStd::of_metric(&trials, Metric::Accuracy).unwrap();
        assert!((acc.mean - 7.0 / 9.0).abs() < 1e-12 && acc.n == 3);
        // AUROC is undefined in the third trial (only class 1 present).
        assert_eq!(MeanStd::of_metric(&trials, Metric::Auroc).unwrap().n, 2);
        assert!(MeanStd::of_metric(&trials[2..], Metric::Auroc).is_err());
    }

    #[test]
    fn single_trial_has_no_std() {
        let ms = MeanStd::of(&[0.4]).unwrap();
        assert_eq!(ms.std, None);
        assert_eq!(format!("{:.3}", ms), "0.400");
        assert!(MeanStd::of(&[]).is_err());
    }
}
