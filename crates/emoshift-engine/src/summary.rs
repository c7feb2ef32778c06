//! Aggregates trial records into the run's numbers: per (task, target,
//! method) mean ± std over trials, and across tasks the unweighted,
//! utterance-weighted and geometric means (UM/WM/GM, DA-MLDG Table III).
//! Writes `metrics.json` and `predictions.csv`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::Result;
use emoshift_eval::aggregate::{
    bootstrap_ci, scenario_means, BootstrapConfig, ConfidenceInterval, MeanStd, ScenarioMeans,
};
use emoshift_eval::Metric;
use serde::Serialize;

use emoshift_fs::write_atomic;

use super::results::TrialRecord;
use crate::normalize::NormConfig;

/// Metrics reported for every cell.
pub const METRICS: [Metric; 6] = [
    Metric::Accuracy,
    Metric::Uar,
    Metric::MacroF1,
    Metric::WeightedF1,
    Metric::Auroc,
    Metric::AveragePrecision,
];

/// One evaluation column: a task and one of its target corpora.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Column {
    /// Task name.
    pub task: String,
    /// Target corpus.
    pub target: String,
}

impl Column {
    /// Column heading: the task, plus the target when it is not obvious.
    pub fn heading(&self, single_target: bool) -> String {
        if single_target {
            self.task.clone()
        } else {
            format!("{} → {}", self.task, self.target)
        }
    }
}

/// Aggregated results of one method in one column.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Trials aggregated.
    pub trials: usize,
    /// Test utterances per trial.
    pub n_utterances: usize,
    /// Metric name → mean ± std over trials (fractions, not percent).
    pub metrics: BTreeMap<String, MeanStd>,
    /// 95 % percentile-bootstrap interval of the trial-mean accuracy,
    /// resampling test utterances (every trial sees the same test set).
    pub accuracy_ci95: Option<ConfidenceInterval>,
}

/// The whole run's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Evaluation columns in protocol order.
    pub columns: Vec<Column>,
    /// Method labels in experiment order.
    pub methods: Vec<String>,
    /// `cells[method][column index]`.
    pub cells: BTreeMap<String, Vec<Option<Cell>>>,
    /// Per method and metric, UM/WM/GM across columns of the trial-mean values.
    pub across: BTreeMap<String, BTreeMap<String, ScenarioMeans>>,
}

impl Summary {
    /// Aggregates `records`; `columns` and `methods` fix the order.
    pub fn new(
        records: &[TrialRecord],
        columns: Vec<Column>,
        methods: Vec<String>,
    ) -> Result<Self> {
        let mut cells = BTreeMap::new();
        let mut across = BTreeMap::new();
        for method in &methods {
            let mut row = Vec::new();
            for col in &columns {
                let reports: Vec<_> = records
                    .iter()
                    .filter(|r| &r.key.method == method && r.key.task == col.task)
                    .filter_map(|r| r.targets.iter().find(|t| t.corpus == col.target))
                    .collect();
                if reports.is_empty() {
                    row.push(None);
                    continue;
                }
                let metrics_of: Vec<_> = reports.iter().map(|t| t.metrics.clone()).collect();
                let mut metrics = BTreeMap::new();
                for m in METRICS {
                    if let Ok(ms) = MeanStd::of_metric(&metrics_of, m) {
                        metrics.insert(m.name().to_string(), ms);
                    }
                }
                row.push(Some(Cell {
                    trials: reports.len(),
                    n_utterances: reports[0].predictions.len(),
                    metrics,
                    accuracy_ci95: accuracy_interval(&reports),
                }));
            }
            let mut per_metric = BTreeMap::new();
            for m in METRICS {
                let (values, sizes): (Vec<f64>, Vec<usize>) = row
                    .iter()
                    .flatten()
                    .filter_map(|c| c.metrics.get(m.name()).map(|v| (v.mean, c.n_utterances)))
                    .unzip();
                if values.len() == columns.len() && !values.is_empty() {
                    if let Ok(means) = scenario_means(&values, &sizes) {
                        per_metric.insert(m.name().to_string(), means);
                    }
                }
            }
            across.insert(method.clone(), per_metric);
            cells.insert(method.clone(), row);
        }
        Ok(Self {
            columns,
            methods,
            cells,
            across,
        })
    }

    /// Column headings: task names, with the target added where a task
    /// has several targets.
    pub fn headings(&self) -> Vec<String> {
        let tasks: std::collections::BTreeSet<&String> =
            self.columns.iter().map(|c| &c.task).collect();
        let single_target = tasks.len() == self.columns.len();
        self.columns
            .iter()
            .map(|c| c.heading(single_target))
            .collect()
    }

    /// The cell of `method` in column `c`.
    pub fn cell(&self, method: &str, c: usize) -> Option<&Cell> {
        self.cells.get(method).and_then(|row| row[c].as_ref())
    }

