//! Markdown rendering of a report.

use super::escape::markdown as esc;
use super::table::{Align, Cell, Table};
use super::{Block, Report};

/// The whole report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = format!("# {}\n", esc(&report.title, true));
    for block in &report.blocks {
        out.push('\n');
        match block {
            Block::Heading { level, text } => {
                out.push_str(&format!(
                    "{} {}\n",
                    "#".repeat(usize::from(*level)),
                    esc(text, true)
                ));
            }
            Block::Paragraph(text) => {
                out.push_str(&esc(text, false));
                out.push('\n');
            }
            Block::Preformatted(text) => {
                // A fence longer than any backtick run inside keeps the text verbatim.
                let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                out.push_str(&format!("{fence}\n{}\n{fence}\n", text.trim_end()));
            }
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", esc(item, true)));
                }
            }
            Block::Table(table) => table_markdown(table, &mut out),
            Block::Figure(f) => {
                let caption = esc(&f.caption, true);
                out.push_str(&format!(
                    "![{caption}]({})\n\n*Figure {}: {caption}*\n",
                    f.file_name, f.number
                ));
            }
        }
    }
    out
}

fn cell_markdown(cell: &Cell) -> String {
    let text = esc(&cell.text, true);
    if cell.bold && !text.is_empty() {
        format!("**{text}**")
    } else {
        text
    }
}

fn table_markdown(table: &Table, out: &mut String) {
    if let Some(caption) = &table.caption {
        out.push_str(&format!("*{}*\n\n", esc(caption, true)));
    }
    let header: Vec<String> = table.header.iter().map(|h| esc(h, true)).collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let rule: Vec<&str> = table
        .align
        .iter()
        .map(|a| match a {
            Align::Left => ":---",
            Align::Right => "---:",
        })
        .collect();
    out.push_str(&format!("|{}|\n", rule.join("|")));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(cell_markdown).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}
