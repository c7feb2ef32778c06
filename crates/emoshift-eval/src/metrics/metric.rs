//! Names for the scalar metrics, to pick one for tables, bootstrap intervals
//! or model selection.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{auroc_ovr, average_precision_ovr, validate, ClassificationReport, ConfusionMatrix};
use crate::EvalError;

/// A scalar classification metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Fraction predicted correctly.
    Accuracy,
    /// Unweighted average recall.
    Uar,
    /// Macro F1.
    MacroF1,
    /// Support-weighted F1.
    WeightedF1,
    /// One-vs-rest ROC AUC (macro).
    Auroc,
    /// Average precision (macro).
    AveragePrecision,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 6] = [
        Metric::Accuracy,
        Metric::Uar,
        Metric::MacroF1,
        Metric::WeightedF1,
        Metric::Auroc,
        Metric::AveragePrecision,
    ];

    /// The snake_case name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Uar => "uar",
            Metric::MacroF1 => "macro_f1",
            Metric::WeightedF1 => "weighted_f1",
            Metric::Auroc => "auroc",
            Metric::AveragePrecision => "average_precision",
        }
    }

    /// A short label for tables ("ACC", "UAR", "F1", "wF1", "AUROC", "AvPrec").
    pub fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "ACC",
            Metric::Uar => "UAR",
            Metric::MacroF1 => "F1",
            Metric::WeightedF1 => "wF1",
            Metric::Auroc => "AUROC",
            Metric::AveragePrecision => "AvPrec",
        }
    }

    /// The metric's value in a report (`None` when undefined, e.g. AUROC
    /// with a single class present).
    pub fn of(self, report: &ClassificationReport) -> Option<f64> {
        match self {
            Metric::Accuracy => Some(report.accuracy),
            Metric::Uar => Some(report.uar),
            Metric::MacroF1 => Some(report.macro_f1),
            Metric::WeightedF1 => Some(report.weighted_f1),
            Metric::Auroc => report.auroc.value,
            Metric::AveragePrecision => report.average_precision.value,
        }
    }

    /// Computes only this metric from labels and scores.
    pub fn compute<R: AsRef<[f32]>>(
        self,
        y_true: &[usize],
        probs: &[R],
        n_classes: usize,
    ) -> Result<Option<f64>, EvalError> {
        validate(y_true, probs, n_classes)?;
        let confusion =
            || ConfusionMatrix::new(y_true, &super::argmax_predictions(probs), n_classes);
        Ok(match self {
            Metric::Accuracy => Some(confusion()?.accuracy()),
            Metric::Uar => Some(confusion()?.uar()),
            Metric::MacroF1 => Some(confusion()?.macro_f1()),
            Metric::WeightedF1 => Some(confusion()?.weighted_f1()),
            Metric::Auroc => auroc_ovr(y_true, probs, n_classes)?.value,
            Metric::AveragePrecision => average_precision_ovr(y_true, probs, n_classes)?.value,
        })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                EvalError::config("metric", s, &format!("one of {}", names.join(", ")))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_lists_valid() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        }
        let err = "acc".parse::<Metric>().unwrap_err().to_string();
        assert!(err.contains("`acc`") && err.contains("macro_f1"), "{err}");
    }

    #[test]
    fn compute_agrees_with_report() {
        let probs = [
            [0.6f32, 0.3, 0.1],
            [0.1, 0.5, 0.4],
            [0.2, 0.3, 0.5],
            [0.5, 0.4, 0.1],
        ];
        let y = [0, 2, 2, 1];
        let report = super::super::evaluate(&y, &probs, &["a", "b", "c"]).unwrap();
        for m in Metric::ALL {
            assert_eq!(m.compute(&y, &probs, 3).unwrap(), m.of(&report), "{m}");
        }
    }
}
