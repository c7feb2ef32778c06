//! Tables: a generic one, the papers' results layout (methods × scenarios,
//! "mean ± std", best per column in bold) and a per-class table of a
//! classification report.

use crate::aggregate::MeanStd;
use crate::metrics::ClassificationReport;
use crate::EvalError;

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// One cell: text, optionally bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The text shown.
    pub text: String,
    /// Whether the cell is emphasised (e.g. best in its column).
    pub bold: bool,
}

impl Cell {
    /// A plain cell.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: false,
        }
    }

    /// A bold cell.
    pub fn bold(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
        }
    }
}

/// A table with a header row and an optional caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Caption shown above the table.
    pub caption: Option<String>,
    /// Column names.
    pub header: Vec<String>,
    /// Alignment of each column (first left, the others right by default).
    pub align: Vec<Align>,
    /// Body rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with the given column names.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Self {
        let align = (0..header.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Self {
            caption: None,
            header: header.iter().map(|s| s.as_ref().to_string()).collect(),
            align,
            rows: Vec::new(),
        }
    }

    /// Sets the caption.
    pub fn with_caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_string());
        self
    }

    /// Sets the alignment of column `column` (ignored if out of range).
    pub fn with_align(mut self, column: usize, align: Align) -> Self {
        if let Some(a) = self.align.get_mut(column) {
            *a = align;
        }
        self
    }

    /// Appends a row; it must have one cell per column.
    pub fn push_row(&mut self, row: Vec<Cell>) -> Result<&mut Self, EvalError> {
        if row.len() != self.header.len() {
            return Err(EvalError::input(format!(
                "table row has {} cells, the header {} columns",
                row.len(),
                self.header.len()
            )));
        }
        self.rows.push(row);
        Ok(self)
    }

    /// Precision, recall, F1, support, AUROC and average precision of each
    /// class of a report ("–" where undefined), values with `decimals`
    /// decimals.
    pub fn per_class(report: &ClassificationReport, decimals: usize) -> Self {
        let mut table = Table::new(&[
            "class",
            "precision",
            "recall",
            "F1",
            "support",
            "AUROC",
            "AvPrec",
        ]);
        let fmt = |v: f64| format!("{v:.decimals$}");
        let opt = |v: Option<f64>| v.map_or_else(|| "–".to_string(), fmt);
        for (c, class) in report.per_class.iter().enumerate() {
            table.rows.push(vec![
                Cell::new(&class.name),
                Cell::new(fmt(class.counts.precision)),
                Cell::new(fmt(class.counts.recall)),
                Cell::new(fmt(class.counts.f1)),
                Cell::new(class.counts.support.to_string()),
                Cell::new(opt(report.auroc.per_class.get(c).copied().flatten())),
                Cell::new(opt(report
                    .average_precision
                    .per_class
                    .get(c)
                    .copied()
                    .flatten())),
            ]);
        }
        table
    }
}

/// The papers' results layout: one row per method, one column per scenario
/// (or target corpus, or summary such as UM/WM/GM), cells "mean ± std",
/// the best mean of each column in bold (all of them on exact ties).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsTable {
    caption: Option<String>,
    corner: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<Option<MeanStd>>)>,
    decimals: usize,
    higher_is_better: bool,
}

impl ResultsTable {
    /// An empty table with the given column names; the first column is
    /// headed "Method", values get 2 decimals and higher is better.
    pub fn new<S: AsRef<str>>(columns: &[S]) -> Self {
        Self {
            caption: None,
            corner: "Method".to_string(),
            columns: columns.iter().map(|s| s.as_ref().to_string()).collect(),
            rows: Vec::new(),
            decimals: 2,
            higher_is_better: true,
        }
    }

    /// Sets the caption.
    pub fn with_caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_string());
        self
    }

    /// Sets the heading of the row-name column.
    pub fn with_corner(mut self, corner: &str) -> Self {
        self.corner = corner.to_string();
        self
    }

    /// Sets the number of decimals.
    pub fn with_decimals(mut self, decimals: usize) -> Self {
        self.decimals = decimals;
        self
    }

    /// Marks the lowest mean of each column as best (for losses, errors).
    pub fn lower_is_better(mut self) -> Self {
        self.higher_is_better = false;
        self
    }

    /// Appends a method's row, one value per column (`None` shows "–").
    pub fn push_row(
        &mut self,
        method: &str,
        values: Vec<Option<MeanStd>>,
    ) -> Result<&mut Self, EvalError> {
        if values.len() != self.columns.len() {
            return Err(EvalError::input(format!(
                "results row `{method}` has {} values for {} columns",
                values.len(),
                self.columns.len()
            )));
        }
        self.rows.push((method.to_string(), values));
        Ok(self)
    }

    /// The best mean of column `c`, if any row has a value there.
    fn best(&self, c: usize) -> Option<f64> {
        let means = self.rows.iter().filter_map(|(_, v)| v[c].map(|m| m.mean));
        if self.higher_is_better {
            means.reduce(f64::max)
        } else {
            means.reduce(f64::min)
        }
    }

    /// The table with formatted and emphasised cells.
    pub fn to_table(&self) -> Table {
        let mut header = vec![self.corner.clone()];
        header.extend(self.columns.iter().cloned());
        let mut table = Table::new(&header);
        table.caption = self.caption.clone();
        let best: Vec<Option<f64>> = (0..self.columns.len()).map(|c| self.best(c)).collect();
        for (method, values) in &self.rows {
            let mut row = vec![Cell::new(method)];
            for (value, best) in values.iter().zip(&best) {
                row.push(match value {
                    Some(v) => Cell {
                        text: format!("{v:.prec$}", prec = self.decimals),
                        bold: Some(v.mean) == *best,
                    },
                    None => Cell::new("–"),
                });
            }
            table.rows.push(row);
        }
        table
    }
}

impl From<&ResultsTable> for Table {
    fn from(results: &ResultsTable) -> Self {
        results.to_table()
    }
}

impl From<ResultsTable> for Table {
    fn from(results: ResultsTable) -> Self {
        results.to_table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[f64]) -> Option<MeanStd> {
        Some(MeanStd::of(values).unwrap())
    }

    #[test]
    fn best_per_column_is_bold() {
        let mut results = ResultsTable::new(&["1", "2"]);
        results
            .push_row("Deep-All", vec![ms(&[26.0, 28.0]), ms(&[47.0])])
            .unwrap();
        results
            .push_row("RSC", vec![ms(&[32.0, 33.0]), None])
            .unwrap();
        let table = results.to_table();
        assert_eq!(table.header, vec!["Method", "1", "2"]);
        assert_eq!(table.rows[0][1], Cell::new("27.00 ± 1.41"));
        assert_eq!(table.rows[1][1], Cell::bold("32.50 ± 0.71"));
        assert_eq!(table.rows[0][2], Cell::bold("47.00"));
        assert_eq!(table.rows[1][2], Cell::new("–"));
        let lower = results.clone().lower_is_better().to_table();
        assert!(lower.rows[0][1].bold && !lower.rows[1][1].bold);
        assert!(results.push_row("short", vec![None]).is_err());
    }
}
