//! Line charts, e.g. training curves: loss or validation metric against
//! step, several named series.

use plotters::prelude::*;

use super::{colour, padded_range, plot_error, render, Figure, FONT, LABEL_SIZE, TITLE_SIZE};
use crate::EvalError;

/// One named line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// (x, y) points, drawn in the given order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from its name and points.
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.to_string(),
            points,
        }
    }
}

/// Several series on shared axes, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

impl LineChart {
    /// An empty chart with a title and axis labels.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            series: Vec::new(),
        }
    }

    /// Adds a series.
    pub fn with_series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    fn check(&self) -> Result<(), EvalError> {
        if self.series.iter().all(|s| s.points.is_empty()) {
            return Err(plot_error(&self.title, "no points to draw"));
        }
        for s in &self.series {
            if s.points
                .iter()
                .any(|(x, y)| !x.is_finite() || !y.is_finite())
            {
                return Err(plot_error(
                    &self.title,
                    format!("series `{}` has a non-finite point", s.name),
                ));
            }
        }
        Ok(())
    }
}

/// Axis tick text: integers without decimals, others with up to four
/// significant decimals.
fn tick(v: &f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let text = format!("{v:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl Figure for LineChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn to_svg(&self) -> Result<String, EvalError> {
        self.check()?;
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = padded_range(all().map(|p| p.0), 0.0);
        let (y0, y1) = padded_range(all().map(|p| p.1), 0.05);
        render(&self.title, (720, 420), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(&self.title, (FONT, TITLE_SIZE))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            chart
                .configure_mesh()
                .x_desc(&self.x_label)
                .y_desc(&self.y_label)
                .label_style((FONT, LABEL_SIZE))
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .max_light_lines(1)
                .light_line_style(RGBColor(238, 238, 238))
                .draw()?;
            for (i, s) in self.series.iter().enumerate() {
                let style = colour(i).stroke_width(2);
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), style))?
                    .label(&s.name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
            chart
                .configure_series_labels()
                .label_font((FONT, LABEL_SIZE))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()?;
            Ok(())
        })
    }
}
