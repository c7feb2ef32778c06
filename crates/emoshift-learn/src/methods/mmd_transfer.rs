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
//! cross-entropy also covers the target batch when that batch is labelled
//! (the paper's supervised setting, a labelled transfer task); an unlabelled
//! target batch ([`DomainBatch::labelled`] false) reaches only the MMD term,
//! so no target label is ever read. A pre-trained source model can instead
//! be loaded as initial weights with `source_steps = 0`.
//!
//! `finetune` ([`FinetuneConfig`]) is the paper's baseline, classical
//! fine-tuning: the same two steps without the MMD term, so step two is
//! cross-entropy on the source and the labelled target (`ce_target` shows
//! the target's share).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches_with_unlabelled, concat, Core};
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
            kernels: MmdKernels::default(),
            optimizer: OptimConfig::adam(1e-4),
            clip_grad_norm: None,
        }
    }
}

/// Hyperparameters of the fine-tuning baseline (MMD transfer without MMD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinetuneConfig {
    /// Number of initial updates that train on the source only (step one).
    pub source_steps: u64,
    /// Optimiser (as MMD transfer: Adam, lr 1e-4).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for FinetuneConfig {
    fn default() -> Self {
        let mmd = MmdTransferConfig::default();
        Self {
            source_steps: mmd.source_steps,
            optimizer: mmd.optimizer,
            clip_grad_norm: mmd.clip_grad_norm,
        }
    }
}

/// Source training followed by fine-tuning on source and target, with the
/// MMD term (`mmd_transfer`) or without it (`finetune`).
pub struct MmdTransfer {
    core: Core,
    /// λ and the kernels of the MMD term; `None` for plain fine-tuning.
    mmd: Option<(f64, MmdKernels)>,
    source_steps: u64,
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
            mmd: Some((cfg.lambda, cfg.kernels)),
            source_steps: cfg.source_steps,
            steps_done: 0,
            num_domains,
        })
    }

    /// The fine-tuning baseline training `model`; `num_domains` counts the target too.
    pub fn finetune(
        cfg: &FinetuneConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            mmd: None,
            source_steps: cfg.source_steps,
            steps_done: 0,
            num_domains,
        })
    }

    /// Whether the next update is step two (fine-tuning on the target).
    pub fn adapting(&self) -> bool {
        self.steps_done >= self.source_steps
    }
}

impl Method for MmdTransfer {
    fn name(&self) -> &'static str {
        if self.mmd.is_some() {
            "mmd_transfer"
        } else {
            "finetune"
        }
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches_with_unlabelled(batches, self.core.model.num_classes(), self.num_domains)?;
        if batches.len() < 2 {
            return Err(LearnError::Data(format!(
                "{} needs at least one source minibatch followed by the target minibatch (last)",
                self.name()
            )));
        }
        let (target, sources) = batches.split_last().expect("checked above");
        if let Some(b) = sources.iter().find(|b| !b.labelled) {
            return Err(LearnError::Data(format!(
                "source minibatch of domain {} is unlabelled; only the target (last) may be",
                b.domain
            )));
        }
        if self.mmd.is_none() && !target.labelled {
            return Err(LearnError::Data(
                "finetune needs a labelled target minibatch (a labelled transfer task); this one is unlabelled".into(),
            ));
        }
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
            // Step two: CE + λ·MMD_FC(D_s, D_t) (fine-tuning: CE alone).
            let n_source = xs.size()[0];
            let n_target = target.x.size()[0];
            let x = Tensor::cat(&[&xs, &target.x], 0);
            let f = model.features(theta, &x, true);
            let logits = model.classify(theta, &f, true);
            let ce = if target.labelled {
                let target_ce = cross_entropy(&logits.narrow(0, n_source, n_target), &target.y);
                terms.insert("ce_target".to_string(), target_ce.double_value(&[]));
                cross_entropy(&logits, &Tensor::cat(&[&ys, &target.y], 0))
            } else {
                cross_entropy(&logits.narrow(0, 0, n_source), &ys)
            };
            terms.insert("ce".to_string(), ce.double_value(&[]));
            match &self.mmd {
                Some((lambda, kernels)) => {
                    let f_source = f.narrow(0, 0, n_source);
                    let f_target = f.narrow(0, n_source, n_target);
                    let discrepancy = mmd(&f_source, &f_target, kernels);
                    terms.insert("mmd".to_string(), discrepancy.double_value(&[]));
                    ce + discrepancy * *lambda
                }
                None => ce,
            }
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
