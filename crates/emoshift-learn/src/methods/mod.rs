//! The learning methods, one file each, and the factory that builds one
//! from its configuration.
//!
//! Configuration, as in an experiment file:
//! ```toml
//! [method]
//! name = "da_mldg"
//! inner_lr = 0.01
//! [method.optimizer]
//! kind = "sgd"
//! lr = 0.05
//! momentum = 0.9
//! ```
//! Every key has the paper's default; an unknown method name or key is an
//! error that lists the valid ones. A given `optimizer` table replaces the
//! method's default optimiser as a whole.

/// The [`Method`] items every method forwards unchanged to its
/// `MethodCore` (`self.core`): prediction, embedding, the model and the
/// learning rate.
macro_rules! forward_to_core {
    () => {
        fn predict(&self, x: &tch::Tensor) -> tch::Tensor {
            self.core.predict(x)
        }

        fn embed(&self, x: &tch::Tensor) -> tch::Tensor {
            self.core.embed(x)
        }

        fn model(&self) -> &dyn $crate::model::Model {
            self.core.model.as_ref()
        }

        fn learning_rate(&self) -> f64 {
            self.core.learning_rate()
        }

        fn set_learning_rate(&mut self, lr: f64) {
            self.core.set_learning_rate(lr);
        }
    };
}

/// `state_dict` and `load_state_dict` of a method whose whole state is its
/// `MethodCore`.
macro_rules! core_state {
    () => {
        fn state_dict(&self) -> Vec<(String, tch::Tensor)> {
            self.core.state_dict()
        }

        fn load_state_dict(
            &mut self,
            source: &std::path::Path,
            named: Vec<(String, tch::Tensor)>,
        ) -> Result<(), $crate::error::LearnError> {
            let rest = self.core.load_state_dict(source, named)?;
            super::no_extra_state(source, rest)
        }
    };
}

mod common;
pub mod coral;
pub mod da_mldg;
pub mod dann;
pub mod erm;
pub mod mldg;
pub mod mmd_transfer;
pub mod probe;
pub mod rsc;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

pub use self::coral::{Coral, CoralConfig};
pub use self::da_mldg::{DaMldg, DaMldgConfig};
pub use self::dann::{Dann, DannConfig};
pub use self::erm::{Erm, ErmConfig};
pub use self::mldg::{Mldg, MldgConfig};
pub use self::mmd_transfer::{FinetuneConfig, MmdTransfer, MmdTransferConfig};
pub use self::probe::{Probe, ProbeConfig};
pub use self::rsc::{Rsc, RscConfig, RscMode};
use crate::data::InputLayout;
use crate::error::LearnError;
use crate::method::Method;
use crate::model::Model;

/// A method and its hyperparameters, tagged by `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum MethodConfig {
    /// [`Erm`].
    Erm(ErmConfig),
    /// [`Mldg`].
    Mldg(MldgConfig),
    /// [`DaMldg`].
    DaMldg(DaMldgConfig),
    /// [`Rsc`].
    Rsc(RscConfig),
    /// [`Dann`].
    Dann(DannConfig),
    /// [`MmdTransfer`].
    MmdTransfer(MmdTransferConfig),
    /// [`MmdTransfer`] without its MMD term: the MMD paper's fine-tuning baseline.
    Finetune(FinetuneConfig),
    /// [`Coral`].
    Coral(CoralConfig),
    /// [`Probe`].
    Probe(ProbeConfig),
}

impl MethodConfig {
    /// The names `name` may take.
    pub const NAMES: [&'static str; 9] = [
        "erm",
        "mldg",
        "da_mldg",
        "rsc",
        "dann",
        "mmd_transfer",
        "finetune",
        "coral",
        "probe",
    ];

    /// The method called `name` with all its defaults.
    pub fn default_for(name: &str) -> Result<Self, LearnError> {
        Ok(match name {
            "erm" => MethodConfig::Erm(ErmConfig::default()),
            "mldg" => MethodConfig::Mldg(MldgConfig::default()),
            "da_mldg" => MethodConfig::DaMldg(DaMldgConfig::default()),
            "rsc" => MethodConfig::Rsc(RscConfig::default()),
            "dann" => MethodConfig::Dann(DannConfig::default()),
            "mmd_transfer" => MethodConfig::MmdTransfer(MmdTransferConfig::default()),
            "finetune" => MethodConfig::Finetune(FinetuneConfig::default()),
            "coral" => MethodConfig::Coral(CoralConfig::default()),
            "probe" => MethodConfig::Probe(ProbeConfig::default()),
            other => {
                return Err(LearnError::Config {
                    key: "method.name".into(),
                    value: other.into(),
                    allowed: format!("one of {}", Self::NAMES.join(", ")),
                })
            }
        })
    }

