//! CREMA-D: `AudioWAV/AAAA_SSS_EEE_LL.wav`, actors 1001–1091, twelve sentence codes,
//! emotions ANG DIS FEA HAP NEU SAD, level LO MD HI XX. Gender comes from
//! `VideoDemographics.csv` (columns `ActorID`, `Sex`) when it is present.
//! `1076_MTI_SAD_XX.wav` is silent in the distribution and is excluded with a note.

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

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})\.wav$").expect("valid regex")
});

const SENTENCES: [&str; 12] = [
    "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
];
const SILENT: &str = "1076_MTI_SAD_XX";

/// CREMA-D's emotion codes.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "ANG" => Emotion::Anger,
        "DIS" => Emotion::Disgust,
        "FEA" => Emotion::Fear,
        "HAP" => Emotion::Happiness,
        "NEU" => Emotion::Neutral,
        "SAD" => Emotion::Sadness,
        _ => return None,
    })
}

/// The CREMA-D adapter.
pub struct CremaD;

fn audio_dir(root: &Path) -> Option<PathBuf> {
    fs::subdirs(root)
        .into_iter()
        .find(|d| file_name(d).eq_ignore_ascii_case("AudioWAV"))
}

/// Actor id → gender from `VideoDemographics.csv`.
fn demographics(path: &Path) -> Result<BTreeMap<String, Gender>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| CorpusError::io(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| CorpusError::parse(path, e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| CorpusError::parse(path, format!("no `{name}` column")))
    };
    let (id_col, sex_col) = (col("ActorID")?, col("Sex")?);
    let mut out = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CorpusError::parse(path, format!("row {}: {e}", i + 2)))?;
        let id = record.get(id_col).unwrap_or("").trim().to_string();
        let sex = record.get(sex_col).unwrap_or("");
        let gender = Gender::from_name(sex)
            .map_err(|e| CorpusError::parse(path, format!("row {}: {e}", i + 2)))?;
        out.insert(id, gender);
    }
    Ok(out)
}

impl CorpusAdapter for CremaD {
    fn name(&self) -> &'static str {
        "crema_d"
    }
    fn display_name(&self) -> &'static str {
        "CREMA-D"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        audio_dir(root).is_some_and(|d| fs::files(&d).iter().any(|f| NAME.is_match(&file_name(f))))
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(
            self,
            root,
            "an AudioWAV folder of AAAA_SSS_EEE_LL.wav files",
        )?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        let demo_path = fs::files(root)
            .into_iter()
            .find(|f| file_name(f).eq_ignore_ascii_case("VideoDemographics.csv"));
        let genders = match &demo_path {
            Some(p) => demographics(p)?,
            None => BTreeMap::new(),
        };
        let dir = audio_dir(root).expect("detected above");
        for path in fs::wav_files(&dir, &mut scan) {
            let id = stem(&path);
            if id == SILENT {
                scan.exclude(
                    &path,
                    "silent recording in the distribution (known CREMA-D defect)",
                );
                continue;
            }
            let name = file_name(&path);
            let Some(c) = NAME.captures(&name) else {
                scan.problem(&path, "name is not AAAA_SSS_EEE_LL.wav");
                continue;
            };
            let actor: u32 = c[1].parse().unwrap_or(0);
            if !(1001..=1091).contains(&actor) {
                scan.problem(&path, format!("actor {} outside 1001–1091", &c[1]));
                continue;
            }
            if !SENTENCES.contains(&&c[2]) {
                scan.problem(&path, format!("unknown sentence code {}", &c[2]));
                continue;
            }
            let Some(emo) = emotion(&c[3]) else {
                scan.problem(&path, format!("unknown emotion code {}", &c[3]));
                continue;
            };
            if !["LO", "MD", "HI", "XX"].contains(&&c[4]) {
                scan.problem(&path, format!("unknown level code {}", &c[4]));
                continue;
            }
            let utt = Utterance::new(
                self.name(),
                self.language(),
                id.clone(),
                path.clone(),
                &c[1],
                genders.get(&c[1]).copied(),
                &c[3],
                Some(emo),
            )
            .with_extra("sentence", &c[2])
            .with_extra("level", &c[4]);
            scan.push(utt);
        }
        Ok(scan.finish())
    }
}
