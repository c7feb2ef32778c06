//! TESS (Toronto Emotional Speech Set): `{OAF|YAF}_<word>_<emotion>.wav` in folders
//! `{OAF|YAF}_<emotion>` whose spellings vary in case and between releases
//! (`OAF_Fear`, `OAF_Pleasant_surprise`, `YAF_pleasant_surprised`). The emotion is
//! the token after the last `_` of the *file* name; where the file's folder names an
//! emotion too and the two disagree, or the folder's speaker prefix is not the file's
//! (`YAF_fear/OAF_back_fear.wav`), the file is excluded as a label conflict. `ps` is
//! pleasant surprise, mapped to [`Emotion::Surprise`]. Two female speakers: OAF
//! (older) and YAF (younger). Some releases carry a second copy of the whole tree; a
//! second copy of an utterance is excluded as a duplicate (within one root when the
//! scan is finished, across roots by [`crate::scan_dirs`]) — after label conflicts
//! and unreadable files are set aside, so of two copies the readable one whose folder
//! agrees is kept.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

use super::conflict::{label_conflict, speaker_conflict};
use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::Result;
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(OAF|YAF)_(.+)_([a-z]+)\.wav$").expect("valid regex"));
static SPEAKER_DIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(OAF|YAF)_").expect("valid regex"));

/// TESS' emotion tokens (lower-cased).
fn emotion(token: &str) -> Option<Emotion> {
    Some(match token {
        "angry" => Emotion::Anger,
        "disgust" => Emotion::Disgust,
        "fear" => Emotion::Fear,
        "happy" => Emotion::Happiness,
        "neutral" => Emotion::Neutral,
        "ps" => Emotion::Surprise,
        "sad" => Emotion::Sadness,
        _ => return None,
    })
}

/// The emotion a TESS folder name carries after its speaker prefix (`OAF_Fear`,
/// `YAF_pleasant_surprised`), compared without case.
fn folder_emotion(folder: &str) -> Option<Emotion> {
    let prefix = SPEAKER_DIR.find(folder)?;
    match folder[prefix.end()..].to_lowercase().as_str() {
        "pleasant_surprise" | "pleasant_surprised" => Some(Emotion::Surprise),
        token => emotion(token),
    }
}

fn has_speaker_dirs(dir: &Path) -> bool {
    fs::subdirs(dir)
        .iter()
        .any(|d| SPEAKER_DIR.is_match(&file_name(d)))
}

/// The TESS adapter.
pub struct Tess;

impl CorpusAdapter for Tess {
    fn name(&self) -> &'static str {
        "tess"
    }
    fn display_name(&self) -> &'static str {
        "TESS"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        has_speaker_dirs(root)
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "OAF_*/YAF_* folders")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for path in fs::wav_files(root, &mut scan) {
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not {OAF|YAF}_<word>_<emotion>.wav");
                continue;
            };
            let token = c[3].to_lowercase();
            let Some(emo) = emotion(&token) else {
                scan.problem(&path, format!("unknown emotion token {}", &c[3]));
                continue;
            };
            let folder = path.parent().map(file_name).unwrap_or_default();
            let speaker = c[1].to_uppercase();
            let conflict = folder_emotion(&folder)
                .and_then(|by_folder| label_conflict(&folder, by_folder, &c[3], emo))
                .or_else(|| {
                    let by_folder = SPEAKER_DIR.captures(&folder)?[1].to_uppercase();
                    speaker_conflict(&folder, &by_folder, &name, &speaker)
                });
            if let Some(reason) = conflict {
                scan.exclude(&path, reason);
                continue;
            }
            let utt = Utterance::new(
                self.name(),
                self.language(),
                stem(&path),
                path.clone(),
                speaker,
                Some(Gender::Female),
                token,
                Some(emo),
            )
            .with_extra("word", c[2].to_lowercase());
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
