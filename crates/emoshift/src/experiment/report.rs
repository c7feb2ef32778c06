//! The run's report (`report.md` and a self-contained `report.html`):
//! results tables laid out like the papers' (methods × scenarios with
//! mean ± std and UM/WM/GM), confusion matrices, training curves and a
//! t-SNE map of the learned features coloured by emotion and by corpus.

use std::path::{Path, PathBuf};

use anyhow::Result;
use emoshift_eval::aggregate::MeanStd;
use emoshift_eval::metrics::ConfusionMatrix;
use emoshift_eval::report::{
    Cell, ConfusionHeatmap, LineChart, Report, ResultsTable, ScatterPlot, Series, Table,
};
use emoshift_eval::tsne::{tsne, TsneConfig};
use emoshift_eval::Metric;

use super::config::Experiment;
use super::results::TrialRecord;
use super::summary::Summary;

/// Metrics that get a results table of their own.
const TABLE_METRICS: [Metric; 4] = [
    Metric::Accuracy,
    Metric::Uar,
    Metric::MacroF1,
    Metric::Auroc,
];

/// What the report needs beyond the records.
pub struct ReportInput<'a> {
    /// The experiment.
    pub exp: &'a Experiment,
    /// Aggregated numbers.
    pub summary: &'a Summary,
    /// Every trial.
    pub records: &'a [TrialRecord],
    /// The corpus scan table.
    pub scan_table: &'a str,
    /// Files whose features failed.
    pub failures: &'a [(PathBuf, String)],
}

/// Builds and writes the report into `dir`; returns the paths of report.md and report.html.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<(PathBuf, PathBuf)> {
    let exp = input.exp;
    let summary = input.summary;
    let mut report = Report::new(&format!("emoshift — {}", exp.name));
    report.paragraph(&format!(
        "Protocol {}, features {} ({} s crops), model {}, {} trial(s) per method from seed {}, {} training steps of {} utterances per domain, device {}. \
         Numbers are percentages, mean ± sample standard deviation over trials. Validation (model selection, early stopping) uses held-out speakers of the source corpora only.",
        exp.protocol.name.display(),
        exp.features.describe(),
        exp.features.crop_seconds,
        exp.model.name(),
        exp.trials,
        exp.seed,
        exp.train.steps,
        exp.train.batch_size,
        exp.device,
    ));

    let mut headings = summary.headings();
    let with_means = summary.columns.len() > 1;
    if with_means {
        headings.extend(["UM", "WM", "GM"].map(String::from));
    }
    report.heading("Results");
    for metric in TABLE_METRICS {
        let mut table = ResultsTable::new(&headings)
            .with_caption(&format!("{} on the target corpora (%)", metric.label()));
        for method in &summary.methods {
            let mut values: Vec<Option<MeanStd>> = (0..summary.columns.len())
                .map(|c| {
                    summary
                        .cell(method, c)
                        .and_then(|cell| cell.metrics.get(metric.name()))
                        .map(|m| m.scaled(100.0))
                })
                .collect();
            if with_means {
                let means = summary
                    .across
                    .get(method)
                    .and_then(|m| m.get(metric.name()));
                let point = |v: Option<f64>| {
                    v.map(|mean| MeanStd {
                        mean: mean * 100.0,
                        std: None,
                        n: 1,
                    })
                };
                values.push(point(means.map(|m| m.um)));
                values.push(point(means.map(|m| m.wm)));
                values.push(point(means.map(|m| m.gm)));
            }
            table.push_row(method, values)?;
        }
        report.table(table);
    }
    report.table(interval_table(summary)?);
    if with_means {
        report.paragraph(
            "UM: unweighted mean over the columns; WM: mean weighted by the number of test utterances; GM: geometric mean (as in the DA-MLDG paper's Table III).",
        );
    }
    if exp.scrambled_labels {
        report.paragraph(
            "Rows marked +scrambled were trained with labels permuted within each source corpus (the embeddings poster's check): \
             results close to the real run point to corpus-specific class fragmentation rather than transferable emotion cues.",
        );
    }

    report.heading("Confusion matrices");
    for method in &summary.methods {
        if let Some((classes, matrix)) = pooled_confusion(input.records, method) {
            report.figure(
                &format!("{method}: target predictions pooled over tasks and trials (row %)"),
                &ConfusionHeatmap::new(method, &classes, &matrix).percent(),
            )?;
        }
    }

    report.heading("Training");
    if let Some(task) = summary.columns.first().map(|c| c.task.clone()) {
        let first_trials: Vec<&TrialRecord> = input
            .records
            .iter()
            .filter(|r| r.key.task == task && r.key.trial == 0)
            .collect();
        let mut loss = LineChart::new(
            &format!("Training loss, task {task}, trial 0"),
            "step",
            "loss",
        );
        let mut val = LineChart::new(
            &format!("Source-validation UAR, task {task}, trial 0"),
            "step",
            "UAR",
        );
        let (mut any_loss, mut any_val) = (false, false);
        for r in &first_trials {
            if !r.train_loss.is_empty() {
                any_loss = true;
                loss = loss.with_series(Series::new(&r.key.method, smooth(&r.train_loss)));
            }
            if !r.val_metric.is_empty() {
                any_val = true;
                val = val.with_series(Series::new(
                    &r.key.method,
                    r.val_metric.iter().map(|&(s, v)| (s as f64, v)).collect(),
                ));
            }
        }
        if any_loss {
            report.figure("Training loss (moving average over 10 steps)", &loss)?;
        }
        if any_val {
            report.figure("Validation UAR on held-out source speakers", &val)?;
        } else {
            report.paragraph("No source corpus of this task had speakers to spare for validation; the last training step was kept.");
        }
    }

    if let Some(rec) = input.records.iter().find(|r| r.embedding.is_some()) {
        let emb = rec.embedding.as_ref().expect("found above");
        if emb.vectors.len() >= 10 {
            report.heading("Embedding map");
            let cfg = TsneConfig {
                perplexity: 30f64.min((emb.vectors.len() as f64 - 1.0) / 3.0),
                ..TsneConfig::default()
            };
            let points = tsne(&emb.vectors, &cfg)?;
            let emotions: Vec<&str> = emb.label.iter().map(|&l| rec.classes[l].as_str()).collect();
            report.paragraph(&format!(
                "t-SNE of the feature vectors learned by {} on task {} (trial 0), source and target utterances.",
                rec.key.method, rec.key.task
            ));
            report.figure(
                "Coloured by emotion",
                &ScatterPlot::from_labels("t-SNE by emotion", points.clone(), &emotions),
            )?;
            report.figure(
                "Coloured by corpus",
                &ScatterPlot::from_labels("t-SNE by corpus", points, &emb.corpus),
            )?;
        }
    }

    report.heading("Data");
    report.preformatted(input.scan_table);
    if !input.failures.is_empty() {
        report.subheading("Files left out (features could not be computed)");
        let items: Vec<String> = input
            .failures
            .iter()
            .map(|(p, why)| format!("{}: {why}", p.display()))
            .collect();
        report.list(&items);
    }
    Ok(report.write(dir)?)
}

