//! Self-contained HTML rendering of a report: inline CSS, figures as
//! inline SVG.

use super::escape::html as esc;
use super::table::{Align, Table};
use super::{Block, Report};

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem;background:#fff}
h1{font-size:1.8rem;border-bottom:2px solid #4e79a7;padding-bottom:.3rem}
h2{font-size:1.4rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.15rem;margin-top:1.5rem}
p,li{line-height:1.5}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;font-style:italic;padding-bottom:.4rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem}
th{background:#f0f3f7}
td.r,th.r{text-align:right}
td.l,th.l{text-align:left}
tbody tr:nth-child(even){background:#fafbfc}
figure{margin:1.5rem 0}
figure svg{max-width:100%;height:auto}
figcaption{font-style:italic;color:#555}
";

/// The whole report as an HTML page.
pub fn render(report: &Report) -> String {
    let title = esc(&report.title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    for block in &report.blocks {
        match block {
            Block::Heading { level, text } => {
                out.push_str(&format!("<h{level}>{}</h{level}>\n", esc(text)));
            }
            Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", esc(text))),
            Block::Preformatted(text) => out.push_str(&format!("<pre>{}</pre>\n", esc(text))),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", esc(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(table) => table_html(table, &mut out),
            Block::Figure(f) => {
                out.push_str(&format!(
                    "<figure id=\"figure-{n}\">\n{svg}\n<figcaption>Figure {n}: {caption}</figcaption>\n</figure>\n",
                    n = f.number,
                    svg = f.svg.trim(),
                    caption = esc(&f.caption)
                ));
            }
        }
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn class(align: Option<&Align>) -> &'static str {
    match align {
        Some(Align::Right) => "r",
        _ => "l",
    }
}

fn table_html(table: &Table, out: &mut String) {
    out.push_str("<table>\n");
    if let Some(caption) = &table.caption {
        out.push_str(&format!("<caption>{}</caption>\n", esc(caption)));
    }
    out.push_str("<thead><tr>");
    for (i, h) in table.header.iter().enumerate() {
        out.push_str(&format!(
            "<th class=\"{}\">{}</th>",
            class(table.align.get(i)),
            esc(h)
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let text = esc(&cell.text);
            let text = if cell.bold {
                format!("<strong>{text}</strong>")
            } else {
                text
            };
            out.push_str(&format!(
                "<td class=\"{}\">{text}</td>",
                class(table.align.get(i))
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}
