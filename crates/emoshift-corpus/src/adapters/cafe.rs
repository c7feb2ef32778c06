//! CaFE (Canadian French Emotional): `<Emotion>/<Faible|Fort>/AA-E-I-S.wav`, neutral
//! as `Neutre/AA-N-S.wav` or `Neutre/AA-N-1-S.wav` depending on the release. Letters:
//! C colère (anger), D dégoût (disgust), J joie (happiness), N neutre, P peur (fear),
//! S surprise, T tristesse (sadness); intensity 1 faible (weak), 2 fort (strong);
//! actor odd = male. The emotion comes from the file name; the folder names carry
//! accents (`Colère`, `Dégoût`) written in NFC or NFD depending on the unpacking tool,
//! so they are compared accent-folded; a folder that contradicts the file's letter
//! excludes the file as a label conflict.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

use super::conflict::label_conflict;
use super::fs::{self, file_name, fold_name, stem, top_folder_name};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{2})-([A-Z])-([0-9])(?:-([0-9]))?\.wav$").expect("valid regex")
});

/// CaFE's emotion letters.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "C" => Emotion::Anger,
        "D" => Emotion::Disgust,
        "J" => Emotion::Happiness,
        "N" => Emotion::Neutral,
        "P" => Emotion::Fear,
        "S" => Emotion::Surprise,
        "T" => Emotion::Sadness,
        _ => return None,
    })
}

/// CaFE's emotion folders, accent-folded.
fn folder_emotion(folded: &str) -> Option<Emotion> {
    Some(match folded {
        "colere" => Emotion::Anger,
        "degout" => Emotion::Disgust,
        "joie" => Emotion::Happiness,
        "neutre" => Emotion::Neutral,
        "peur" => Emotion::Fear,
        "surprise" => Emotion::Surprise,
        "tristesse" => Emotion::Sadness,
        _ => return None,
    })
}

/// The CaFE adapter.
pub struct Cafe;

impl CorpusAdapter for Cafe {
    fn name(&self) -> &'static str {
        "cafe"
    }
    fn display_name(&self) -> &'static str {
        "CaFE"
    }
    fn language(&self) -> &'static str {
        "fr"
    }

    fn detect(&self, root: &Path) -> bool {
        fs::subdirs(root)
            .iter()
            .filter(|d| folder_emotion(&fold_name(&file_name(d))).is_some())
            .count()
            >= 3
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "emotion folders such as Colère, Joie, Neutre")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not AA-E-I-S.wav or AA-N-S.wav");
                continue;
            };
            let Some(emo) = emotion(&c[2]) else {
                scan.problem(&path, format!("unknown emotion letter {}", &c[2]));
                continue;
            };
            let (intensity, sentence) = match (c.get(4), emo) {
                (Some(s), _) => (Some(c[3].to_string()), s.as_str().to_string()),
                (None, Emotion::Neutral) => (None, c[3].to_string()),
                (None, _) => {
                    scan.problem(&path, "only neutral files may omit the intensity");
                    continue;
                }
            };
            let intensity = match intensity.as_deref() {
                None => None,
                Some("1") => Some("faible"),
                Some("2") => Some("fort"),
                Some(other) => {
                    scan.problem(&path, format!("unknown intensity {other}"));
                    continue;
                }
            };
            if let Some(folder) = top_folder_name(root, &path) {
                if let Some(by_folder) = folder_emotion(&fold_name(&folder)) {
                    if let Some(reason) = label_conflict(&folder, by_folder, &c[2], emo) {
                        scan.exclude(&path, reason);
                        continue;
                    }
                }
            }
            let actor: u32 = c[1].parse().unwrap_or(0);
            let gender = if actor % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            let mut utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                &c[1],
                Some(gender),
                &c[2],
                Some(emo),
            )
            .with_extra("sentence", sentence);
            if let Some(i) = intensity {
                utt = utt.with_extra("intensity", i);
            }
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
