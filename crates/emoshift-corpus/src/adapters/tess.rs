//! TESS (Toronto Emotional Speech Set): `{OAF|YAF}_<word>_<emotion>.wav` in folders
//! whose names vary in case and spelling between releases (`OAF_Fear`,
//! `OAF_Pleasant_surprise`, `YAF_pleasant_surprised`), so the emotion is taken from the
//! token after the last `_` of the *file* name, never from the folder. `ps` is pleasant
//! surprise, mapped to [`Emotion::Surprise`]. Two female speakers: OAF (older) and YAF
//! (younger). Some releases carry a second copy of the whole tree; a second file with
//! the same name is excluded as a duplicate copy (within one root here, across roots
//! by [`crate::scan_dirs`]).

use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

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
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in fs::walk_files(root)? {
            if fs::skip_non_wav(&path, &mut scan) {
                continue;
            }
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
            let key = name.to_lowercase();
            if let Some(first) = seen.get(&key) {
                scan.exclude(&path, format!("duplicate copy of {}", first.display()));
                continue;
            }
            seen.insert(key, path.clone());
            let speaker = c[1].to_uppercase();
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
