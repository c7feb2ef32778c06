//! Evaluation for emoshift: classification metrics, aggregation over trials
//! and scenarios, bootstrap confidence intervals, and readable reports.
