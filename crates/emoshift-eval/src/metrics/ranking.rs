//! Ranking metrics from scores: ROC AUC and average precision, per class
//! one-vs-rest and their macro averages.
//!
//! Both walk the utterances by decreasing score and treat equal scores as one
//! threshold, exactly like scikit-learn's `_binary_clf_curve`: AUROC is the
//! trapezoidal area under that ROC curve (ties count half), average precision
//! is Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the distinct thresholds.
//!
//! Classes that make a metric undefined are skipped, not guessed: AUROC needs
//! at least one positive and one negative utterance, average precision at
//! least one positive. scikit-learn raises (AUROC) or warns and returns 0
//! (average precision) for such classes; we leave them out of the macro mean
//! and list them in [`RankingScore::skipped`].

use serde::{Deserialize, Serialize};

use super::input::validate;
use crate::EvalError;

/// A ranking metric over classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingScore {
    /// The summary value: the mean over the classes where the metric is
    /// defined, or for a binary task the positive class's value (`None`
    /// when undefined).
    pub value: Option<f64>,
    /// One-vs-rest value of each class (`None` where undefined).
    pub per_class: Vec<Option<f64>>,
    /// Classes left out of `value` because the metric is undefined for them.
    pub skipped: Vec<usize>,
}

/// Counts of positives and negatives at each distinct score threshold, in
/// decreasing score order: `(true positives, false positives)` so far.
fn threshold_counts(positive: &[bool], scores: &[f64]) -> Vec<(u64, u64)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut counts = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (rank, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = order
            .get(rank + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_group {
            counts.push((tp, fp));
        }
    }
    counts
}

/// Area under the ROC curve of a binary task (`positive[i]` true for the
/// positive class), `None` without both positives and negatives.
pub fn roc_auc_binary(positive: &[bool], scores: &[f64]) -> Option<f64> {
    let counts = threshold_counts(positive, scores);
    let &(n_pos, n_neg) = counts.last()?;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut area = 0.0;
    let (mut prev_tp, mut prev_fp) = (0u64, 0u64);
    for &(tp, fp) in &counts {
        area += (fp - prev_fp) as f64 * (tp + prev_tp) as f64 / 2.0;
        (prev_tp, prev_fp) = (tp, fp);
    }
    Some(area / (n_pos as f64 * n_neg as f64))
}

/// Average precision of a binary task (scikit-learn
/// `average_precision_score`), `None` without positives.
pub fn average_precision_binary(positive: &[bool], scores: &[f64]) -> Option<f64> {
    let counts = threshold_counts(positive, scores);
    let &(n_pos, _) = counts.last()?;
    if n_pos == 0 {
        return None;
    }
    let mut ap = 0.0;
    let mut prev_tp = 0u64;
    for &(tp, fp) in &counts {
        ap += (tp - prev_tp) as f64 / n_pos as f64 * (tp as f64 / (tp + fp) as f64);
        prev_tp = tp;
    }
    Some(ap)
}

/// Applies a binary ranking metric one-vs-rest to every class and averages.
/// For two classes the summary is the positive class's (class 1) value.
fn one_vs_rest<R: AsRef<[f32]>>(
    y_true: &[usize],
    probs: &[R],
    n_classes: usize,
    metric: fn(&[bool], &[f64]) -> Option<f64>,
) -> Result<RankingScore, EvalError> {
    validate(y_true, probs, n_classes)?;
    let per_class: Vec<Option<f64>> = (0..n_classes)
        .map(|class| {
            let positive: Vec<bool> = y_true.iter().map(|&y| y == class).collect();
            let scores: Vec<f64> = probs.iter().map(|r| f64::from(r.as_ref()[class])).collect();
            metric(&positive, &scores)
        })
        .collect();
    let (value, skipped) = if n_classes == 2 {
        let skipped = if per_class[1].is_none() {
            vec![1]
        } else {
            vec![]
        };
        (per_class[1], skipped)
    } else {
        let defined: Vec<f64> = per_class.iter().flatten().copied().collect();
        let skipped = (0..n_classes).filter(|&c| per_class[c].is_none()).collect();
        let value =
            (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
        (value, skipped)
    };
    Ok(RankingScore {
        value,
        per_class,
        skipped,
    })
}

/// One-vs-rest ROC AUC, macro-averaged over the classes where it is defined
/// (scikit-learn `roc_auc_score(multi_class='ovr', average='macro')`); for two
/// classes the AUROC of class 1's score (scikit-learn's binary case).
pub fn auroc_ovr<R: AsRef<[f32]>>(
    y_true: &[usize],
    probs: &[R],
    n_classes: usize,
) -> Result<RankingScore, EvalError> {
    one_vs_rest(y_true, probs, n_classes, roc_auc_binary)
}

/// Average precision on one-hot labels, macro-averaged over the classes
/// where it is defined (scikit-learn `average_precision_score(average='macro')`);
/// for two classes the average precision of class 1's score.
pub fn average_precision_ovr<R: AsRef<[f32]>>(
    y_true: &[usize],
    probs: &[R],
    n_classes: usize,
) -> Result<RankingScore, EvalError> {
    one_vs_rest(y_true, probs, n_classes, average_precision_binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_counts_ties_as_half() {
        // positives: 0.8, 0.5 ; negatives: 0.5, 0.1 → pairs: win, win, tie, win = 3.5 / 4
        let auc = roc_auc_binary(&[true, true, false, false], &[0.8, 0.5, 0.5, 0.1]).unwrap();
        assert!((auc - 0.875).abs() < 1e-12);
    }

    #[test]
    fn average_precision_by_hand() {
        // ranking: + - + → AP = 1/2·1 + 1/2·2/3
        let ap = average_precision_binary(&[true, false, true], &[0.9, 0.8, 0.7]).unwrap();
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn undefined_classes_are_skipped() {
        let probs = [[0.7f32, 0.2, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]];
        let auroc = auroc_ovr(&[0, 1, 0], &probs, 3).unwrap();
        assert_eq!(auroc.skipped, vec![2]);
        assert_eq!(auroc.per_class[0], Some(1.0));
        assert_eq!(auroc.value, Some(1.0));
        assert!(roc_auc_binary(&[true, true], &[0.1, 0.2]).is_none());
    }
}
