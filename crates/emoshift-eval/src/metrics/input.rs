//! Checks on labels and score matrices, and argmax predictions.

use crate::EvalError;

/// Checks that `y_true` and `probs` describe the same utterances and that
/// every label and score row fits `n_classes` classes.
///
/// Scores must be finite; they need not sum to one (ranking metrics only use
/// their order, predictions their argmax).
pub fn validate<R: AsRef<[f32]>>(
    y_true: &[usize],
    probs: &[R],
    n_classes: usize,
) -> Result<(), EvalError> {
    if n_classes < 2 {
        return Err(EvalError::input(format!(
            "need at least 2 classes, got {n_classes}"
        )));
    }
    if y_true.is_empty() {
        return Err(EvalError::input("no utterances to evaluate"));
    }
    if y_true.len() != probs.len() {
        return Err(EvalError::input(format!(
            "{} labels but {} score rows",
            y_true.len(),
            probs.len()
        )));
    }
    validate_labels(y_true, n_classes)?;
    for (row, scores) in probs.iter().enumerate() {
        let scores = scores.as_ref();
        if scores.len() != n_classes {
            return Err(EvalError::input(format!(
                "score row {row} has {} values, expected {n_classes}",
                scores.len()
            )));
        }
        if let Some(class) = scores.iter().position(|s| !s.is_finite()) {
            return Err(EvalError::input(format!(
                "score row {row}, class {class} is not finite ({})",
                scores[class]
            )));
        }
    }
    Ok(())
}

/// Checks that every label is below `n_classes`.
pub fn validate_labels(labels: &[usize], n_classes: usize) -> Result<(), EvalError> {
    match labels.iter().position(|&l| l >= n_classes) {
        Some(index) => Err(EvalError::input(format!(
            "label {} at position {index} is out of range for {n_classes} classes",
            labels[index]
        ))),
        None => Ok(()),
    }
}

/// The predicted class of each row: the index of its largest score, the
/// first one on ties (numpy's `argmax`). Rows must be non-empty.
pub fn argmax_predictions<R: AsRef<[f32]>>(probs: &[R]) -> Vec<usize> {
    probs
        .iter()
        .map(|row| {
            let row = row.as_ref();
            let mut best = 0;
            for (class, &score) in row.iter().enumerate().skip(1) {
                if score > row[best] {
                    best = class;
                }
            }
            best
        })
        .collect()
}
