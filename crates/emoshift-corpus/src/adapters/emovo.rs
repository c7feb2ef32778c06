//! EMOVO (Italian): `<spk>/EEE-SS-PP.wav` — emotion (neu, dis, gio joy, pau fear,
//! rab anger, sor surprise, tri sadness), speaker f1–f3, m1–m3, sentence code. The
//! files are stereo; downmixing is the audio layer's job.

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
    Regex::new(r"(?i)^([a-z]{3})-([fm][1-3])-([a-z]+[0-9]+)\.wav$").expect("valid regex")
});
static SPEAKER_DIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[fm][1-3]$").expect("valid regex"));

/// EMOVO's (Italian) emotion codes.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "neu" => Emotion::Neutral,
        "dis" => Emotion::Disgust,
        "gio" => Emotion::Happiness,
        "pau" => Emotion::Fear,
        "rab" => Emotion::Anger,
        "sor" => Emotion::Surprise,
        "tri" => Emotion::Sadness,
        _ => return None,
    })
}

/// The EMOVO adapter.
pub struct Emovo;

impl CorpusAdapter for Emovo {
    fn name(&self) -> &'static str {
        "emovo"
    }
    fn display_name(&self) -> &'static str {
        "EMOVO"
    }
    fn language(&self) -> &'static str {
        "it"
    }

    fn detect(&self, root: &Path) -> bool {
        fs::subdirs(root).iter().any(|d| {
            SPEAKER_DIR.is_match(&file_name(d))
                && fs::files(d).iter().any(|f| NAME.is_match(&file_name(f)))
        })
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "f1–f3/m1–m3 folders of EEE-SS-PP.wav files")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not EEE-SS-PP.wav");
                continue;
            };
            let code = c[1].to_lowercase();
            let Some(emo) = emotion(&code) else {
                scan.problem(&path, format!("unknown emotion code {code}"));
                continue;
            };
            let speaker = c[2].to_lowercase();
            let gender = if speaker.starts_with('f') {
                Gender::Female
            } else {
                Gender::Male
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                speaker,
                Some(gender),
                code,
                Some(emo),
            )
            .with_extra("sentence", c[3].to_lowercase());
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
