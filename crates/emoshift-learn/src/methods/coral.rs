//! Deep CORAL for domain generalisation, in DomainBed's form:
//! `L = (1/D) Σ_i CE(S_i) + w · (1/P) Σ_{i<j} CORAL(f_i, f_j)`, the mean
//! cross-entropy over domains plus the mean over the `P = D(D−1)/2` domain
//! pairs of the mean and covariance alignment of their features
//! ([`crate::losses::coral`]).
//!
//! The minibatches run through the network as one joined batch (batch-norm
//! statistics over the union, as ERM), then the features are split by
//! domain. A single domain has no pair: the penalty is zero and the update
//! is ERM's.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::common::{check_batches, concat, mean_of, Core};
use crate::error::LearnError;
use crate::losses::{coral, cross_entropy};
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`Coral`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoralConfig {
    /// Weight w of the alignment penalty (DomainBed: 1).
    pub weight: f64,
    /// Optimiser (default: SGD, lr 0.05, momentum 0.9).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for CoralConfig {
    fn default() -> Self {
        Self {
            weight: 1.0,
            optimizer: OptimConfig::sgd_momentum(0.05, 0.9),
            clip_grad_norm: None,
        }
    }
}

/// Cross-entropy plus correlation alignment between training domains.
pub struct Coral {
    core: Core,
    cfg: CoralConfig,
    num_domains: usize,
}

impl Coral {
    /// CORAL training `model` on `num_domains` domains.
    pub fn new(
        cfg: &CoralConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        if !(cfg.weight.is_finite() && cfg.weight >= 0.0) {
            return Err(LearnError::Config {
                key: "weight".into(),
                value: cfg.weight.to_string(),
                allowed: "a finite number >= 0".into(),
            });
        }
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            num_domains,
        })
    }
}

impl Method for Coral {
    fn name(&self) -> &'static str {
        "coral"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let all: Vec<&DomainBatch> = batches.iter().collect();
        let (x, _) = concat(&all);
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let sizes: Vec<i64> = batches.iter().map(|b| b.y.size()[0]).collect();
        let features = model
            .features(theta, &x, true)
            .split_with_sizes(sizes.as_slice(), 0);
        let ce: Vec<Tensor> = features
            .iter()
            .zip(batches)
            .map(|(f, b)| cross_entropy(&model.classify(theta, f, true), &b.y))
            .collect();
        let ce = mean_of(&ce);
        let mut pairs = Vec::new();
        for i in 0..features.len() {
            for j in i + 1..features.len() {
                pairs.push(coral(&features[i], &features[j]));
            }
        }
        let penalty = if pairs.is_empty() {
            Tensor::zeros([], (Kind::Float, x.device()))
        } else {
            mean_of(&pairs)
        };
        let loss = &ce + &penalty * self.cfg.weight;
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [
                ("ce".to_string(), ce.double_value(&[])),
                ("coral".to_string(), penalty.double_value(&[])),
            ]
            .into(),
        })
    }

    forward_to_core!();
    core_state!();
}
