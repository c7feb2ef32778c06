//! RAVDESS: `Actor_XX/MM-VV-EE-II-SS-RR-AA.wav`.
//!
//! Fields: modality (01 audio-video, 02 video-only, 03 audio-only), vocal channel (01
//! speech, 02 song), emotion, intensity (01 normal, 02 strong), statement (01 "Kids are
//! talking by the door", 02 "Dogs are sitting by the door"), repetition, actor (odd =
//! male). Only audio-only speech (`03-01-…`) is used; song and video files are counted
//! as skipped.

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
    Regex::new(r"(?i)^([0-9]{2})-([0-9]{2})-([0-9]{2})-([0-9]{2})-([0-9]{2})-([0-9]{2})-([0-9]{2})\.([a-z0-9]+)$")
        .expect("valid regex")
});
static ACTOR_DIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^actor_[0-9]{2}$").expect("valid regex"));

/// RAVDESS' emotion codes.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "01" => Emotion::Neutral,
        "02" => Emotion::Calm,
        "03" => Emotion::Happiness,
        "04" => Emotion::Sadness,
        "05" => Emotion::Anger,
        "06" => Emotion::Fear,
        "07" => Emotion::Disgust,
        "08" => Emotion::Surprise,
        _ => return None,
    })
}

/// The RAVDESS adapter.
pub struct Ravdess;

impl CorpusAdapter for Ravdess {
    fn name(&self) -> &'static str {
        "ravdess"
    }
    fn display_name(&self) -> &'static str {
        "RAVDESS"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        fs::subdirs(root)
            .iter()
            .any(|d| ACTOR_DIR.is_match(&file_name(d)))
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "Actor_XX folders")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::files_with(root, &["wav", "mp4"], &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not MM-VV-EE-II-SS-RR-AA.wav");
                continue;
            };
            match (&c[1], &c[2]) {
                ("01" | "02", _) => {
                    scan.skip("video files (modality 01/02)");
                    continue;
                }
                ("03", "02") => {
                    scan.skip("song files (vocal channel 02)");
                    continue;
                }
                ("03", "01") => {}
                (m, v) => {
                    scan.problem(&path, format!("unknown modality {m} or vocal channel {v}"));
                    continue;
                }
            }
            if !fs::is_wav(&path) {
                scan.problem(&path, "audio-only speech file that is not a WAV file");
                continue;
            }
            let Some(emo) = emotion(&c[3]) else {
                scan.problem(&path, format!("unknown emotion code {}", &c[3]));
                continue;
            };
            let intensity = match &c[4] {
                "01" => "normal",
                "02" => "strong",
                other => {
                    scan.problem(&path, format!("unknown intensity code {other}"));
                    continue;
                }
            };
            let actor: u32 = c[7].parse().unwrap_or(0);
            if !(1..=24).contains(&actor) {
                scan.problem(&path, format!("actor {} outside 01–24", &c[7]));
                continue;
            }
            let gender = if actor % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                format!("Actor_{:02}", actor),
                Some(gender),
                &c[3],
                Some(emo),
            )
            .with_extra("intensity", intensity)
            .with_extra("statement", &c[5])
            .with_extra("repetition", &c[6]);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
