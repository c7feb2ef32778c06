//! Confusion-matrix heatmap: true classes down, predictions across, cells
//! shaded by the row-normalised rate (recall on the diagonal).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{plot_error, render, Figure, FONT, LABEL_SIZE, TITLE_SIZE};
use crate::metrics::{ClassificationReport, ConfusionMatrix};
use crate::EvalError;

/// A confusion matrix drawn as a heatmap.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionHeatmap {
    /// Title above the matrix.
    pub title: String,
    /// Class names, in label order.
    pub class_names: Vec<String>,
    /// `counts[t][p]`, as in [`ConfusionMatrix`].
    pub counts: Vec<Vec<u64>>,
    /// Write row percentages in the cells instead of counts.
    pub show_percent: bool,
}

/// Pixels per cell and around the grid.
const CELL: u32 = 72;
const LEFT: u32 = 120;
const BOTTOM: u32 = 60;

impl ConfusionHeatmap {
    /// A heatmap of `matrix` with the given class names, showing counts.
    pub fn new(title: &str, class_names: &[String], matrix: &ConfusionMatrix) -> Self {
        Self {
            title: title.to_string(),
            class_names: class_names.to_vec(),
            counts: matrix.counts.clone(),
            show_percent: false,
        }
    }

    /// The heatmap of a report's confusion matrix.
    pub fn from_report(title: &str, report: &ClassificationReport) -> Self {
        Self::new(title, &report.class_names, &report.confusion)
    }

    /// Shows row percentages instead of counts.
    pub fn percent(mut self) -> Self {
        self.show_percent = true;
        self
    }

    fn check(&self) -> Result<(), EvalError> {
        let n = self.class_names.len();
        if n == 0 {
            return Err(plot_error(&self.title, "no classes"));
        }
        if self.counts.len() != n || self.counts.iter().any(|row| row.len() != n) {
            return Err(plot_error(
                &self.title,
                format!("counts must be {n}×{n} for {n} class names"),
            ));
        }
        Ok(())
    }
}

/// White → dark blue as `rate` goes 0 → 1.
fn shade(rate: f64) -> RGBColor {
    let mix = |from: u8, to: u8| {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * rate).round() as u8
    };
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

impl Figure for ConfusionHeatmap {
    fn title(&self) -> &str {
        &self.title
    }

    fn to_svg(&self) -> Result<String, EvalError> {
        self.check()?;
        let n = self.class_names.len();
        let size = (LEFT + CELL * n as u32 + 20, 50 + CELL * n as u32 + BOTTOM);
        render(&self.title, size, |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(&self.title, (FONT, TITLE_SIZE))
                .margin(10)
                .x_label_area_size(BOTTOM - 10)
                .y_label_area_size(LEFT - 10)
                // A discrete range a..b holds b − a + 1 values: 0..n − 1 gives n cells.
                .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())?;
            // Row t is drawn at height n − 1 − t so the first class is on top.
            let name = |v: &SegmentValue<usize>, flip: bool| match v {
                SegmentValue::CenterOf(i) if *i < n => {
                    self.class_names[if flip { n - 1 - i } else { *i }].clone()
                }
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(n)
                .y_labels(n)
                .x_label_formatter(&|v| name(v, false))
                .y_label_formatter(&|v| name(v, true))
                .x_desc("predicted")
                .y_desc("true")
                .label_style((FONT, LABEL_SIZE))
                .draw()?;
            let supports: Vec<u64> = self.counts.iter().map(|row| row.iter().sum()).collect();
            let rate = |t: usize, p: usize| {
                if supports[t] == 0 {
                    0.0
                } else {
                    self.counts[t][p] as f64 / supports[t] as f64
                }
            };
            let cells = (0..n).flat_map(|t| (0..n).map(move |p| (t, p)));
            chart.draw_series(cells.clone().map(|(t, p)| {
                let y = n - 1 - t;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(p), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(p + 1), SegmentValue::Exact(y + 1)),
                    ],
                    shade(rate(t, p)).filled(),
                )
            }))?;
            let centred = Pos::new(HPos::Center, VPos::Center);
            chart.draw_series(cells.map(|(t, p)| {
                let text = if self.show_percent {
                    format!("{:.0}%", 100.0 * rate(t, p))
                } else {
                    self.counts[t][p].to_string()
                };
                let ink: &RGBColor = if rate(t, p) > 0.5 { &WHITE } else { &BLACK };
                let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
                    .color(ink)
                    .pos(centred);
                Text::new(
                    text,
                    (SegmentValue::CenterOf(p), SegmentValue::CenterOf(n - 1 - t)),
                    style,
                )
            }))?;
            Ok(())
        })
    }
}
