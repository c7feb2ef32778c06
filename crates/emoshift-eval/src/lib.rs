//! Evaluation for emoshift: classification metrics, aggregation over trials
//! and scenarios, bootstrap confidence intervals, t-SNE embedding maps and
//! readable reports (Markdown and self-contained HTML with inline SVG).
//!
//! ```
//! use emoshift_eval::aggregate::MeanStd;
//! use emoshift_eval::report::{ConfusionHeatmap, Report, ResultsTable};
//! use emoshift_eval::{evaluate, Metric};
//!
//! let y_true = [0, 1, 2, 1];
//! let probs = [[0.7f32, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3]];
//! let metrics = evaluate(&y_true, &probs, &["anger", "happiness", "sadness"])?;
//! assert_eq!(metrics.accuracy, 0.75);
//!
//! let mut table = ResultsTable::new(&["CREMA-D"]);
//! let uar = MeanStd::of_metric(&[metrics.clone()], Metric::Uar)?.scaled(100.0);
//! table.push_row("erm", vec![Some(uar)])?;
//! let mut report = Report::new("Demo");
//! report.heading("Results").table(table);
//! report.figure("Confusion matrix", &ConfusionHeatmap::from_report("erm", &metrics))?;
//! assert!(report.to_html().contains("<svg"));
//! # Ok::<(), emoshift_eval::EvalError>(())
//! ```

pub mod aggregate;
mod error;
pub mod metrics;
pub mod report;
pub mod tsne;

pub use error::EvalError;
pub use metrics::{evaluate, ClassificationReport, Metric};
