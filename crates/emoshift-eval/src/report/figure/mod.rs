//! Figures drawn with plotters' SVG backend: text becomes `<text>`
//! elements, so no font files are read and the SVG can be inlined in HTML.

mod confusion;
mod line;
mod scatter;

pub use confusion::ConfusionHeatmap;
pub use line::{LineChart, Series};
pub use scatter::ScatterPlot;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::EvalError;

/// Something that renders to a standalone SVG document.
pub trait Figure {
    /// The figure's title (used in error messages and as a default caption).
    fn title(&self) -> &str;
    /// The figure as an SVG document.
    fn to_svg(&self) -> Result<String, EvalError>;
}

/// The result of plotters' drawing calls on the SVG backend.
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Tableau 10, cycled for more categories.
const PALETTE: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

/// Colour of the `index`-th series or category.
fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Font family and sizes of titles and labels (plotters writes size / 1.24
/// as the SVG font size, so these are about 18 px and 12 px).
const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 22;
const LABEL_SIZE: u32 = 15;

/// Draws on a white canvas of `size` pixels and returns the SVG text.
fn render<F>(title: &str, size: (u32, u32), draw: F) -> Result<String, EvalError>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present())
            .map_err(|e| plot_error(title, e.to_string()))?;
    }
    Ok(svg)
}

/// An [`EvalError::Plot`] for figure `title`.
fn plot_error(title: &str, reason: impl Into<String>) -> EvalError {
    EvalError::Plot {
        figure: title.to_string(),
        reason: reason.into(),
    }
}

/// Lowest and highest value, widened so that the range is never empty and
/// the extremes keep a margin of `pad` (fraction of the span).
fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = hi - lo;
    let margin = if span > 0.0 {
        span * pad
    } else {
        lo.abs().max(1.0) * 0.5
    };
    (lo - margin, hi + margin)
}