/// Accuracy with its 95 % bootstrap interval per method and column.
fn interval_table(summary: &Summary) -> Result<Table> {
    let mut header = vec!["Method".to_string()];
    header.extend(summary.headings());
    let mut table = Table::new(&header).with_caption(
        "Trial-mean accuracy (%) with its 95 % percentile-bootstrap interval over test utterances",
    );
    for method in &summary.methods {
        let mut row = vec![Cell::new(method.clone())];
        for c in 0..summary.columns.len() {
            let text = summary
                .cell(method, c)
                .and_then(|cell| cell.accuracy_ci95.as_ref())
                .map(|ci| {
                    format!(
                        "{:.2} [{:.2}, {:.2}]",
                        ci.estimate * 100.0,
                        ci.lower * 100.0,
                        ci.upper * 100.0
                    )
                })
                .unwrap_or_else(|| "–".into());
            row.push(Cell::new(text));
        }
        table.push_row(row)?;
    }
    Ok(table)
}

/// Confusion counts of `method` summed over all tasks, targets and trials
/// that share the first record's classes.
fn pooled_confusion(
    records: &[TrialRecord],
    method: &str,
) -> Option<(Vec<String>, ConfusionMatrix)> {
    let mine: Vec<&TrialRecord> = records.iter().filter(|r| r.key.method == method).collect();
    let classes = mine.first()?.classes.clone();
    let n = classes.len();
    let mut counts = vec![vec![0u64; n]; n];
    for r in mine.iter().filter(|r| r.classes == classes) {
        for t in &r.targets {
            for (row, src) in counts.iter_mut().zip(&t.metrics.confusion.counts) {
                for (c, s) in row.iter_mut().zip(src) {
                    *c += s;
                }
            }
        }
    }
    Some((classes, ConfusionMatrix { counts }))
}

/// Moving average over 10 steps, so noisy minibatch losses read as a curve.
fn smooth(points: &[(usize, f64)]) -> Vec<(f64, f64)> {
    const WINDOW: usize = 10;
    points
        .iter()
        .enumerate()
        .map(|(i, &(step, _))| {
            let lo = i.saturating_sub(WINDOW - 1);
            let window = &points[lo..=i];
            let mean = window.iter().map(|p| p.1).sum::<f64>() / window.len() as f64;
            (step as f64, mean)
        })
        .collect()
}
