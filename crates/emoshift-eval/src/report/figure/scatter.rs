//! Scatter plots of 2-D embeddings (t-SNE) coloured by a category, such as
//! emotion or corpus, with a legend.

use plotters::prelude::*;

use super::{colour, padded_range, plot_error, render, Figure, FONT, LABEL_SIZE, TITLE_SIZE};
use crate::EvalError;

/// Points coloured by category.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPlot {
    /// Title above the plot.
    pub title: String,
    /// 2-D positions.
    pub points: Vec<[f64; 2]>,
    /// Category index of each point.
    pub categories: Vec<usize>,
    /// Legend names, indexed by category.
    pub category_names: Vec<String>,
}

impl ScatterPlot {
    /// A scatter plot of `points`, point `i` coloured by
    /// `category_names[categories[i]]`.
    pub fn new(
        title: &str,
        points: Vec<[f64; 2]>,
        categories: Vec<usize>,
        category_names: Vec<String>,
    ) -> Self {
        Self {
            title: title.to_string(),
            points,
            categories,
            category_names,
        }
    }

    /// A scatter plot coloured by a text label per point (e.g. the corpus or
    /// emotion name); categories are the distinct labels in sorted order.
    pub fn from_labels<S: AsRef<str>>(title: &str, points: Vec<[f64; 2]>, labels: &[S]) -> Self {
        let mut names: Vec<String> = labels.iter().map(|l| l.as_ref().to_string()).collect();
        names.sort();
        names.dedup();
        let categories = labels
            .iter()
            .map(|l| {
                names
                    .binary_search_by(|n| n.as_str().cmp(l.as_ref()))
                    .unwrap_or(0)
            })
            .collect();
        Self::new(title, points, categories, names)
    }

    fn check(&self) -> Result<(), EvalError> {
        if self.points.is_empty() {
            return Err(plot_error(&self.title, "no points to draw"));
        }
        if self.points.len() != self.categories.len() {
            return Err(plot_error(
                &self.title,
                format!(
                    "{} points but {} categories",
                    self.points.len(),
                    self.categories.len()
                ),
            ));
        }
        if let Some(c) = self
            .categories
            .iter()
            .find(|&&c| c >= self.category_names.len())
        {
            return Err(plot_error(
                &self.title,
                format!(
                    "category {c} has no name ({} names)",
                    self.category_names.len()
                ),
            ));
        }
        if self.points.iter().flatten().any(|v| !v.is_finite()) {
            return Err(plot_error(&self.title, "a point is not finite"));
        }
        Ok(())
    }
}

impl Figure for ScatterPlot {
    fn title(&self) -> &str {
        &self.title
    }

    fn to_svg(&self) -> Result<String, EvalError> {
        self.check()?;
        let (x0, x1) = padded_range(self.points.iter().map(|p| p[0]), 0.05);
        let (y0, y1) = padded_range(self.points.iter().map(|p| p[1]), 0.05);
        // Room on the right for the legend.
        let x1 = x1 + (x1 - x0) * 0.3;
        render(&self.title, (720, 540), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(&self.title, (FONT, TITLE_SIZE))
                .margin(12)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .label_style((FONT, LABEL_SIZE))
                .draw()?;
            for (c, name) in self.category_names.iter().enumerate() {
                let style = colour(c).mix(0.75).filled();
                let members = self
                    .points
                    .iter()
                    .zip(&self.categories)
                    .filter(move |&(_, &k)| k == c)
                    .map(move |(p, _)| Circle::new((p[0], p[1]), 3, style));
                chart
                    .draw_series(members)?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 6, y), 4, style));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, LABEL_SIZE))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_from_labels_are_sorted() {
        let plot = ScatterPlot::from_labels(
            "by corpus",
            vec![[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]],
            &["TESS", "CREMA-D", "TESS"],
        );
        assert_eq!(plot.category_names, vec!["CREMA-D", "TESS"]);
        assert_eq!(plot.categories, vec![1, 0, 1]);
        let svg = plot.to_svg().unwrap();
        assert!(svg.contains("\nCREMA-D\n</text>") && svg.contains("<circle"));
    }
}
