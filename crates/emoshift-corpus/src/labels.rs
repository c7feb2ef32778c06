//! Label sets as data: which emotions form which classes, per-corpus class lists where a
//! paper uses them, and per-experiment merge/drop rules.
//!
//! Named sets ([`LabelSet::by_name`]):
//! - `da_mldg5` — anger, happiness, sadness, fear, disgust: the five emotions the
//!   DA-MLDG paper keeps for all ten corpora (no merges; its code reads IEMOCAP's
//!   `hap` folder only, so `exc` is dropped).
//! - `common4` — anger, happiness, neutral, sadness, with IEMOCAP's excitement merged
//!   into happiness (the usual 5531-utterance IEMOCAP set; the DANN paper and the
//!   embeddings poster use it).
//! - `basic7` — Ekman's six basic emotions plus neutral (anger, disgust, fear,
//!   happiness, neutral, sadness, surprise), one shared seven-class set.
//! - `mmd7` — the MMD paper's seven classes, which differ per corpus (its Table 1):
//!   IEMOCAP angry, happy, excited, sad, frustrated, fear, neutral; EmoDB angry, bored,
//!   disgust, fear, happy, sad, neutral (also the default for other corpora); RAVDESS
//!   neutral, calm, happy, sad, angry, fear, disgust. Class *i* of the source and of
//!   the target share the output unit, as in the paper's fine-tuning.
//! - `emodb7` — EmoDB's seven classes for every corpus.
//! - `arousal`, `valence` — binary low/high and negative/positive, after Schuller et
//!   al. (see [`crate::Emotion::arousal`]).
//! - `all` — every emotion except `other`, one class each.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::emotion::{Arousal, Emotion, Valence};
use crate::error::{CorpusError, Result};
use crate::utterance::Utterance;

/// What a label set classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelTarget {
    /// Categorical emotion classes.
    Emotion,
    /// Binary arousal: class 0 low, 1 high.
    Arousal,
    /// Binary valence: class 0 negative, 1 positive.
    Valence,
}

/// One output class and the unified emotions it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassDef {
    /// Class name as reported.
    pub name: String,
    /// Emotions (after the rules are applied) that belong to this class.
    pub emotions: Vec<Emotion>,
}

impl ClassDef {
    /// A class named after a single emotion.
    pub fn single(emotion: Emotion) -> Self {
        ClassDef {
            name: emotion.name().to_string(),
            emotions: vec![emotion],
        }
    }
}

/// A per-experiment rule applied to an utterance's emotion before classes are looked
/// up, optionally only for one corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum LabelRule {
    /// Relabel `from` as `into`.
    Merge {
        /// Only for this corpus (canonical name); all corpora when `None`.
        corpus: Option<String>,
        /// The emotion to relabel.
        from: Emotion,
        /// The emotion it becomes.
        into: Emotion,
    },
    /// Leave utterances of `emotion` out.
    Drop {
        /// Only for this corpus (canonical name); all corpora when `None`.
        corpus: Option<String>,
        /// The emotion to leave out.
        emotion: Emotion,
    },
}

/// A set of classes and the rules that map utterances onto them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSet {
    /// Name (`common4`, …).
    pub name: String,
    /// One line saying where the set comes from.
    pub description: String,
    /// What is classified.
    pub target: LabelTarget,
    /// The classes, in output order.
    pub classes: Vec<ClassDef>,
    /// Class lists that replace `classes` for particular corpora (same length).
    #[serde(default)]
    pub corpus_classes: BTreeMap<String, Vec<ClassDef>>,
    /// Rules applied in order before the class lookup.
    #[serde(default)]
    pub rules: Vec<LabelRule>,
}

/// Names accepted by [`LabelSet::by_name`].
pub const LABEL_SET_NAMES: [&str; 8] = [
    "da_mldg5", "common4", "basic7", "mmd7", "emodb7", "arousal", "valence", "all",
];

fn singles(emotions: &[Emotion]) -> Vec<ClassDef> {
    emotions.iter().copied().map(ClassDef::single).collect()
}

impl LabelSet {
    /// A categorical set with one class per emotion and no rules.
    pub fn from_emotions(name: &str, description: &str, emotions: &[Emotion]) -> Self {
        LabelSet {
            name: name.to_string(),
            description: description.to_string(),
            target: LabelTarget::Emotion,
            classes: singles(emotions),
            corpus_classes: BTreeMap::new(),
            rules: Vec::new(),
        }
    }

