//! Classification metrics from true labels and per-class scores, with
//! scikit-learn's conventions (checked against committed fixtures).
//!
//! Handling of classes absent from `y_true` (e.g. ShEMO has no disgust):
//! - precision, recall and F1 use `labels = 0..n_classes`, `zero_division = 0`,
//!   so an absent class counts 0 in the macro means and weighs 0 in the
//!   weighted F1;
//! - UAR averages recall over the present classes only (scikit-learn's
//!   `balanced_accuracy_score`);
//! - AUROC and average precision skip the classes where they are undefined
//!   and name them in the report (`auroc.skipped`, `average_precision.skipped`).

mod confusion;
mod input;
mod metric;
mod ranking;

use serde::{Deserialize, Serialize};

pub use confusion::{ClassCounts, ConfusionMatrix};
pub use input::{argmax_predictions, validate};
pub use metric::Metric;
pub use ranking::{
    auroc_ovr, average_precision_binary, average_precision_ovr, roc_auc_binary, RankingScore,
};

use crate::EvalError;

/// Everything measured on one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Class names, indexed by label.
    pub class_names: Vec<String>,
    /// Number of utterances evaluated.
    pub n_samples: usize,
    /// Fraction predicted correctly (weighted accuracy).
    pub accuracy: f64,
    /// Unweighted average recall over the classes present in `y_true`.
    pub uar: f64,
    /// Mean precision over all classes (`zero_division = 0`).
    pub macro_precision: f64,
    /// Mean recall over all classes, absent ones counting 0.
    pub macro_recall: f64,
    /// Mean F1 over all classes, absent ones counting 0.
    pub macro_f1: f64,
    /// F1 weighted by class support.
    pub weighted_f1: f64,
    /// One-vs-rest ROC AUC (macro; binary: class 1).
    pub auroc: RankingScore,
    /// Average precision (macro over one-hot labels; binary: class 1).
    pub average_precision: RankingScore,
    /// Per-class precision, recall, F1 and support.
    pub per_class: Vec<ClassMetrics>,
    /// Confusion matrix, rows true and columns predicted classes.
    pub confusion: ConfusionMatrix,
}

/// Metrics of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class name.
    pub name: String,
    /// Precision, recall, F1 and support.
    #[serde(flatten)]
    pub counts: ClassCounts,
}

/// Evaluates scores (`probs[i][c]`, one row per utterance) against true
/// labels. Predictions are the argmax of each row. `class_names` fixes the
/// number of classes and their names.
pub fn evaluate<R: AsRef<[f32]>, S: AsRef<str>>(
    y_true: &[usize],
    probs: &[R],
    class_names: &[S],
) -> Result<ClassificationReport, EvalError> {
    let n_classes = class_names.len();
    validate(y_true, probs, n_classes)?;
    let y_pred = argmax_predictions(probs);
    let confusion = ConfusionMatrix::new(y_true, &y_pred, n_classes)?;
    let per_class = confusion
        .per_class()
        .into_iter()
        .zip(class_names)
        .map(|(counts, name)| ClassMetrics {
            name: name.as_ref().to_string(),
            counts,
        })
        .collect();
    Ok(ClassificationReport {
        class_names: class_names.iter().map(|s| s.as_ref().to_string()).collect(),
        n_samples: y_true.len(),
        accuracy: confusion.accuracy(),
        uar: confusion.uar(),
        macro_precision: confusion.macro_precision(),
        macro_recall: confusion.macro_recall(),
        macro_f1: confusion.macro_f1(),
        weighted_f1: confusion.weighted_f1(),
        auroc: auroc_ovr(y_true, probs, n_classes)?,
        average_precision: average_precision_ovr(y_true, probs, n_classes)?,
        per_class,
        confusion,
    })
}
