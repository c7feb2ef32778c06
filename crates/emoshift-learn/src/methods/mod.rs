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

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

pub use self::coral::{Coral, CoralConfig};
pub use self::da_mldg::{DaMldg, DaMldgConfig};
pub use self::dann::{Dann, DannConfig};
pub use self::erm::{Erm, ErmConfig};
pub use self::mldg::{Mldg, MldgConfig};
pub use self::mmd_transfer::{MmdTransfer, MmdTransferConfig};
pub use self::probe::{Probe, ProbeConfig};
pub use self::rsc::{Rsc, RscConfig, RscMode};
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
    /// [`Coral`].
    Coral(CoralConfig),
    /// [`Probe`].
    Probe(ProbeConfig),
}

impl MethodConfig {
    /// The names `name` may take.
    pub const NAMES: [&'static str; 8] = [
        "erm",
        "mldg",
        "da_mldg",
        "rsc",
        "dann",
        "mmd_transfer",
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
            MethodConfig::Coral(_) => "coral",
            MethodConfig::Probe(_) => "probe",
        }
    }
}

/// Builds the configured method around `model`, for training on
/// `num_domains` domains (domain indices `0..num_domains`; for
/// `mmd_transfer` the target domain counts too).
pub fn build(
    cfg: &MethodConfig,
    model: Box<dyn Model>,
    num_domains: usize,
) -> Result<Box<dyn Method>, LearnError> {
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
        MethodConfig::Dann(c) => Box::new(Dann::new(c, model, num_domains)?),
        MethodConfig::MmdTransfer(c) => Box::new(MmdTransfer::new(c, model, num_domains)?),
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