    /// UAR (unweighted average recall, the cross-corpus standard) per method
    /// and column as a plain-text table, with UM where every column is present.
    pub fn uar_table(&self) -> String {
        let headings = self.headings();
        let width = headings
            .iter()
            .map(|h| h.chars().count())
            .max()
            .unwrap_or(0)
            .max(13);
        let mut out = String::new();
        let _ = write!(out, "{:<14}", "method");
        for h in &headings {
            let _ = write!(out, " {h:>width$}");
        }
        let _ = writeln!(out, " {:>7}", "UM");
        for method in &self.methods {
            let _ = write!(out, "{method:<14}");
            for c in 0..self.columns.len() {
                let cell = self
                    .cell(method, c)
                    .and_then(|cell| cell.metrics.get("uar"))
                    .map(|m| m.scaled(100.0).to_string())
                    .unwrap_or_else(|| "–".into());
                let _ = write!(out, " {cell:>width$}");
            }
            let um = self
                .across
                .get(method)
                .and_then(|m| m.get("uar"))
                .map(|m| format!("{:.2}", m.um * 100.0))
                .unwrap_or_else(|| "–".into());
            let _ = writeln!(out, " {um:>7}");
        }
        out
    }
}

/// Bootstrap interval of the mean accuracy over trials, resampling the
/// utterances of the shared test set; `None` when trials saw different sets.
fn accuracy_interval(targets: &[&super::results::TargetResult]) -> Option<ConfidenceInterval> {
    let ids: Vec<&str> = targets[0]
        .predictions
        .iter()
        .map(|p| p.utterance.as_str())
        .collect();
    let same_set = targets.iter().all(|t| {
        t.predictions.len() == ids.len()
            && t.predictions
                .iter()
                .zip(&ids)
                .all(|(p, id)| p.utterance == *id)
    });
    if !same_set || ids.is_empty() {
        return None;
    }
    let hits: Vec<Vec<bool>> = targets
        .iter()
        .map(|t| {
            t.predictions
                .iter()
                .map(|p| emoshift_learn::predict::argmax(&p.probs) == p.label)
                .collect()
        })
        .collect();
    bootstrap_ci(ids.len(), &BootstrapConfig::default(), |idx| {
        let per_trial = hits
            .iter()
            .map(|h| idx.iter().filter(|&&i| h[i]).count() as f64 / idx.len() as f64);
        Some(per_trial.sum::<f64>() / hits.len() as f64)
    })
    .ok()
}

/// Writes `metrics.json`: the summary plus every trial's full metrics.
pub fn write_metrics_json(
    dir: &Path,
    name: &str,
    normalization: &BTreeMap<String, NormConfig>,
    summary: &Summary,
    records: &[TrialRecord],
) -> Result<()> {
    #[derive(Serialize)]
    struct TrialMetrics<'a> {
        task: &'a str,
        method: &'a str,
        trial: usize,
        seed: u64,
        seconds: f64,
        targets: BTreeMap<&'a str, &'a emoshift_eval::ClassificationReport>,
    }
    #[derive(Serialize)]
    struct Normalization<'a> {
        #[serde(flatten)]
        config: &'a NormConfig,
        transductive: bool,
        description: String,
    }
    #[derive(Serialize)]
    struct File<'a> {
        experiment: &'a str,
        normalization: BTreeMap<&'a str, Normalization<'a>>,
        summary: &'a Summary,
        trials: Vec<TrialMetrics<'a>>,
    }
    let trials = records
        .iter()
        .map(|r| TrialMetrics {
            task: &r.key.task,
            method: &r.key.method,
            trial: r.key.trial,
            seed: r.seed,
            seconds: r.seconds,
            targets: r
                .targets
                .iter()
                .map(|t| (t.corpus.as_str(), &t.metrics))
                .collect(),
        })
        .collect();
    let file = File {
        experiment: name,
        normalization: normalization
            .iter()
            .map(|(method, config)| {
                let entry = Normalization {
                    config,
                    transductive: config.is_transductive(),
                    description: config.describe(),
                };
                (method.as_str(), entry)
            })
            .collect(),
        summary,
        trials,
    };
    Ok(write_atomic(
        &dir.join("metrics.json"),
        &serde_json::to_vec_pretty(&file)?,
    )?)
}

/// Writes `predictions.csv`: one row per utterance per trial with the
/// class probabilities.
pub fn write_predictions_csv(dir: &Path, records: &[TrialRecord]) -> Result<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let classes: Vec<String> =
        records
            .iter()
            .flat_map(|r| r.classes.iter().cloned())
            .fold(Vec::new(), |mut acc, c| {
                if !acc.contains(&c) {
                    acc.push(c);
                }
                acc
            });
    let mut header: Vec<String> = [
        "task",
        "method",
        "trial",
        "corpus",
        "utterance",
        "speaker",
        "label",
        "predicted",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(classes.iter().map(|c| format!("p_{c}")));
    out.write_record(&header)?;
    for r in records {
        for t in &r.targets {
            for p in &t.predictions {
                let predicted = emoshift_learn::predict::argmax(&p.probs);
                let mut row = vec![
                    r.key.task.clone(),
                    r.key.method.clone(),
                    r.key.trial.to_string(),
                    p.corpus.clone(),
                    p.utterance.clone(),
                    p.speaker.clone(),
                    r.classes[p.label].clone(),
                    r.classes[predicted].clone(),
                ];
                row.extend(classes.iter().map(|c| {
                    r.classes
                        .iter()
                        .position(|rc| rc == c)
                        .map(|i| format!("{:.6}", p.probs[i]))
                        .unwrap_or_default()
                }));
                out.write_record(&row)?;
            }
        }
    }
    Ok(write_atomic(
        &dir.join("predictions.csv"),
        &out.into_inner()?,
    )?)
}
