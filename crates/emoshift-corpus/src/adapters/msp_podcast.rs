//! MSP-Podcast: `Labels/labels_consensus.csv` (older releases spell it
//! `labels_concensus.csv`) with columns `FileName, EmoClass, EmoAct, EmoVal, EmoDom,
//! SpkrID, Gender, Split_Set`; audio in `Audios/` (or `Audio/`). Consensus codes:
//! A anger, S sadness, H happiness, U surprise, F fear, D disgust, C contempt,
//! N neutral, O other, X no agreement (kept with no emotion). The release's own split
//! goes to `extra["split"]`. Speakers marked `Unknown` become `unknown_<podcast>` (the
//! first number of `MSP-PODCAST_<podcast>_<segment>`), so one podcast's unidentified
//! speakers stay on one side of a speaker-independent split.

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::{CorpusError, Result};
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static PODCAST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^MSP-PODCAST_([0-9]+)_").expect("valid regex"));

/// MSP-Podcast's consensus codes; `Ok(None)` for X (no agreement).
fn emotion(code: &str) -> Result<Option<Emotion>, ()> {
    Ok(Some(match code {
        "A" => Emotion::Anger,
        "S" => Emotion::Sadness,
        "H" => Emotion::Happiness,
        "U" => Emotion::Surprise,
        "F" => Emotion::Fear,
        "D" => Emotion::Disgust,
        "C" => Emotion::Contempt,
        "N" => Emotion::Neutral,
        "O" => Emotion::Other,
        "X" => return Ok(None),
        _ => return Err(()),
    }))
}

fn label_file(root: &Path) -> Option<PathBuf> {
    let labels = root.join("Labels");
    fs::files(&labels).into_iter().find(|f| {
        let n = file_name(f).to_lowercase();
        n == "labels_consensus.csv" || n == "labels_concensus.csv"
    })
}

fn audio_dir(root: &Path) -> Option<PathBuf> {
    ["Audios", "Audio"]
        .iter()
        .map(|d| root.join(d))
        .find(|d| d.is_dir())
}

/// The MSP-Podcast adapter.
pub struct MspPodcast;

impl CorpusAdapter for MspPodcast {
    fn name(&self) -> &'static str {
        "msp_podcast"
    }
    fn display_name(&self) -> &'static str {
        "MSP-Podcast"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        label_file(root).is_some()
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "Labels/labels_consensus.csv")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        let labels = label_file(root).expect("detected above");
        let audio = audio_dir(root).ok_or_else(|| CorpusError::NotThisCorpus {
            corpus: self.display_name().to_string(),
            path: root.to_path_buf(),
            reason: "no Audios folder".to_string(),
        })?;
        let mut reader =
            csv::Reader::from_path(&labels).map_err(|e| CorpusError::io(&labels, e))?;
        let headers = reader
            .headers()
            .map_err(|e| CorpusError::parse(&labels, e.to_string()))?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| CorpusError::parse(&labels, format!("no `{name}` column")))
        };
        let cols = [
            col("FileName")?,
            col("EmoClass")?,
            col("EmoAct")?,
            col("EmoVal")?,
            col("EmoDom")?,
            col("SpkrID")?,
            col("Gender")?,
            col("Split_Set")?,
        ];
        for (i, record) in reader.records().enumerate() {
            let at = PathBuf::from(format!("{}:{}", labels.display(), i + 2));
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    scan.problem(&at, format!("unreadable row: {e}"));
                    continue;
                }
            };
            let [file, class, act, val, dom, spk, gender, split] =
                cols.map(|c| record.get(c).unwrap_or("").trim().to_string());
            let Ok(emo) = emotion(&class) else {
                scan.problem(&at, format!("unknown consensus code {class}"));
                continue;
            };
            if !fs::is_plain_name(&file) {
                scan.problem(
                    &at,
                    format!(
                        "file name {file} is a path, not a name; it would point outside Audio/"
                    ),
                );
                continue;
            }
            let path = audio.join(&file);
            if !path.is_file() {
                scan.problem(&path, "labelled file has no audio");
                continue;
            }
            let id = stem(&path);
            let speaker = if spk.is_empty() || spk.eq_ignore_ascii_case("unknown") {
                match PODCAST.captures(&id) {
                    Some(c) => format!("unknown_{}", &c[1]),
                    None => format!("unknown_{id}"),
                }
            } else {
                spk
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                id,
                path,
                speaker,
                Gender::from_name(&gender).ok(),
                class,
                emo,
            )
            .with_extra("split", split)
            .with_extra("arousal_dim", act)
            .with_extra("valence_dim", val)
            .with_extra("dominance_dim", dom);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
