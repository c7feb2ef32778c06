//! Evaluation for emoshift: classification metrics, aggregation over trials
//! and scenarios, bootstrap confidence intervals, t-SNE embedding maps and
//! readable reports (Markdown and self-contained HTML with inline SVG).

pub mod aggregate;
mod error;
pub mod metrics;
pub mod report;
pub mod tsne;

pub use error::EvalError;
pub use metrics::{evaluate, ClassificationReport, Metric};
