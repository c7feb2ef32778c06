//! SAVEE (Surrey Audio-Visual Expressed Emotion): `AudioData/{DC,JE,JK,KL}/<code>NN.wav`
//! and the flat variant of some re-distributions, `DC_a01.wav`. Codes: a anger,
//! d disgust, f fear, h happiness, n neutral, sa sadness, su surprise. Four male
//! speakers. Utterance ids are `<speaker>_<code>NN` in both layouts, so a file present
//! in both is excluded as a duplicate.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

use super::fs::{self, file_name};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static FLAT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(DC|JE|JK|KL)_([a-z]+)([0-9]{2})\.wav$").expect("valid regex"));
static NESTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z]+)([0-9]{2})\.wav$").expect("valid regex"));
const SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

/// SAVEE's emotion codes.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "a" => Emotion::Anger,
        "d" => Emotion::Disgust,
        "f" => Emotion::Fear,
        "h" => Emotion::Happiness,
        "n" => Emotion::Neutral,
        "sa" => Emotion::Sadness,
        "su" => Emotion::Surprise,
        _ => return None,
    })
}

fn has_speaker_dirs(dir: &Path) -> bool {
    fs::subdirs(dir)
        .iter()
        .any(|d| SPEAKERS.contains(&file_name(d).as_str()))
}

/// The SAVEE adapter.
pub struct Savee;

impl CorpusAdapter for Savee {
    fn name(&self) -> &'static str {
        "savee"
    }
    fn display_name(&self) -> &'static str {
        "SAVEE"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        let audio_data = root.join("AudioData");
        (audio_data.is_dir() && has_speaker_dirs(&audio_data))
            || has_speaker_dirs(root)
            || fs::files(root).iter().any(|f| FLAT.is_match(&file_name(f)))
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(
            self,
            root,
            "AudioData/{DC,JE,JK,KL} folders or DC_a01.wav files",
        )?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            let parent = path.parent().map(file_name).unwrap_or_default();
            let (speaker, code, number) = if let Some(c) = FLAT.captures(&name) {
                (c[1].to_string(), c[2].to_string(), c[3].to_string())
            } else if let (Some(c), true) =
                (NESTED.captures(&name), SPEAKERS.contains(&parent.as_str()))
            {
                (parent.clone(), c[1].to_string(), c[2].to_string())
            } else {
                scan.problem(
                    &path,
                    "name is neither <speaker>/<code>NN.wav nor <speaker>_<code>NN.wav",
                );
                continue;
            };
            let Some(emo) = emotion(&code) else {
                scan.problem(&path, format!("unknown emotion code {code}"));
                continue;
            };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                format!("{speaker}_{code}{number}"),
                path.clone(),
                speaker,
                Some(Gender::Male),
                code,
                Some(emo),
            )
            .with_extra("number", number);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
