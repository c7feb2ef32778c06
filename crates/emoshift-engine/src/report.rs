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
use super::results::{Skipped, TrialRecord};
use super::summary::Summary;

/// Metrics that get a results table of their own, UAR (the cross-corpus
/// standard) first.
const TABLE_METRICS: [Metric; 4] = [
    Metric::Uar,
    Metric::Accuracy,
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
    /// Trials of the grid without a record yet (shards still running).
    pub missing_trials: &'a [crate::results::TrialKey],
    /// Methods left out of tasks, with the reason.
    pub skipped: &'a [Skipped],
    /// Target corpora the tasks name that were not found (`(task, corpus)`).
    pub missing_targets: &'a [(String, String)],
}

/// Builds and writes the report into `dir`; returns the paths of report.md and report.html.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<(PathBuf, PathBuf)> {
    let exp = input.exp;
    let summary = input.summary;
    let mut report = Report::new(&format!("emoshift — {}", exp.name));
    report.paragraph(&format!(
        "Protocol {}, features {} ({} s crops), model {}, {} trial(s) per method from seed {}, {} training steps of {} utterances per domain, device {}, {} libtorch thread(s) \
         (the same file with the same thread count gives the same numbers). Numbers are percentages, mean ± sample standard deviation over trials.",
        exp.protocol.name.display(),
        exp.features.describe(),
        exp.features.crop_seconds,
        exp.model.name(),
        exp.trials,
        exp.seed,
        exp.train.steps,
        exp.train.batch_size,
        exp.device,
        exp.resolved_threads(),
    ));
    let runs = crate::runner::method_runs(exp);
    let transductive = runs.iter().any(|m| m.normalization.is_transductive());
    let mut lines: Vec<String> = Vec::new();
    for m in &runs {
        if m.normalization != exp.normalization {
            lines.push(format!("`{}`: {}", m.label, m.normalization.describe()));
        }
        if let Some(init) = &m.init {
            lines.push(format!(
                "`{}`: the network starts from the weights of {} (what was loaded is in each trial record's `init`)",
                m.label,
                init.display()
            ));
        }
    }
    report.paragraph(&format!(
        "Normalisation: {}{}.{}",
        exp.normalization.describe(),
        if lines.is_empty() { "" } else { " (methods listed below differ, or start from other weights)" },
        if transductive {
            " Transductive where marked: the target corpora's unlabelled audio, test utterances \
             included, shaped the statistics their features were standardised with; no target label was read."
        } else {
            ""
        }
    ));
    if !lines.is_empty() {
        report.list(&lines);
    }
    if !input.missing_trials.is_empty() {
        report.subheading("Trials not computed yet");
        report.paragraph(&format!(
            "{} trial(s) of the grid have no record (their shards have not finished, or failed); \
             the tables below leave them out. Run `emoshift report` again when they are done.",
            input.missing_trials.len()
        ));
        let items: Vec<String> = input
            .missing_trials
            .iter()
            .map(|k| format!("{} / {} / trial {}", k.task, k.method, k.trial))
            .collect();
        report.list(&items);
    }
    let reused = input.records.iter().filter(|r| r.reused).count();
    report.paragraph(&format!(
        "{} trial(s) computed in this run, {reused} reused from an earlier run with identical settings (equal fingerprints).",
        input.records.len() - reused
    ));
    report.table(inputs_table(input.records)?);
    if !input.missing_targets.is_empty() {
        report.subheading("Target corpora not found");
        let items: Vec<String> = input
            .missing_targets
            .iter()
            .map(|(task, corpus)| {
                format!("task {task}: {corpus} (the task ran on the targets present)")
            })
            .collect();
        report.list(&items);
    }
    if !input.skipped.is_empty() {
        report.subheading("Methods left out of tasks");
        let items: Vec<String> = input
            .skipped
            .iter()
            .map(|s| format!("{} on {}: {}", s.method, s.task, s.reason))
            .collect();
        report.list(&items);
    }

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

    report.heading("Loss terms");
    report.paragraph(
        "Mean of every logged loss term over the last tenth of training, over all tasks and trials: each ingredient of a method shows here (a term that stays 0 did not act).",
    );
    report.table(loss_terms_table(input.records)?);

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
            &format!("Validation metric (the one selection uses), task {task}, trial 0"),
            "step",
            "metric",
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
        for r in &first_trials {
            if r.loss_terms.len() > 1 {
                let mut chart = LineChart::new(
                    &format!("{}: loss terms, task {task}, trial 0", r.key.method),
                    "step",
                    "value",
                );
                for (name, points) in &r.loss_terms {
                    chart = chart.with_series(Series::new(name, smooth(points)));
                }
                report.figure(
                    &format!(
                        "{}: every loss term (moving average over 10 steps)",
                        r.key.method
                    ),
                    &chart,
                )?;
            }
        }
        if any_val {
            report.figure(
                "Validation metric on the held-out speakers selection uses",
                &val,
            )?;
        } else {
            report.paragraph("No corpus of this task had speakers to spare for validation; the last training step was kept.");
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
        report.subheading("Files left out (unreadable, or refused by the quality gates)");
        let items: Vec<String> = input
            .failures
            .iter()
            .map(|(p, why)| format!("{}: {why}", p.display()))
            .collect();
        report.list(&items);
    }
    Ok(report.write(dir)?)
}

