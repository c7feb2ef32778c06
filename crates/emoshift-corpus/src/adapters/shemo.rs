//! ShEMO (Sharif Emotional Speech Database, Persian): `{female|male}/GSSENN.wav` —
//! gender, speaker number, emotion letter, utterance number; the speaker is the first
//! three characters. Letters: A anger, H happiness, N neutral, S sadness, W surprise,
//! F fear. ShEMO has no disgust.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([FM])([0-9]{2})([A-Z])([0-9]{2,3})\.wav$").expect("valid regex")
});

/// ShEMO's emotion letters.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "A" => Emotion::Anger,
        "H" => Emotion::Happiness,
        "N" => Emotion::Neutral,
        "S" => Emotion::Sadness,
        "W" => Emotion::Surprise,
        "F" => Emotion::Fear,
        _ => return None,
    })
}

/// The ShEMO adapter.
pub struct Shemo;

impl CorpusAdapter for Shemo {
    fn name(&self) -> &'static str {
        "shemo"
    }
    fn display_name(&self) -> &'static str {
        "ShEMO"
    }
    fn language(&self) -> &'static str {
        "fa"
    }

    fn detect(&self, root: &Path) -> bool {
        fs::subdirs(root).iter().any(|d| {
            let n = file_name(d).to_lowercase();
            (n == "female" || n == "male")
                && fs::files(d).iter().any(|f| NAME.is_match(&file_name(f)))
        })
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "female/male folders of GSSENN.wav files")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not GSSENN.wav");
                continue;
            };
            let Some(emo) = emotion(&c[3]) else {
                scan.problem(&path, format!("unknown emotion letter {}", &c[3]));
                continue;
            };
            let gender = if &c[1] == "F" {
                Gender::Female
            } else {
                Gender::Male
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                format!("{}{}", &c[1], &c[2]),
                Some(gender),
                &c[3],
                Some(emo),
            );
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
