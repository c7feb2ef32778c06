//! ERM ("Deep-All"): cross-entropy on the union of the source domains'
//! minibatches, `min_θ L_CE(∪_i S_i; θ)`.

use serde::{Deserialize, Serialize};

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

    forward_to_core!();
    core_state!();
}
