//! Domain-adaptive transfer learning with MMD (Baklouti, Ben Ahmed and
//! Fernandez-Maloigne).
//!
//! Step one learns a source model with cross-entropy; step two fine-tunes it
//! with eq. 1, `Loss = CE + λ·MMD_FC(D_s, D_t)`, where `MMD_FC` is the
//! multi-kernel Gaussian MMD (eq. 2, see [`crate::losses::mmd`]) between the
//! source and target batches' features at the first fully connected layer
//! (the model's [`Model::features`]).
//!
//! How batches are passed: the **last** minibatch of every `update` is the
//! target domain's, all others are source domains (joined). The first
//! `source_steps` updates are step one (cross-entropy on the source only, the
//! target batch unused); every later update is step two. In step two the
//! cross-entropy also covers the target batch when `target_labelled` (the
//! paper's supervised setting); otherwise the target's labels are never read.
//! A pre-trained source model can instead be loaded as initial weights with
//! `source_steps = 0`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches, concat, Core};
use crate::error::LearnError;
use crate::losses::{cross_entropy, mmd, MmdKernels};
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`MmdTransfer`] (paper: Adam, lr 1e-4, batch 16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MmdTransferConfig {
    /// Weight λ of the MMD term.
    pub lambda: f64,
    /// Number of initial updates that train on the source only (step one).
    pub source_steps: u64,
    /// Whether the target batch's labels join the cross-entropy in step two.
    pub target_labelled: bool,
    /// Kernels and estimate of the MMD.
    pub kernels: MmdKernels,
    /// Optimiser (paper: Adam, lr 1e-4).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for MmdTransferConfig {
    fn default() -> Self {
        Self {
            lambda: 1.0,
            source_steps: 0,
            target_labelled: true,
            kernels: MmdKernels::default(),
            optimizer: OptimConfig::adam(1e-4),
            clip_grad_norm: None,
        }
    }
}

/// Source training followed by MMD-regularised fine-tuning.
pub struct MmdTransfer {
    core: Core,
    cfg: MmdTransferConfig,
    steps_done: u64,
    num_domains: usize,
}

impl MmdTransfer {
    /// MMD transfer training `model`; `num_domains` counts the target too.
    pub fn new(
        cfg: &MmdTransferConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        if !(cfg.lambda.is_finite() && cfg.lambda >= 0.0) {
            return Err(LearnError::Config {
                key: "lambda".into(),
                value: cfg.lambda.to_string(),
                allowed: "a finite number >= 0".into(),
            });
        }
        if cfg.kernels.num == 0 || !(cfg.kernels.mul.is_finite() && cfg.kernels.mul > 0.0) {
            return Err(LearnError::Config {
                key: "kernels".into(),
                value: format!("num = {}, mul = {}", cfg.kernels.num, cfg.kernels.mul),
                allowed: "num >= 1 and mul > 0".into(),
            });
        }
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            steps_done: 0,
            num_domains,
        })
    }

    /// Whether the next update is step two (fine-tuning with MMD).
    pub fn adapting(&self) -> bool {
        self.steps_done >= self.cfg.source_steps
    }
}

impl Method for MmdTransfer {
    fn name(&self) -> &'static str {
        "mmd_transfer"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        if batches.len() < 2 {
            return Err(LearnError::Data(
                "mmd_transfer needs at least one source minibatch followed by the target minibatch (last)".into(),
            ));
        }
        let (target, sources) = batches.split_last().expect("checked above");
        let sources: Vec<&DomainBatch> = sources.iter().collect();
        let (xs, ys) = concat(&sources);
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let mut terms = std::collections::BTreeMap::new();
        let loss = if !self.adapting() {
            // Step one: CE on the source.
            let ce = cross_entropy(&model.forward(theta, &xs, true), &ys);
            terms.insert("ce".to_string(), ce.double_value(&[]));
            ce
        } else {
            // Step two: CE + λ·MMD_FC(D_s, D_t).
            let n_source = xs.size()[0];
            let x = Tensor::cat(&[&xs, &target.x], 0);
            let f = model.features(theta, &x, true);
            let logits = model.classify(theta, &f, true);
            let ce = if self.cfg.target_labelled {
                cross_entropy(&logits, &Tensor::cat(&[&ys, &target.y], 0))
            } else {
                cross_entropy(&logits.narrow(0, 0, n_source), &ys)
            };
            let f_source = f.narrow(0, 0, n_source);
            let f_target = f.narrow(0, n_source, f.size()[0] - n_source);
            let discrepancy = mmd(&f_source, &f_target, &self.cfg.kernels);
            terms.insert("ce".to_string(), ce.double_value(&[]));
            terms.insert("mmd".to_string(), discrepancy.double_value(&[]));
            ce + discrepancy * self.cfg.lambda
        };
        let total = self.core.step(&loss)?;
        self.steps_done += 1;
        Ok(LossReport { total, terms })
    }

    forward_to_core!();

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        let mut out = self.core.state_dict();
        out.push((
            "state.steps_done".into(),
            Tensor::from(self.steps_done as i64).to_device(Device::Cpu),
        ));
        out
    }

    fn load_state_dict(
        &mut self,
        source: &Path,
        named: Vec<(String, Tensor)>,
    ) -> Result<(), LearnError> {
        let mut rest = self.core.load_state_dict(source, named)?;
        let steps = super::take_state(source, &mut rest, "state.steps_done")?;
        super::no_extra_state(source, rest)?;
        self.steps_done = steps.to_kind(Kind::Int64).int64_value(&[]).max(0) as u64;
        Ok(())
    }
}
