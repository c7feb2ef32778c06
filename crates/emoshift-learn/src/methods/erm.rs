//! ERM ("Deep-All"): cross-entropy on the union of the source domains'
//! minibatches, `min_θ L_CE(∪_i S_i; θ)`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::common::{check_batches, concat, Core};
use crate::error::LearnError;
use crate::losses::cross_entropy;
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`Erm`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ErmConfig {
    /// Optimiser (default: the DA-MLDG paper's SGD, lr 0.05, momentum 0.9).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for ErmConfig {
    fn default() -> Self {
        Self {
            optimizer: OptimConfig::sgd_momentum(0.05, 0.9),
            clip_grad_norm: None,
        }
    }
}

/// Empirical risk minimisation over all training domains at once.
pub struct Erm {
    core: Core,
    num_domains: usize,
}

impl Erm {
    /// ERM training `model` on `num_domains` domains.
    pub fn new(
        cfg: &ErmConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            num_domains,
        })
    }
}

impl Method for Erm {
    fn name(&self) -> &'static str {
        "erm"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let all: Vec<&DomainBatch> = batches.iter().collect();
        let (x, y) = concat(&all);
        let logits = self.core.model.forward(self.core.theta(), &x, true);
        let loss = cross_entropy(&logits, &y);
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [("ce".to_string(), total)].into(),
        })
    }

    fn predict(&self, x: &Tensor) -> Tensor {
        self.core.predict(x)
    }

    fn embed(&self, x: &Tensor) -> Tensor {
        self.core.embed(x)
    }

    fn model(&self) -> &dyn Model {
        self.core.model.as_ref()
    }

    fn learning_rate(&self) -> f64 {
        self.core.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.core.set_learning_rate(lr);
    }

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        self.core.state_dict()
    }

    fn load_state_dict(
        &mut self,
        source: &Path,
        named: Vec<(String, Tensor)>,
    ) -> Result<(), LearnError> {
        let rest = self.core.load_state_dict(source, named)?;
        super::no_extra_state(source, rest)
    }
}