    /// The method's name.
    pub fn name(&self) -> &'static str {
        match self {
            MethodConfig::Erm(_) => "erm",
            MethodConfig::Mldg(_) => "mldg",
            MethodConfig::DaMldg(_) => "da_mldg",
            MethodConfig::Rsc(_) => "rsc",
            MethodConfig::Dann(_) => "dann",
            MethodConfig::MmdTransfer(_) => "mmd_transfer",
            MethodConfig::Finetune(_) => "finetune",
            MethodConfig::Coral(_) => "coral",
            MethodConfig::Probe(_) => "probe",
        }
    }

    /// Whether an update differentiates through gradients (MLDG and
    /// DA-MLDG with `order = 2`): every layer must support double
    /// backward, which cuDNN's LSTM does not.
    pub fn second_order(&self) -> bool {
        match self {
            MethodConfig::Mldg(c) => c.order == 2,
            MethodConfig::DaMldg(c) => c.order == 2,
            _ => false,
        }
    }

    /// What the method needs from a task and its data; the experiment
    /// engine builds the method's inputs from this and nothing else.
    pub fn needs(&self) -> MethodNeeds {
        let dg = MethodNeeds {
            target_audio: Need::Never,
            target_labels: Need::Never,
            aux_labels: Vec::new(),
            min_domains: 1,
            layouts: vec![
                InputLayout::Spectrogram,
                InputLayout::Sequence,
                InputLayout::Vector,
            ],
            pools_frames: false,
            adaptation_from_step: 0,
        };
        match self {
            MethodConfig::Erm(_) | MethodConfig::Rsc(_) => dg,
            MethodConfig::Mldg(_) | MethodConfig::DaMldg(_) | MethodConfig::Coral(_) => {
                MethodNeeds {
                    min_domains: 2,
                    ..dg
                }
            }
            MethodConfig::Probe(_) => MethodNeeds {
                layouts: vec![InputLayout::Vector],
                pools_frames: true,
                ..dg
            },
            MethodConfig::Dann(c) => MethodNeeds {
                target_audio: Need::WhenOffered,
                aux_labels: c
                    .heads
                    .iter()
                    .filter_map(|h| AuxLabel::from_head(h))
                    .collect(),
                min_domains: if c.heads.iter().any(|h| h == "corpus") {
                    2
                } else {
                    1
                },
                ..dg
            },
            MethodConfig::MmdTransfer(c) => MethodNeeds {
                target_audio: Need::Always,
                target_labels: Need::WhenOffered,
                adaptation_from_step: c.source_steps as usize,
                ..dg
            },
            MethodConfig::Finetune(c) => MethodNeeds {
                target_audio: Need::Always,
                target_labels: Need::Always,
                adaptation_from_step: c.source_steps as usize,
                ..dg
            },
        }
    }

    /// The loss terms that show each ingredient of the method at work: a
    /// run in which one of them stays zero throughout did not do what the
    /// method's name says.
    pub fn characteristic_terms(&self) -> Vec<String> {
        let names: &[&str] = match self {
            MethodConfig::Erm(_) => &["ce"],
            MethodConfig::Mldg(_) => &["meta_train", "meta_test"],
            MethodConfig::DaMldg(_) => &["meta_train", "meta_test", "gamma"],
            MethodConfig::Rsc(_) => &["ce", "muted_fraction"],
            MethodConfig::Coral(_) => &["ce", "coral"],
            MethodConfig::Probe(_) => &["ce", "frames_masked", "mixed_share", "noise_rms"],
            MethodConfig::MmdTransfer(_) => &["ce", "mmd"],
            MethodConfig::Finetune(_) => &["ce", "ce_target"],
            MethodConfig::Dann(c) => {
                let mut terms = vec!["ce".to_string()];
                if c.center_loss {
                    terms.push("center".into());
                }
                terms.extend(c.heads.iter().map(|h| format!("domain_{h}")));
                return terms;
            }
        };
        names.iter().map(|n| n.to_string()).collect()
    }
}

/// How much a method wants of something a task may or may not offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Never uses it, even where the task offers it.
    Never,
    /// Uses it where the task offers it, trains without it elsewhere.
    WhenOffered,
    /// Cannot run without it.
    Always,
}

/// Per-sample labels besides the emotion that a method's auxiliary heads
/// read, taken from the corpus layer's utterance records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuxLabel {
    /// The speaker's gender.
    Gender,
    /// The recording's language.
    Language,
    /// The speaker (corpus-qualified identity).
    Speaker,
}

impl AuxLabel {
    /// Every auxiliary label.
    pub const ALL: [AuxLabel; 3] = [AuxLabel::Gender, AuxLabel::Language, AuxLabel::Speaker];

