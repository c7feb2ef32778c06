//! Readable reports: a [`Report`] collects headings, paragraphs, lists,
//! tables and figures, then writes `report.md` (Markdown tables, figures as
//! SVG files beside it) and a self-contained `report.html` (inline CSS and
//! inline SVG, no external assets). All user text is escaped.

mod escape;
mod figure;
mod html;
mod markdown;
mod table;

use std::path::{Path, PathBuf};

pub use figure::{ConfusionHeatmap, Figure, LineChart, ScatterPlot, Series};
pub use table::{Align, Cell, ResultsTable, Table};

use crate::EvalError;

/// One part of a report, in reading order.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    /// A heading; level 2 or 3 (the title is level 1).
    Heading { level: u8, text: String },
    /// A paragraph of plain text.
    Paragraph(String),
    /// Preformatted text shown verbatim in a fixed-width font.
    Preformatted(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table.
    Table(Table),
    /// A figure already rendered to SVG.
    Figure(RenderedFigure),
}

/// A figure's SVG with its caption and the file it is written to.
#[derive(Debug, Clone, PartialEq)]
struct RenderedFigure {
    number: usize,
    caption: String,
    file_name: String,
    svg: String,
}

/// A report under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    title: String,
    blocks: Vec<Block>,
}

/// File name of the Markdown report written by [`Report::write`].
pub const MARKDOWN_FILE: &str = "report.md";
/// File name of the HTML report.
pub const HTML_FILE: &str = "report.html";

impl Report {
    /// An empty report with a title.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_string(),
            blocks: Vec::new(),
        }
    }

    /// The report's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Adds a section heading.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.push_heading(2, text)
    }

    /// Adds a subsection heading.
    pub fn subheading(&mut self, text: &str) -> &mut Self {
        self.push_heading(3, text)
    }

    fn push_heading(&mut self, level: u8, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading {
            level,
            text: text.to_string(),
        });
        self
    }

    /// Adds a paragraph of plain text (no markup is interpreted).
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_string()));
        self
    }

    /// Adds preformatted text (such as a text table), shown verbatim.
    pub fn preformatted(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Preformatted(text.to_string()));
        self
    }

    /// Adds a bulleted list.
    pub fn list<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        let items = items.iter().map(|s| s.as_ref().to_string()).collect();
        self.blocks.push(Block::List(items));
        self
    }

    /// Adds a table (a [`Table`] or a [`ResultsTable`]).
    pub fn table(&mut self, table: impl Into<Table>) -> &mut Self {
        self.blocks.push(Block::Table(table.into()));
        self
    }

    /// Renders a figure now and adds it with a caption (the figure's title
    /// when `caption` is empty).
    pub fn figure(&mut self, caption: &str, figure: &dyn Figure) -> Result<&mut Self, EvalError> {
        let svg = figure.to_svg()?;
        let caption = if caption.is_empty() {
            figure.title()
        } else {
            caption
        };
        let number = 1 + self
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Figure(_)))
            .count();
        let stem = escape::slug(caption);
        let file_name = if stem.is_empty() {
            format!("fig-{number:02}.svg")
        } else {
            format!("fig-{number:02}-{stem}.svg")
        };
        self.blocks.push(Block::Figure(RenderedFigure {
            number,
            caption: caption.to_string(),
            file_name,
            svg,
        }));
        Ok(self)
    }

    /// The report as Markdown, figures linked as SVG files in the same folder.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// Writes `report.md`, the figures' SVG files beside it and
    /// `report.html` into `dir` (created if missing); returns the paths of
    /// the Markdown and HTML files.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf), EvalError> {
        std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            emoshift_fs::write_atomic(&path, text.as_bytes())
                .map_err(|e| EvalError::io(&path, e.reason()))?;
            Ok::<PathBuf, EvalError>(path)
        };
        for block in &self.blocks {
            if let Block::Figure(f) = block {
                write(&f.file_name, &f.svg)?;
            }
        }
        let md = write(MARKDOWN_FILE, &self.to_markdown())?;
        let html = write(HTML_FILE, &self.to_html())?;
        Ok((md, html))
    }
}