/// What each method was given: target use, auxiliary labels, selection.
fn inputs_table(records: &[TrialRecord]) -> Result<Table> {
    let mut table = Table::new(&[
        "Method",
        "Task",
        "Target in training",
        "Auxiliary labels",
        "Model selection",
    ])
    .with_caption("What each method was given (from its declared needs and the task)");
    let mut seen = std::collections::BTreeSet::new();
    for r in records {
        let Some(inputs) = &r.inputs else { continue };
        if !seen.insert((r.key.method.clone(), r.key.task.clone())) {
            continue;
        }
        let aux: Vec<&str> = inputs.aux_labels.iter().map(|a| a.name()).collect();
        let metric = r
            .selection_metric
            .map_or("?".to_string(), |m| format!("{m:?}").to_lowercase());
        let selection = match inputs.selection {
            super::plan::Selection::SourceSpeakers => "source speakers",
            super::plan::Selection::TargetSpeakers => "labelled target speakers",
        };
        let from = if inputs.select_from_step > 0 {
            format!(", from step {}", inputs.select_from_step)
        } else {
            String::new()
        };
        table.push_row(vec![
            Cell::new(r.key.method.clone()),
            Cell::new(r.key.task.clone()),
            Cell::new(inputs.target_use()),
            Cell::new(if aux.is_empty() {
                "none".to_string()
            } else {
                aux.join(", ")
            }),
            Cell::new(format!("{metric} on {selection}{from}")),
        ])?;
    }
    Ok(table)
}

/// Per method, each loss term's mean over the last tenth of the steps of
/// every trial.
fn loss_terms_table(records: &[TrialRecord]) -> Result<Table> {
    let mut per_method: std::collections::BTreeMap<
        &str,
        std::collections::BTreeMap<&str, Vec<f64>>,
    > = Default::default();
    for r in records {
        for (name, points) in &r.loss_terms {
            let tail = &points[points.len() - points.len().div_ceil(10)..];
            let mean = tail.iter().map(|p| p.1).sum::<f64>() / tail.len().max(1) as f64;
            per_method
                .entry(&r.key.method)
                .or_default()
                .entry(name)
                .or_default()
                .push(mean);
        }
    }
    let mut table = Table::new(&["Method", "Loss terms (mean over the last 10 % of steps)"]);
    for (method, terms) in per_method {
        let text: Vec<String> = terms
            .iter()
            .map(|(name, v)| format!("{name} {:.4}", v.iter().sum::<f64>() / v.len() as f64))
            .collect();
        table.push_row(vec![Cell::new(method), Cell::new(text.join(", "))])?;
    }
    Ok(table)
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
