//! Metrics against scikit-learn's values in tests/fixtures/metrics.json
//! (made by scripts/gen_metric_fixtures.py), within 1e-6.

use emoshift_eval::metrics::RankingScore;
use emoshift_eval::{evaluate, Metric};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    n_classes: usize,
    y_true: Vec<usize>,
    probs: Vec<Vec<f32>>,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    accuracy: f64,
    uar: f64,
    macro_precision: f64,
    macro_recall: f64,
    macro_f1: f64,
    weighted_f1: f64,
    precision: Vec<f64>,
    recall: Vec<f64>,
    f1: Vec<f64>,
    support: Vec<u64>,
    confusion: Vec<Vec<u64>>,
    auroc: RankingScore,
    average_precision: RankingScore,
}

fn cases() -> Vec<Case> {
    let text = include_str!("fixtures/metrics.json");
    serde_json::from_str::<Fixture>(text).unwrap().cases
}

fn close(case: &str, what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOLERANCE,
        "{case}: {what} = {got}, scikit-learn {want}"
    );
}

fn close_ranking(case: &str, what: &str, got: &RankingScore, want: &RankingScore) {
    assert_eq!(got.skipped, want.skipped, "{case}: {what} skipped classes");
    close(case, what, got.value.unwrap(), want.value.unwrap());
    for (c, (g, w)) in got.per_class.iter().zip(&want.per_class).enumerate() {
        match (g, w) {
            (Some(g), Some(w)) => close(case, &format!("{what} class {c}"), *g, *w),
            _ => assert_eq!(g.is_some(), w.is_some(), "{case}: {what} class {c} defined"),
        }
    }
}

#[test]
fn report_matches_scikit_learn() {
    let cases = cases();
    assert!(cases.len() >= 5);
    for case in &cases {
        let names: Vec<String> = (0..case.n_classes).map(|c| format!("c{c}")).collect();
        let report = evaluate(&case.y_true, &case.probs, &names).unwrap();
        let (name, want) = (case.name.as_str(), &case.expected);
        close(name, "accuracy", report.accuracy, want.accuracy);
        close(name, "uar", report.uar, want.uar);
        close(
            name,
            "macro_precision",
            report.macro_precision,
            want.macro_precision,
        );
        close(name, "macro_recall", report.macro_recall, want.macro_recall);
        close(name, "macro_f1", report.macro_f1, want.macro_f1);
        close(name, "weighted_f1", report.weighted_f1, want.weighted_f1);
        assert_eq!(report.confusion.counts, want.confusion, "{name}: confusion");
        for (c, class) in report.per_class.iter().enumerate() {
            close(
                name,
                &format!("precision {c}"),
                class.counts.precision,
                want.precision[c],
            );
            close(
                name,
                &format!("recall {c}"),
                class.counts.recall,
                want.recall[c],
            );
            close(name, &format!("f1 {c}"), class.counts.f1, want.f1[c]);
            assert_eq!(class.counts.support, want.support[c], "{name}: support {c}");
        }
        close_ranking(name, "auroc", &report.auroc, &want.auroc);
        close_ranking(
            name,
            "average_precision",
            &report.average_precision,
            &want.average_precision,
        );
    }
}

#[test]
fn absent_class_case_skips_it_in_ranking_metrics() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "five_class_absent")
        .unwrap();
    let names = ["a", "b", "c", "d", "e"];
    let report = evaluate(&case.y_true, &case.probs, &names).unwrap();
    assert_eq!(report.auroc.skipped, vec![3]);
    assert_eq!(report.average_precision.skipped, vec![3]);
    assert_eq!(report.per_class[3].counts.support, 0);
    assert!(report.uar > report.macro_recall);
}

#[test]
fn single_metrics_match_the_report() {
    for case in cases() {
        let names: Vec<String> = (0..case.n_classes).map(|c| c.to_string()).collect();
        let report = evaluate(&case.y_true, &case.probs, &names).unwrap();
        for metric in Metric::ALL {
            let alone = metric
                .compute(&case.y_true, &case.probs, case.n_classes)
                .unwrap();
            assert_eq!(alone, metric.of(&report), "{}: {metric}", case.name);
        }
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let probs = vec![vec![0.5f32, 0.5], vec![0.2, 0.8]];
    assert!(evaluate(&[0, 1], &probs, &["only"]).is_err());
    assert!(evaluate(&[0], &probs, &["a", "b"]).is_err());
    assert!(evaluate(&[0, 2], &probs, &["a", "b"]).is_err());
    assert!(evaluate(&[0, 1], &[vec![0.5f32], vec![0.5]], &["a", "b"]).is_err());
    assert!(evaluate(&[0, 1], &[vec![f32::NAN, 0.5], vec![0.5, 0.5]], &["a", "b"]).is_err());
    let empty: [Vec<f32>; 0] = [];
    assert!(evaluate(&[], &empty, &["a", "b"]).is_err());
}