    /// Adds a rule (builder style).
    pub fn with_rule(mut self, rule: LabelRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The named set (see the module doc); the error lists the valid names.
    pub fn by_name(name: &str) -> Result<LabelSet> {
        use Emotion::*;
        let emodb7 = [Anger, Boredom, Disgust, Fear, Happiness, Sadness, Neutral];
        let set = match name {
            "da_mldg5" => LabelSet::from_emotions(
                name,
                "DA-MLDG: the five emotions common to its ten corpora",
                &[Anger, Happiness, Sadness, Fear, Disgust],
            ),
            "common4" => LabelSet::from_emotions(
                name,
                "anger, happiness, neutral, sadness; IEMOCAP excitement merged into happiness",
                &[Anger, Happiness, Neutral, Sadness],
            )
            .with_rule(LabelRule::Merge {
                corpus: Some("iemocap".to_string()),
                from: Excitement,
                into: Happiness,
            }),
            "basic7" => LabelSet::from_emotions(
                name,
                "Ekman's six basic emotions plus neutral",
                &[Anger, Disgust, Fear, Happiness, Neutral, Sadness, Surprise],
            ),
            "mmd7" => {
                let mut set = LabelSet::from_emotions(
                    name,
                    "MMD transfer paper: each corpus' own seven classes (Table 1)",
                    &emodb7,
                );
                set.corpus_classes.insert(
                    "iemocap".to_string(),
                    singles(&[
                        Anger,
                        Happiness,
                        Excitement,
                        Sadness,
                        Frustration,
                        Fear,
                        Neutral,
                    ]),
                );
                set.corpus_classes.insert(
                    "ravdess".to_string(),
                    singles(&[Neutral, Calm, Happiness, Sadness, Anger, Fear, Disgust]),
                );
                set
            }
            "emodb7" => LabelSet::from_emotions(name, "EmoDB's seven classes", &emodb7),
            "arousal" | "valence" => {
                let (target, names, description) = if name == "arousal" {
                    (
                        LabelTarget::Arousal,
                        ["low", "high"],
                        "binary arousal after Schuller et al.",
                    )
                } else {
                    (
                        LabelTarget::Valence,
                        ["negative", "positive"],
                        "binary valence after Schuller et al.",
                    )
                };
                LabelSet {
                    name: name.to_string(),
                    description: description.to_string(),
                    target,
                    classes: names
                        .iter()
                        .map(|n| ClassDef {
                            name: n.to_string(),
                            emotions: Vec::new(),
                        })
                        .collect(),
                    corpus_classes: BTreeMap::new(),
                    rules: Vec::new(),
                }
            }
            "all" => {
                let all: Vec<Emotion> = Emotion::ALL.into_iter().filter(|e| *e != Other).collect();
                LabelSet::from_emotions(name, "every unified emotion except `other`", &all)
            }
            _ => return Err(CorpusError::unknown("label set", name, &LABEL_SET_NAMES)),
        };
        Ok(set)
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// Class names in output order (the default list; see [`Self::class_names_for`]).
    pub fn class_names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }

    /// Class names as they apply to `corpus`.
    pub fn class_names_for(&self, corpus: &str) -> Vec<String> {
        self.classes_for(corpus)
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    fn classes_for(&self, corpus: &str) -> &[ClassDef] {
        self.corpus_classes.get(corpus).unwrap_or(&self.classes)
    }

    /// The emotion of `utt` after the rules, `None` when dropped or unlabelled.
    pub fn mapped_emotion(&self, utt: &Utterance) -> Option<Emotion> {
        let mut emotion = utt.emotion?;
        for rule in &self.rules {
            match rule {
                LabelRule::Merge { corpus, from, into } => {
                    if applies(corpus, utt) && emotion == *from {
                        emotion = *into;
                    }
                }
                LabelRule::Drop { corpus, emotion: e } => {
                    if applies(corpus, utt) && emotion == *e {
                        return None;
                    }
                }
            }
        }
        Some(emotion)
    }

    /// The class of `utt`, or `None` when the set does not use it.
    pub fn class_index(&self, utt: &Utterance) -> Option<usize> {
        match self.target {
            LabelTarget::Arousal => utt
                .arousal
                .or_else(|| utt.emotion.and_then(Emotion::arousal))
                .map(|a| usize::from(a == Arousal::High)),
            LabelTarget::Valence => utt
                .valence
                .or_else(|| utt.emotion.and_then(Emotion::valence))
                .map(|v| usize::from(v == Valence::Positive)),
            LabelTarget::Emotion => {
                let emotion = self.mapped_emotion(utt)?;
                self.classes_for(&utt.corpus)
                    .iter()
                    .position(|c| c.emotions.contains(&emotion))
            }
        }
    }

    /// `(position in utts, class)` for every utterance the set uses.
    pub fn labelled(&self, utts: &[Utterance]) -> Vec<(usize, usize)> {
        utts.iter()
            .enumerate()
            .filter_map(|(i, u)| self.class_index(u).map(|c| (i, c)))
            .collect()
    }

    /// Utterances per class for `utts` (length [`Self::num_classes`]).
    pub fn class_counts(&self, utts: &[Utterance]) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for (_, c) in self.labelled(utts) {
            counts[c] += 1;
        }
        counts
    }
}

fn applies(corpus: &Option<String>, utt: &Utterance) -> bool {
    corpus.as_deref().is_none_or(|c| c == utt.corpus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn utt(corpus: &str, emotion: Emotion) -> Utterance {
        Utterance::new(
            corpus,
            "en",
            "x",
            PathBuf::from("x.wav"),
            "s",
            None,
            "raw",
            Some(emotion),
        )
    }

    #[test]
    fn every_named_set_builds_and_errors_list_names() {
        for name in LABEL_SET_NAMES {
            let set = LabelSet::by_name(name).unwrap();
            assert_eq!(set.name, name);
            for classes in set.corpus_classes.values() {
                assert_eq!(classes.len(), set.num_classes(), "{name}");
            }
        }
        let err = LabelSet::by_name("six").unwrap_err().to_string();
        assert!(err.contains("common4") && err.contains("da_mldg5"), "{err}");
    }

    #[test]
    fn common4_merges_excitement_only_for_iemocap() {
        let set = LabelSet::by_name("common4").unwrap();
        assert_eq!(
            set.class_index(&utt("iemocap", Emotion::Excitement)),
            Some(1)
        );
        assert_eq!(set.class_index(&utt("other", Emotion::Excitement)), None);
        assert_eq!(set.class_index(&utt("ravdess", Emotion::Sadness)), Some(3));
        assert_eq!(set.class_index(&utt("ravdess", Emotion::Calm)), None);
    }

    #[test]
    fn mmd7_uses_each_corpus_classes() {
        let set = LabelSet::by_name("mmd7").unwrap();
        assert_eq!(set.class_index(&utt("ravdess", Emotion::Calm)), Some(1));
        assert_eq!(set.class_index(&utt("emodb", Emotion::Boredom)), Some(1));
        assert_eq!(
            set.class_index(&utt("iemocap", Emotion::Excitement)),
            Some(2)
        );
        assert_eq!(set.class_index(&utt("iemocap", Emotion::Disgust)), None);
        assert_eq!(set.class_names_for("ravdess")[1], "calm");
    }

    #[test]
    fn arousal_and_valence_follow_schuller() {
        let a = LabelSet::by_name("arousal").unwrap();
        let v = LabelSet::by_name("valence").unwrap();
        assert_eq!(a.class_index(&utt("savee", Emotion::Disgust)), Some(0));
        assert_eq!(a.class_index(&utt("savee", Emotion::Fear)), Some(1));
        assert_eq!(v.class_index(&utt("emodb", Emotion::Boredom)), Some(0));
        assert_eq!(v.class_index(&utt("emodb", Emotion::Neutral)), Some(1));
        assert_eq!(a.class_names(), vec!["low", "high"]);
    }

    #[test]
    fn drop_rule_removes_an_emotion() {
        let set = LabelSet::by_name("basic7")
            .unwrap()
            .with_rule(LabelRule::Drop {
                corpus: None,
                emotion: Emotion::Surprise,
            });
        assert_eq!(set.class_index(&utt("tess", Emotion::Surprise)), None);
        assert_eq!(set.class_index(&utt("tess", Emotion::Anger)), Some(0));
    }
}
