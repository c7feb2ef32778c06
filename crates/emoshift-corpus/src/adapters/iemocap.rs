//! IEMOCAP: labels from `SessionN/dialog/EmoEvaluation/*.txt`, audio
//! `SessionN/sentences/wav/<dialog>/<TURN>.wav`.
//!
//! A label line reads `[start - end]\tTURN\tEMO\t[V, A, D]`; the rater lines below it
//! (`C-E2:\tNeutral;\t()`, `A-E3:\tval 3; act 2; dom 2;\t()`) and the `%` header are
//! ignored, as are the `Attribute/`, `Categorical/` and `Self-evaluation/` sub-folders.
//! The speaker is the session plus the gender letter of the *last* token of the turn
//! id (`Ses01F_impro01_M003` → `Ses01M`): the dialog's lead tag (`Ses01F`) names
//! whoever started the dialog, and both actors speak in every dialog. Codes: neu, hap,
//! exc, sad, ang, fru, fea, sur, dis, oth, and `xxx` (no majority; kept with no
//! emotion). Improvised and scripted dialogs are both read (`extra["kind"]`). The
//! usual four-class set merges exc into hap (5531 utterances on the real corpus; see
//! [`crate::LabelSet`]).

use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use super::fs::{self, file_name, stem};
use super::{require_root, CorpusAdapter};
use crate::emotion::{Emotion, Gender};
use crate::error::{CorpusError, Result};
use crate::scan::{CorpusScan, ScanCollector};
use crate::utterance::Utterance;

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\[\s*([0-9.]+)\s*-\s*([0-9.]+)\s*\]\s+(\S+)\s+(\S+)\s+\[\s*([0-9.]+),\s*([0-9.]+),\s*([0-9.]+)\s*\]\s*$",
    )
    .expect("valid regex")
});
static TURN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Ses([0-9]{2})[FM]_(.+)_([FM])([0-9]{3})$").expect("valid regex")
});
static SESSION_DIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Session([0-9])$").expect("valid regex"));

/// IEMOCAP's categorical codes; `Ok(None)` for `xxx` (no majority).
fn emotion(code: &str) -> Result<Option<Emotion>, ()> {
    Ok(Some(match code {
        "neu" => Emotion::Neutral,
        "hap" => Emotion::Happiness,
        "exc" => Emotion::Excitement,
        "sad" => Emotion::Sadness,
        "ang" => Emotion::Anger,
        "fru" => Emotion::Frustration,
        "fea" => Emotion::Fear,
        "sur" => Emotion::Surprise,
        "dis" => Emotion::Disgust,
        "oth" => Emotion::Other,
        "xxx" => return Ok(None),
        _ => return Err(()),
    }))
}

fn session_dirs(root: &Path) -> Vec<std::path::PathBuf> {
    fs::subdirs(root)
        .into_iter()
        .filter(|d| SESSION_DIR.is_match(&file_name(d)))
        .collect()
}

/// The IEMOCAP adapter.
pub struct Iemocap;

impl CorpusAdapter for Iemocap {
    fn name(&self) -> &'static str {
        "iemocap"
    }
    fn display_name(&self) -> &'static str {
        "IEMOCAP"
    }
    fn language(&self) -> &'static str {
        "en"
    }

    fn detect(&self, root: &Path) -> bool {
        session_dirs(root)
            .iter()
            .any(|s| s.join("dialog").join("EmoEvaluation").is_dir())
    }

    fn scan(&self, root: &Path) -> Result<CorpusScan> {
        require_root(self, root, "SessionN/dialog/EmoEvaluation folders")?;
        let mut scan = ScanCollector::new(self.name(), self.display_name(), self.language(), root);
        for session in session_dirs(root) {
            let session_name = file_name(&session);
            let wav_root = session.join("sentences").join("wav");
            let mut labelled = BTreeSet::new();
            let eval_dir = session.join("dialog").join("EmoEvaluation");
            for label_file in fs::files(&eval_dir) {
                if fs::is_hidden(&label_file)
                    || !file_name(&label_file).to_lowercase().ends_with(".txt")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&label_file)
                    .map_err(|e| CorpusError::io(&label_file, e))?;
                for (lineno, line) in text.lines().enumerate() {
                    if !line.starts_with('[') {
                        continue;
                    }
                    let at = format!("{}:{}", label_file.display(), lineno + 1);
                    let Some(c) = LABEL.captures(line) else {
                        scan.problem(
                            Path::new(&at),
                            "label line is not `[start - end] TURN EMO [V, A, D]`",
                        );
                        continue;
                    };
                    let turn = c[3].to_string();
                    if !fs::is_plain_name(&turn) {
                        scan.problem(
                            Path::new(&at),
                            format!("turn id {turn} is a path, not a name; it would point outside the session's wav folder"),
                        );
                        continue;
                    }
                    let Some(t) = TURN.captures(&turn) else {
                        scan.problem(
                            Path::new(&at),
                            format!("turn id {turn} is not SesNN?_<dialog>_<F|M>NNN"),
                        );
                        continue;
                    };
                    let dialog = turn[..turn.rfind('_').expect("matched TURN")].to_string();
                    let wav = wav_root.join(&dialog).join(format!("{turn}.wav"));
                    labelled.insert(wav.clone());
                    let Ok(emo) = emotion(&c[4]) else {
                        scan.problem(Path::new(&at), format!("unknown emotion code {}", &c[4]));
                        continue;
                    };
                    if !wav.is_file() {
                        scan.problem(&wav, format!("labelled turn {turn} has no audio file"));
                        continue;
                    }
                    let gender = if &t[3] == "F" {
                        Gender::Female
                    } else {
                        Gender::Male
                    };
                    let kind = if t[2].contains("script") {
                        "scripted"
                    } else {
                        "improvised"
                    };
                    let utt = Utterance::new(
                        self.name(),
                        self.language(),
                        turn.clone(),
                        wav,
                        format!("Ses{}{}", &t[1], &t[3]),
                        Some(gender),
                        &c[4],
                        emo,
                    )
                    .with_session(session_name.clone())
                    .with_extra("dialog", dialog)
                    .with_extra("kind", kind)
                    .with_extra("start_s", &c[1])
                    .with_extra("end_s", &c[2])
                    .with_extra("valence_dim", &c[5])
                    .with_extra("arousal_dim", &c[6])
                    .with_extra("dominance_dim", &c[7]);
                    scan.push(utt);
                }
            }
            if wav_root.is_dir() {
                for path in fs::wav_files(&wav_root, &mut scan) {
                    if !labelled.contains(&path) {
                        scan.problem(
                            &path,
                            format!("audio file {} has no label line", stem(&path)),
                        );
                    }
                }
            }
        }
        Ok(scan.finish())
    }
}
