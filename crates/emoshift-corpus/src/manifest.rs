//! The manifest: every utterance of a scan as one CSV or JSONL file, written by
//! `emoshift corpora scan` and read back by later stages.
//!
//! CSV columns: `id, path, corpus, language, speaker, gender, raw_label, emotion,
//! arousal, valence, duration_s, session, extra` — `extra` holds a JSON object. JSONL
//! has one [`Utterance`] object per line. The format is chosen by the file extension
//! (`.jsonl` or anything else for CSV).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::emotion::{Arousal, Emotion, Gender, Valence};
use crate::error::{CorpusError, Result};
use crate::utterance::Utterance;

/// A list of utterances that can be written to and read from CSV or JSONL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The utterances, in file order.
    pub utterances: Vec<Utterance>,
}

/// One CSV row: the utterance with `extra` flattened to a JSON string.
#[derive(Serialize, Deserialize)]
struct Row {
    id: String,
    path: PathBuf,
    corpus: String,
    language: String,
    speaker: String,
    gender: Option<Gender>,
    raw_label: String,
    emotion: Option<Emotion>,
    arousal: Option<Arousal>,
    valence: Option<Valence>,
    duration_s: Option<f64>,
    session: Option<String>,
    extra: String,
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("jsonl"))
}

impl Manifest {
    /// A manifest of `utterances`.
    pub fn new(utterances: Vec<Utterance>) -> Self {
        Manifest { utterances }
    }

    /// Writes the manifest; JSONL for `*.jsonl`, CSV otherwise.
    pub fn write(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path).map_err(|e| CorpusError::io(path, e))?;
        let mut out = BufWriter::new(file);
        if is_jsonl(path) {
            for u in &self.utterances {
                serde_json::to_writer(&mut out, u).map_err(|e| CorpusError::io(path, e))?;
                out.write_all(b"\n").map_err(|e| CorpusError::io(path, e))?;
            }
        } else {
            let mut w = csv::Writer::from_writer(&mut out);
            for u in &self.utterances {
                let extra =
                    serde_json::to_string(&u.extra).map_err(|e| CorpusError::io(path, e))?;
                let row = Row {
                    id: u.id.clone(),
                    path: u.path.clone(),
                    corpus: u.corpus.clone(),
                    language: u.language.clone(),
                    speaker: u.speaker.clone(),
                    gender: u.gender,
                    raw_label: u.raw_label.clone(),
                    emotion: u.emotion,
                    arousal: u.arousal,
                    valence: u.valence,
                    duration_s: u.duration_s,
                    session: u.session.clone(),
                    extra,
                };
                w.serialize(row).map_err(|e| CorpusError::io(path, e))?;
            }
            w.flush().map_err(|e| CorpusError::io(path, e))?;
        }
        out.flush().map_err(|e| CorpusError::io(path, e))
    }

    /// Reads a manifest written by [`Manifest::write`]; errors name the line.
    pub fn read(path: &Path) -> Result<Manifest> {
        let file = std::fs::File::open(path).map_err(|e| CorpusError::io(path, e))?;
        let mut utterances = Vec::new();
        if is_jsonl(path) {
            for (i, line) in BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| CorpusError::io(path, e))?;
                if line.trim().is_empty() {
                    continue;
                }
                let u: Utterance = serde_json::from_str(&line)
                    .map_err(|e| CorpusError::parse(path, format!("line {}: {e}", i + 1)))?;
                utterances.push(u);
            }
        } else {
            let mut reader = csv::Reader::from_reader(file);
            for (i, row) in reader.deserialize::<Row>().enumerate() {
                let row =
                    row.map_err(|e| CorpusError::parse(path, format!("row {}: {e}", i + 2)))?;
                let extra: BTreeMap<String, String> = if row.extra.is_empty() {
                    BTreeMap::new()
                } else {
                    serde_json::from_str(&row.extra).map_err(|e| {
                        CorpusError::parse(path, format!("row {}: extra: {e}", i + 2))
                    })?
                };
                utterances.push(Utterance {
                    id: row.id,
                    path: row.path,
                    corpus: row.corpus,
                    language: row.language,
                    speaker: row.speaker,
                    gender: row.gender,
                    raw_label: row.raw_label,
                    emotion: row.emotion,
                    arousal: row.arousal,
                    valence: row.valence,
                    duration_s: row.duration_s,
                    session: row.session,
                    extra,
                });
            }
        }
        Ok(Manifest { utterances })
    }
}
