//! MSP-Improv: one consensus label file for the whole corpus, `Evalution.txt` (spelled
//! that way in the release; `Evaluation.txt` is accepted too), with lines such as
//! `UTD-IMPROV-S01A-F01-S-FM01.avi; N; A:3.000000; V:3.500000; D:3.000000; N:3.0;`
//! followed by per-rater lines, which are ignored. Audio:
//! `Audio/session<N>/<S01A>/<C>/MSP-IMPROV-S01A-F01-C-FM01.wav` (found by name anywhere
//! under `Audio/` when a release moves it). Fields: sentence and its target emotion,
//! speaker (F01–F06, M01–M06; the digit is the session), condition (R read, S target
//! improvisation, T other improvisation, P natural interaction), turn. Consensus codes:
//! A anger, H happiness, S sadness, N neutral, O other, X no agreement (kept with no
//! emotion).

use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::{CorpusError, Result};
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:UTD|MSP)-IMPROV-(S[0-9]{2}[A-Z])-(([FM])([0-9]{2}))-([A-Z])-([A-Z]{1,2}[0-9]{2,3})\.(?:avi|wav);\s*([A-Z]);\s*A:\s*([0-9.]+);\s*V:\s*([0-9.]+);\s*D:\s*([0-9.]+);",
    )
    .expect("valid regex")
});

/// MSP-Improv's consensus codes; `Ok(None)` for X (no agreement).
fn emotion(code: &str) -> Result<Option<Emotion>, ()> {
    Ok(Some(match code {
        "A" => Emotion::Anger,
        "H" => Emotion::Happiness,
        "S" => Emotion::Sadness,
        "N" => Emotion::Neutral,
        "O" => Emotion::Other,
        "X" => return Ok(None),
        _ => return Err(()),
    }))
}

fn label_file(root: &Path) -> Option<PathBuf> {
    fs::files(root).into_iter().find(|f| {
        let n = file_name(f).to_lowercase();
        n == "evalution.txt" || n == "evaluation.txt"
    })
}

/// The MSP-Improv adapter.
pub struct MspImprov;

impl CorpusAdapter for MspImprov {
    fn name(&self) -> &'static str {
        "msp_improv"
    }
    fn display_name(&self) -> &'static str {
        "MSP-Improv"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        label_file(root).is_some() && root.join("Audio").is_dir()
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "Evalution.txt and an Audio folder")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        let labels = label_file(root).expect("detected above");
        let text = std::fs::read_to_string(&labels).map_err(|e| CorpusError::io(&labels, e))?;
        let audio_root = root.join("Audio");
        let mut by_stem: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in fs::wav_files(&audio_root, &mut scan) {
            by_stem.insert(stem(&path), path);
        }
        let mut labelled = std::collections::BTreeSet::new();
        for (lineno, line) in text.lines().enumerate() {
            let line = line.trim();
            if !(line.starts_with("UTD-IMPROV") || line.starts_with("MSP-IMPROV")) {
                continue;
            }
            let at = PathBuf::from(format!("{}:{}", labels.display(), lineno + 1));
            let Some(c) = LINE.captures(line) else {
                scan.problem(&at, "label line is not `<clip>; E; A:x; V:x; D:x;`");
                continue;
            };
            let Ok(emo) = emotion(&c[7]) else {
                scan.problem(&at, format!("unknown consensus code {}", &c[7]));
                continue;
            };
            let id = format!("MSP-IMPROV-{}-{}-{}-{}", &c[1], &c[2], &c[5], &c[6]);
            let session_no: u32 = c[4].parse().unwrap_or(0);
            let expected = audio_root
                .join(format!("session{session_no}"))
                .join(&c[1])
                .join(&c[5])
                .join(format!("{id}.wav"));
            let Some(wav) = by_stem.get(&id).cloned() else {
                scan.problem(&expected, format!("labelled clip {id} has no audio file"));
                continue;
            };
            labelled.insert(id.clone());
            let gender = if &c[3] == "F" {
                Gender::Female
            } else {
                Gender::Male
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                id,
                wav,
                &c[2],
                Some(gender),
                &c[7],
                emo,
            )
            .with_session(format!("session{session_no}"))
            .with_extra("sentence", &c[1])
            .with_extra("condition", &c[5])
            .with_extra("arousal_dim", &c[8])
            .with_extra("valence_dim", &c[9])
            .with_extra("dominance_dim", &c[10]);
            scan.push(utt);
        }
        for (id, path) in &by_stem {
            if !labelled.contains(id) {
                scan.problem(path, format!("audio file {id} has no label line"));
            }
        }
        Ok(scan.finish())
    }
}
