//! Readable text report of scans: one summary table over all corpora, then one block
//! per corpus with label counts (unified name and the corpus' own code), genders,
//! skipped categories, excluded files and problems with their reasons.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::scan::CorpusScan;

/// How many excluded files or problems are listed per corpus before summarising.
pub const MAX_LISTED: usize = 20;

/// Renders the scans as text tables (see the module doc).
pub fn render_table(scans: &[CorpusScan]) -> String {
    let mut out = String::new();
    let header = [
        "corpus", "language", "files", "speakers", "hours", "excluded", "problems", "skipped",
    ];
    let rows: Vec<[String; 8]> = scans
        .iter()
        .map(|s| {
            let genders = s.speakers();
            let f = genders
                .values()
                .filter(|g| g.map(|g| g.name()) == Some("female"))
                .count();
            let m = genders
                .values()
                .filter(|g| g.map(|g| g.name()) == Some("male"))
                .count();
            let speakers = if f + m > 0 {
                format!("{} ({f}F {m}M)", genders.len())
            } else {
                genders.len().to_string()
            };
            [
                s.display_name.clone(),
                s.language.clone(),
                s.utterances.len().to_string(),
                speakers,
                format!("{:.2}", s.hours()),
                s.excluded.len().to_string(),
                s.problems.len().to_string(),
                s.skipped_counts.values().sum::<usize>().to_string(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&header));
    let _ = writeln!(
        out,
        "{}",
        "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
    );
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    for s in scans {
        let _ = writeln!(
            out,
            "\n{} — {} ({})",
            s.display_name,
            s.root.display(),
            s.language
        );
        let mut labels: BTreeMap<(String, String), usize> = BTreeMap::new();
        for u in &s.utterances {
            let name = u.emotion.map_or("none", |e| e.name()).to_string();
            *labels.entry((name, u.raw_label.clone())).or_insert(0) += 1;
        }
        let labels: Vec<String> = labels
            .iter()
            .map(|((name, raw), n)| format!("{name} [{raw}] {n}"))
            .collect();
        let _ = writeln!(out, "  labels:   {}", join_or_none(&labels));
        let genders: Vec<String> = s
            .gender_counts()
            .iter()
            .map(|(g, n)| format!("{g} {n}"))
            .collect();
        let _ = writeln!(out, "  genders:  {}", join_or_none(&genders));
        let skipped: Vec<String> = s
            .skipped_counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(out, "  skipped:  {}", join_or_none(&skipped));
        list(&mut out, "excluded", &s.excluded);
        list(&mut out, "problems", &s.problems);
    }
    out
}

fn join_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(" · ")
    }
}

fn list(out: &mut String, title: &str, items: &[(std::path::PathBuf, String)]) {
    if items.is_empty() {
        let _ = writeln!(out, "  {title}: none");
        return;
    }
    let _ = writeln!(out, "  {title} ({}):", items.len());
    for (path, reason) in items.iter().take(MAX_LISTED) {
        let _ = writeln!(out, "    {}: {reason}", path.display());
    }
    if items.len() > MAX_LISTED {
        let _ = writeln!(out, "    … and {} more", items.len() - MAX_LISTED);
    }
}
