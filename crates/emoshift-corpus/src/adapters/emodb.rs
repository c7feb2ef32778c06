//! EmoDB (Berlin Database of Emotional Speech): `wav/SSTTTEV.wav` — speaker (03,
//! 08–16), text code (a01–a07, b01–b03), emotion letter (German initials), version.
//! Speakers 03, 10, 11, 12 and 15 are male.

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{2})([ab][0-9]{2})([A-Z])([a-z])\.wav$").expect("valid regex")
});

/// EmoDB's emotion letters (German initials: Wut, Langeweile, Ekel, Angst, Freude,
/// Trauer, Neutral).
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "W" => Emotion::Anger,
        "L" => Emotion::Boredom,
        "E" => Emotion::Disgust,
        "A" => Emotion::Fear,
        "F" => Emotion::Happiness,
        "T" => Emotion::Sadness,
        "N" => Emotion::Neutral,
        _ => return None,
    })
}

/// EmoDB's ten speakers and their gender.
fn speaker_gender(code: &str) -> Option<Gender> {
    Some(match code {
        "03" | "10" | "11" | "12" | "15" => Gender::Male,
        "08" | "09" | "13" | "14" | "16" => Gender::Female,
        _ => return None,
    })
}

fn wav_dir(root: &Path) -> Option<PathBuf> {
    fs::subdirs(root)
        .into_iter()
        .find(|d| file_name(d).eq_ignore_ascii_case("wav"))
}

/// The EmoDB adapter.
pub struct EmoDb;

impl CorpusAdapter for EmoDb {
    fn name(&self) -> &'static str {
        "emodb"
    }
    fn display_name(&self) -> &'static str {
        "EmoDB"
    }
    fn language(&self) -> &'static str {
        "de"
    }

    fn detect(&self, root: &Path) -> bool {
        wav_dir(root).is_some_and(|d| fs::files(&d).iter().any(|f| NAME.is_match(&file_name(f))))
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "a wav folder of SSTTTEV.wav files")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        let dir = wav_dir(root).expect("detected above");
        for path in fs::wav_files(&dir, &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not SSTTTEV.wav");
                continue;
            };
            let Some(gender) = speaker_gender(&c[1]) else {
                scan.problem(&path, format!("unknown speaker {}", &c[1]));
                continue;
            };
            let Some(emo) = emotion(&c[3]) else {
                scan.problem(&path, format!("unknown emotion letter {}", &c[3]));
                continue;
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                &c[1],
                Some(gender),
                &c[3],
                Some(emo),
            )
            .with_extra("text", &c[2])
            .with_extra("version", &c[4]);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
