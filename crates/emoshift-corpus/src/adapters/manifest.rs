//! A generic corpus described by a manifest: a folder holding `emoshift-corpus.csv` or
//! `emoshift-corpus.jsonl` (a distinct name, so that a manifest written by a scan into
//! a scanned folder is never mistaken for a corpus), one row per file, with columns `path` (relative to the folder or
//! absolute), `label` (or `emotion`; an emotion name or common synonym, may be empty
//! when only arousal/valence are given), `speaker`, and optional `gender`, `language`,
//! `valence` (`negative`/`positive`/0/1), `arousal` (`low`/`high`/0/1), `split`,
//! `corpus`, `id`, `session`. Other columns are kept in `extra`. The corpus name is
//! the `corpus` column, or the folder name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::fs::{file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Arousal, Emotion, Gender, Valence};
use crate::error::{CorpusError, Result};
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

/// File name of a CSV corpus description.
pub const MANIFEST_CSV: &str = "emoshift-corpus.csv";
/// File name of a JSONL corpus description.
pub const MANIFEST_JSONL: &str = "emoshift-corpus.jsonl";

const KNOWN: [&str; 11] = [
    "path", "label", "emotion", "speaker", "gender", "language", "valence", "arousal", "corpus",
    "id", "session",
];

fn manifest_file(root: &Path) -> Option<PathBuf> {
    [MANIFEST_CSV, MANIFEST_JSONL]
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
}

/// Rows of a CSV or JSONL manifest as field maps, each with its line for messages.
fn read_rows(path: &Path) -> Result<Vec<(usize, BTreeMap<String, String>)>> {
    let text = std::fs::read_to_string(path).map_err(|e| CorpusError::io(path, e))?;
    let mut rows = Vec::new();
    if file_name(path).ends_with(".jsonl") {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
                .map_err(|e| CorpusError::parse(path, format!("line {}: {e}", i + 1)))?;
            let row = value
                .into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.to_lowercase(), s)
                })
                .collect();
            rows.push((i + 1, row));
        }
    } else {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| CorpusError::parse(path, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        for (i, record) in reader.records().enumerate() {
            let record =
                record.map_err(|e| CorpusError::parse(path, format!("row {}: {e}", i + 2)))?;
            let row = headers
                .iter()
                .cloned()
                .zip(record.iter().map(|f| f.trim().to_string()))
                .collect();
            rows.push((i + 2, row));
        }
    }
    Ok(rows)
}

/// The generic manifest adapter.
pub struct GenericManifest;

impl CorpusAdapter for GenericManifest {
    fn name(&self) -> &'static str {
        "manifest"
    }
    fn display_name(&self) -> &'static str {
        "manifest"
    }
    fn language(&self) -> &'static str {
        "und"
    }

    fn detect(&self, root: &Path) -> bool {
        manifest_file(root).is_some()
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "emoshift-corpus.csv or emoshift-corpus.jsonl")?;
        let file = manifest_file(root).expect("detected above");
        let rows = read_rows(&file)?;
        let folder = file_name(root).to_lowercase();
        let corpus = rows
            .iter()
            .find_map(|(_, r)| r.get("corpus").filter(|c| !c.is_empty()).cloned())
            .unwrap_or(folder);
        let mut scan = ScanCollector::new(&corpus, &corpus, self.language(), root);
        for (line, row) in rows {
            let at = PathBuf::from(format!("{}:{line}", file.display()));
            let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("").trim();
            let rel = get("path");
            if rel.is_empty() {
                scan.problem(&at, "empty `path`");
                continue;
            }
            let path = root.join(rel);
            if !path.is_file() {
                scan.problem(&path, format!("listed at line {line} but missing"));
                continue;
            }
            let speaker = get("speaker");
            if speaker.is_empty() {
                scan.problem(
                    &at,
                    "empty `speaker` (needed for speaker-independent splits)",
                );
                continue;
            }
            let raw = if get("label").is_empty() {
                get("emotion")
            } else {
                get("label")
            };
            let emotion = if raw.is_empty() {
                None
            } else {
                match Emotion::from_name(raw) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        scan.problem(&at, e.to_string());
                        continue;
                    }
                }
            };
            let gender = match get("gender") {
                "" => None,
                g => match Gender::from_name(g) {
                    Ok(g) => Some(g),
                    Err(e) => {
                        scan.problem(&at, e.to_string());
                        continue;
                    }
                },
            };
            let language = match get("language") {
                "" => self.language(),
                l => l,
            };
            let id = match get("id") {
                "" => stem(&path),
                i => i.to_string(),
            };
            let row_corpus = match get("corpus") {
                "" => corpus.as_str(),
                c => c,
            };
            let mut utt = Utterance::new(
                row_corpus, language, id, path, speaker, gender, raw, emotion,
            );
            match get("arousal") {
                "" => {}
                a => match Arousal::from_name(a) {
                    Ok(a) => utt.arousal = Some(a),
                    Err(e) => {
                        scan.problem(&at, e.to_string());
                        continue;
                    }
                },
            }
            match get("valence") {
                "" => {}
                v => match Valence::from_name(v) {
                    Ok(v) => utt.valence = Some(v),
                    Err(e) => {
                        scan.problem(&at, e.to_string());
                        continue;
                    }
                },
            }
            if emotion.is_none() && utt.arousal.is_none() && utt.valence.is_none() {
                scan.problem(&at, "no label, arousal or valence");
                continue;
            }
            if !get("session").is_empty() {
                utt.session = Some(get("session").to_string());
            }
            for (k, v) in &row {
                if !KNOWN.contains(&k.as_str()) && !v.is_empty() {
                    utt.extra.insert(k.clone(), v.clone());
                }
            }
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
