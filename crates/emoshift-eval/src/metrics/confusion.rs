//! The confusion matrix and the metrics that follow from its counts.
//!
//! Conventions follow scikit-learn with `labels = 0..n_classes` and
//! `zero_division = 0`: a ratio whose denominator is zero counts as 0.
//! The one deliberate exception is [`ConfusionMatrix::uar`], which averages
//! recall over the classes present in `y_true` only, like scikit-learn's
//! `balanced_accuracy_score`; see its documentation.

use serde::{Deserialize, Serialize};

use super::input::validate_labels;
use crate::EvalError;

/// Counts of (true class, predicted class) pairs: `counts[t][p]`, rows are
/// the true classes and columns the predictions (scikit-learn's layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// `counts[t][p]`: utterances of true class `t` predicted as `p`.
    pub counts: Vec<Vec<u64>>,
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassCounts {
    /// tp / (tp + fp), 0 when the class is never predicted.
    pub precision: f64,
    /// tp / (tp + fn), 0 when the class is absent from `y_true`.
    pub recall: f64,
    /// 2·tp / (2·tp + fp + fn), 0 when that denominator is 0.
    pub f1: f64,
    /// Number of utterances of this class in `y_true`.
    pub support: u64,
}

/// Divides, returning 0 for a zero denominator (`zero_division = 0`).
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

impl ConfusionMatrix {
    /// Counts predictions against true labels for `n_classes` classes.
    pub fn new(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<Self, EvalError> {
        if y_true.len() != y_pred.len() {
            return Err(EvalError::input(format!(
                "{} labels but {} predictions",
                y_true.len(),
                y_pred.len()
            )));
        }
        validate_labels(y_true, n_classes)?;
        validate_labels(y_pred, n_classes)?;
        let mut counts = vec![vec![0u64; n_classes]; n_classes];
        for (&t, &p) in y_true.iter().zip(y_pred) {
            counts[t][p] += 1;
        }
        Ok(Self { counts })
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Number of utterances counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Number of utterances of each true class.
    pub fn supports(&self) -> Vec<u64> {
        self.counts.iter().map(|row| row.iter().sum()).collect()
    }

    /// Fraction of utterances predicted correctly (weighted accuracy, WA).
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.n_classes()).map(|c| self.counts[c][c]).sum();
        ratio(correct, self.total())
    }

    /// Precision, recall, F1 and support of each class.
    pub fn per_class(&self) -> Vec<ClassCounts> {
        let n = self.n_classes();
        (0..n)
            .map(|c| {
                let tp = self.counts[c][c];
                let support: u64 = self.counts[c].iter().sum();
                let predicted: u64 = (0..n).map(|t| self.counts[t][c]).sum();
                let (fn_, fp) = (support - tp, predicted - tp);
                ClassCounts {
                    precision: ratio(tp, predicted),
                    recall: ratio(tp, support),
                    f1: ratio(2 * tp, 2 * tp + fp + fn_),
                    support,
                }
            })
            .collect()
    }

    /// Unweighted average recall (UAR): mean recall over the classes that
    /// occur in `y_true`. Classes without true utterances have no defined
    /// recall and are left out, as in scikit-learn's
    /// `balanced_accuracy_score`; [`ConfusionMatrix::macro_recall`] keeps them
    /// as 0 instead.
    pub fn uar(&self) -> f64 {
        let present: Vec<f64> = self
            .per_class()
            .iter()
            .filter(|c| c.support > 0)
            .map(|c| c.recall)
            .collect();
        present.iter().sum::<f64>() / present.len().max(1) as f64
    }

    /// Mean precision over all classes (scikit-learn `average='macro'`).
    pub fn macro_precision(&self) -> f64 {
        mean(self.per_class().iter().map(|c| c.precision))
    }

    /// Mean recall over all classes, absent ones counting 0 (scikit-learn
    /// `average='macro'`, `zero_division=0`).
    pub fn macro_recall(&self) -> f64 {
        mean(self.per_class().iter().map(|c| c.recall))
    }

    /// Mean F1 over all classes, absent ones counting 0 (scikit-learn
    /// `average='macro'`, `zero_division=0`).
    pub fn macro_f1(&self) -> f64 {
        mean(self.per_class().iter().map(|c| c.f1))
    }

    /// F1 averaged with weights proportional to each class's support
    /// (scikit-learn `average='weighted'`).
    pub fn weighted_f1(&self) -> f64 {
        let per_class = self.per_class();
        let total: u64 = per_class.iter().map(|c| c.support).sum();
        if total == 0 {
            return 0.0;
        }
        per_class
            .iter()
            .map(|c| c.f1 * c.support as f64)
            .sum::<f64>()
            / total as f64
    }
}

/// Arithmetic mean of a non-empty iterator (0 for an empty one).
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ratios_by_hand() {
        // true:  0 0 0 1 1 2 ; pred: 0 1 0 1 2 2
        let cm = ConfusionMatrix::new(&[0, 0, 0, 1, 1, 2], &[0, 1, 0, 1, 2, 2], 3).unwrap();
        assert_eq!(cm.counts, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
        assert!((cm.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        let pc = cm.per_class();
        assert!((pc[0].precision - 1.0).abs() < 1e-12);
        assert!((pc[0].recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((pc[1].f1 - 0.5).abs() < 1e-12);
        assert!((pc[2].precision - 0.5).abs() < 1e-12);
        assert!((cm.uar() - (2.0 / 3.0 + 0.5 + 1.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn absent_class_is_zero_in_macro_but_left_out_of_uar() {
        // Class 2 never occurs and is never predicted.
        let cm = ConfusionMatrix::new(&[0, 1, 1], &[0, 1, 0], 3).unwrap();
        assert!((cm.uar() - 0.75).abs() < 1e-12);
        assert!((cm.macro_recall() - 0.5).abs() < 1e-12);
        assert_eq!(cm.per_class()[2].f1, 0.0);
    }

    #[test]
    fn rejects_out_of_range_and_mismatched_inputs() {
        assert!(ConfusionMatrix::new(&[0, 3], &[0, 1], 3).is_err());
        assert!(ConfusionMatrix::new(&[0, 1], &[0], 3).is_err());
    }
}
