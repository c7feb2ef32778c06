//! AESDD (Acted Emotional Speech Dynamic Database, Greek): `<emotion dir>/eNN (S).wav`
//! — emotion letter (a anger, d disgust, f fear, h happiness, s sadness), utterance
//! number, speaker 1–5 in parentheses; second takes carry a letter after the
//! parenthesis (`a01 (1)b.wav`). `s05 (3).wav` is a defective recording in the
//! distribution and is excluded with a note. A file whose letter contradicts its
//! emotion folder is excluded as a label conflict. The corpus does not document the
//! speakers' gender per file, so gender is left unknown.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

use super::conflict::label_conflict;
use super::fs::{self, file_name, fold_name, stem, top_folder_name};
use super::{require_root, CorpusAdapter};
use crate::emotion::Emotion;
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([a-z])([0-9]{2}) ?\(([0-9])\)([a-z]?)\.wav$").expect("valid regex")
});
const DEFECTIVE: &str = "s05 (3).wav";

/// AESDD's emotion letters.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "a" => Emotion::Anger,
        "d" => Emotion::Disgust,
        "f" => Emotion::Fear,
        "h" => Emotion::Happiness,
        "s" => Emotion::Sadness,
        _ => return None,
    })
}

/// AESDD's emotion folders.
fn folder_emotion(folded: &str) -> Option<Emotion> {
    Some(match folded {
        "anger" => Emotion::Anger,
        "disgust" => Emotion::Disgust,
        "fear" => Emotion::Fear,
        "happiness" => Emotion::Happiness,
        "sadness" => Emotion::Sadness,
        _ => return None,
    })
}

/// The AESDD adapter.
pub struct Aesdd;

impl CorpusAdapter for Aesdd {
    fn name(&self) -> &'static str {
        "aesdd"
    }
    fn display_name(&self) -> &'static str {
        "AESDD"
    }
    fn language(&self) -> &'static str {
        "el"
    }

    fn detect(&self, root: &Path) -> bool {
        fs::subdirs(root)
            .iter()
            .filter(|d| {
                folder_emotion(&fold_name(&file_name(d))).is_some()
                    && fs::files(d).iter().any(|f| NAME.is_match(&file_name(f)))
            })
            .count()
            >= 3
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(
            self,
            root,
            "anger/disgust/fear/happiness/sadness folders of eNN (S).wav files",
        )?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            if name == DEFECTIVE {
                scan.exclude(
                    &path,
                    "defective recording in the distribution (known AESDD defect)",
                );
                continue;
            }
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not eNN (S).wav");
                continue;
            };
            let Some(emo) = emotion(&c[1]) else {
                scan.problem(&path, format!("unknown emotion letter {}", &c[1]));
                continue;
            };
            let speaker = &c[3];
            if !("1"..="5").contains(&speaker) {
                scan.problem(&path, format!("speaker {speaker} outside 1–5"));
                continue;
            }
            if let Some(folder) = top_folder_name(root, &path) {
                if let Some(by_folder) = folder_emotion(&fold_name(&folder)) {
                    if let Some(reason) = label_conflict(&folder, by_folder, &c[1], emo) {
                        scan.exclude(&path, reason);
                        continue;
                    }
                }
            }
            let take = if c[4].is_empty() { "a" } else { &c[4] };
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                speaker,
                None,
                &c[1],
                Some(emo),
            )
            .with_extra("number", &c[2])
            .with_extra("take", take);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