    /// The head name that reads this label (`gender`, `language`, `speaker`).
    pub fn name(self) -> &'static str {
        match self {
            AuxLabel::Gender => "gender",
            AuxLabel::Language => "language",
            AuxLabel::Speaker => "speaker",
        }
    }

    /// The label a head called `head` reads (`None` for `corpus`, which
    /// reads the domain index, and for unknown names).
    pub fn from_head(head: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == head)
    }
}

/// What a method needs from a task and its data (see [`MethodConfig::needs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodNeeds {
    /// Target-corpus audio in training (only transfer tasks offer it).
    pub target_audio: Need,
    /// Target-corpus class labels in training (only labelled transfer tasks offer them).
    pub target_labels: Need,
    /// Auxiliary per-sample labels its heads read.
    pub aux_labels: Vec<AuxLabel>,
    /// Fewest training domains (source corpora, plus the target where it is used).
    pub min_domains: usize,
    /// Model input layouts it can train.
    pub layouts: Vec<InputLayout>,
    /// It averages frame sequences into the model's vectors itself (the
    /// probe, whose frame masking and mixing act on frames): its batches
    /// are [`InputLayout::Sequence`] over a [`InputLayout::Vector`] model.
    pub pools_frames: bool,
    /// The step from which the method adapts to the target: model selection
    /// must not pick a state from before it.
    pub adaptation_from_step: usize,
}

impl MethodNeeds {
    /// The layout of the batches the method is fed for a model that takes
    /// `model_layout` inputs.
    pub fn batch_layout(&self, model_layout: InputLayout) -> InputLayout {
        if self.pools_frames && model_layout == InputLayout::Vector {
            InputLayout::Sequence
        } else {
            model_layout
        }
    }
}

/// The training domains a method is built for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainInfo {
    /// Number of domains (domain indices `0..num_domains`).
    pub num_domains: usize,
    /// Class count of each auxiliary label present in the data, by head name.
    pub aux_classes: BTreeMap<String, usize>,
}

impl From<usize> for DomainInfo {
    /// `num_domains` domains without auxiliary labels.
    fn from(num_domains: usize) -> Self {
        Self {
            num_domains,
            aux_classes: BTreeMap::new(),
        }
    }
}

/// Builds the configured method around `model`, for training on the
/// domains `domains` describes (a bare count: domains without auxiliary
/// labels; for `mmd_transfer` and `finetune` the target domain counts too).
pub fn build(
    cfg: &MethodConfig,
    model: Box<dyn Model>,
    domains: impl Into<DomainInfo>,
) -> Result<Box<dyn Method>, LearnError> {
    let domains = domains.into();
    let num_domains = domains.num_domains;
    if num_domains == 0 {
        return Err(LearnError::Config {
            key: "num_domains".into(),
            value: "0".into(),
            allowed: "at least one training domain".into(),
        });
    }
    Ok(match cfg {
        MethodConfig::Erm(c) => Box::new(Erm::new(c, model, num_domains)?),
        MethodConfig::Mldg(c) => Box::new(Mldg::new(c, model, num_domains)?),
        MethodConfig::DaMldg(c) => Box::new(DaMldg::new(c, model, num_domains)?),
        MethodConfig::Rsc(c) => Box::new(Rsc::new(c, model, num_domains)?),
        MethodConfig::Dann(c) => Box::new(Dann::new(c, model, &domains)?),
        MethodConfig::MmdTransfer(c) => Box::new(MmdTransfer::new(c, model, num_domains)?),
        MethodConfig::Finetune(c) => Box::new(MmdTransfer::finetune(c, model, num_domains)?),
        MethodConfig::Coral(c) => Box::new(Coral::new(c, model, num_domains)?),
        MethodConfig::Probe(c) => Box::new(Probe::new(c, model, num_domains)?),
    })
}

/// Takes the tensor called `name` out of the checkpoint tensors no other
/// part of the method claimed; its absence is an error naming the file.
fn take_state(
    source: &Path,
    rest: &mut Vec<(String, Tensor)>,
    name: &str,
) -> Result<Tensor, LearnError> {
    let pos = rest
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| LearnError::Checkpoint {
            path: source.to_path_buf(),
            reason: format!("missing tensor `{name}`"),
        })?;
    Ok(rest.remove(pos).1)
}

/// Fails when a checkpoint holds tensors no part of the method claimed.
fn no_extra_state(source: &Path, rest: Vec<(String, Tensor)>) -> Result<(), LearnError> {
    if rest.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = rest.into_iter().map(|(n, _)| format!("`{n}`")).collect();
    Err(LearnError::Checkpoint {
        path: source.to_path_buf(),
        reason: format!("unexpected tensors {}", names.join(", ")),
    })
}
