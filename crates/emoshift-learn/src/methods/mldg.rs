//! MLDG (Li et al., AAAI 2018): each step splits the training domains into
//! meta-train `S'` and meta-test `V`, takes a virtual step
//! `θ' = θ − α ∇_θ L(S'; θ)` and minimises `L(S'; θ) + β · L(V; θ')`.
//!
//! `L(·)` is the mean over the set's domains of each domain's mean
//! cross-entropy (DA-MLDG eq. 2). With `order = 2` the meta-test term is
//! differentiated through the inner step (create_graph): the exact MLDG
//! gradient with its second derivatives. With `order = 1` the inner
//! gradient is treated as a constant, so the meta-test gradient evaluated at
//! θ' is applied to θ (first-order MLDG).
//!
//! Batch norm: each set is forwarded as one batch (see [`set_loss`]). The
//! meta-train forward at θ updates the running statistics; the meta-test
//! forward at θ′ normalises with its batch statistics but leaves the
//! running ones alone ([`meta_test_loss`]), so evaluation uses statistics of
//! θ only, as after an ERM step.
//!
//! A single training domain leaves no domain for the meta-test set; its
//! minibatch is then split in two random halves (meta-train gets the larger
//! one), and a minibatch of one sample serves as both sets.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches, mean_of, Core};
use crate::error::LearnError;
use crate::losses::cross_entropy;
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`Mldg`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MldgConfig {
    /// Inner (meta-train) step size α (DA-MLDG paper: η_s = 0.01).
    pub inner_lr: f64,
    /// Weight β of the meta-test loss.
    pub beta: f64,
    /// 1 = first-order, 2 = exact second-order gradient.
    pub order: u8,
    /// Number of domains drawn into the meta-test set each step.
    pub meta_test_domains: usize,
    /// Outer optimiser (default: SGD, lr 0.05, momentum 0.9).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for MldgConfig {
    fn default() -> Self {
        Self {
            inner_lr: 0.01,
            beta: 1.0,
            order: 2,
            meta_test_domains: 1,
            optimizer: OptimConfig::sgd_momentum(0.05, 0.9),
            clip_grad_norm: None,
        }
    }
}

/// Checks the settings shared by MLDG and DA-MLDG.
pub(crate) fn check_meta(
    inner_lr: f64,
    order: u8,
    meta_test_domains: usize,
) -> Result<(), LearnError> {
    if !(inner_lr.is_finite() && inner_lr >= 0.0) {
        return Err(LearnError::Config {
            key: "inner_lr".into(),
            value: inner_lr.to_string(),
            allowed: "a finite number >= 0".into(),
        });
    }
    if order != 1 && order != 2 {
        return Err(LearnError::Config {
            key: "order".into(),
            value: order.to_string(),
            allowed: "1 (first-order) or 2 (exact second-order)".into(),
        });
    }
    if meta_test_domains == 0 {
        return Err(LearnError::Config {
            key: "meta_test_domains".into(),
            value: "0".into(),
            allowed: "at least 1".into(),
        });
    }
    Ok(())
}

/// One set (meta-train or meta-test): a list of per-domain (inputs, labels).
pub(crate) type MetaSet = Vec<(Tensor, Tensor)>;

/// Splits the minibatches into meta-train and meta-test sets: the batches
/// whose positions are in `meta_test` form `V`, the others `S'`. With a
/// single minibatch its samples are split instead (see the module docs).
pub(crate) fn split(
    batches: &[DomainBatch],
    meta_test: &[usize],
) -> Result<(MetaSet, MetaSet), LearnError> {
    if batches.len() == 1 {
        return Ok(split_samples(&batches[0]));
    }
    if meta_test.is_empty()
        || meta_test.len() >= batches.len()
        || meta_test.iter().any(|&i| i >= batches.len())
    {
        return Err(LearnError::Data(format!(
            "meta-test positions {meta_test:?} must leave both sets non-empty among {} minibatches",
            batches.len()
        )));
    }
    let pair = |b: &DomainBatch| (b.x.shallow_clone(), b.y.shallow_clone());
    let train = (0..batches.len())
        .filter(|i| !meta_test.contains(i))
        .map(|i| pair(&batches[i]))
        .collect();
    let test = meta_test.iter().map(|&i| pair(&batches[i])).collect();
    Ok((train, test))
}

/// The single-domain fallback: random halves of one minibatch.
fn split_samples(batch: &DomainBatch) -> (MetaSet, MetaSet) {
    let n = batch.x.size()[0];
    if n == 1 {
        let pair = (batch.x.shallow_clone(), batch.y.shallow_clone());
        let copy = (batch.x.shallow_clone(), batch.y.shallow_clone());
        return (vec![pair], vec![copy]);
    }
    let perm = Tensor::randperm(n, (Kind::Int64, Device::Cpu)).to_device(batch.x.device());
    let n_train = n - n / 2;
    let take = |start: i64, len: i64| {
        let idx = perm.narrow(0, start, len);
        (batch.x.index_select(0, &idx), batch.y.index_select(0, &idx))
    };
    (vec![take(0, n_train)], vec![take(n_train, n - n_train)])
}

/// Draws `count` random minibatch positions for the meta-test set, leaving
/// at least one for meta-train (none are drawn for a single minibatch).
pub(crate) fn random_meta_test(num_batches: usize, count: usize) -> Vec<usize> {
    if num_batches < 2 {
        return Vec::new();
    }
    let count = count.min(num_batches - 1) as i64;
    let perm = Tensor::randperm(num_batches as i64, (Kind::Int64, Device::Cpu));
    let picked: Vec<i64> = Vec::try_from(perm.narrow(0, 0, count)).expect("int64 permutation");
    picked.into_iter().map(|i| i as usize).collect()
}

/// `L(set; params)`: the mean over the set's domains of the mean
/// cross-entropy of each domain, with the network evaluated in training
/// mode at `params` on the set's minibatches joined into one batch. Batch
/// norm therefore normalises by the statistics of the set as a whole, as
/// ERM does over all domains and as the DA-MLDG authors' code forwards its
/// meta-train set, not by each domain's own (which would hide the very
/// shift between the domains and leave running statistics that describe
/// no batch the network was trained on).
pub(crate) fn set_loss(model: &dyn Model, params: &[Tensor], set: &MetaSet) -> Tensor {
    let logits = match set.as_slice() {
        [(x, _)] => model.forward(params, x, true),
        _ => {
            let xs: Vec<&Tensor> = set.iter().map(|(x, _)| x).collect();
            model.forward(params, &Tensor::cat(&xs, 0), true)
        }
    };
    let sizes: Vec<i64> = set.iter().map(|(x, _)| x.size()[0]).collect();
    let losses: Vec<Tensor> = logits
        .split_with_sizes(&sizes, 0)
        .iter()
        .zip(set)
        .map(|(z, (_, y))| cross_entropy(z, y))
        .collect();
    mean_of(&losses)
}

/// `L(V; θ′)`, the meta-test loss: a training-mode forward (batch
/// statistics) that leaves the running statistics of θ untouched, so that
/// evaluation sees only what the forwards at θ gathered.
pub(crate) fn meta_test_loss(model: &dyn Model, theta_prime: &[Tensor], v: &MetaSet) -> Tensor {
    model
        .store()
        .without_statistics_updates(|| set_loss(model, theta_prime, v))
}

/// The virtual step `θ' = θ − α ∇_θ L(S')`. With `order = 2` the gradient
/// keeps its graph (create_graph) so that `θ'` stays a differentiable
/// function of θ; with `order = 1` it is a constant.
pub(crate) fn adapt(
    theta: &[Tensor],
    meta_train_loss: &Tensor,
    inner_lr: f64,
    order: u8,
) -> Vec<Tensor> {
    let second_order = order == 2;
    let grads = Tensor::run_backward(&[meta_train_loss], theta, true, second_order);
    theta
        .iter()
        .zip(grads)
        .map(|(p, g)| {
            if !g.defined() {
                p.shallow_clone()
            } else if second_order {
                p - g * inner_lr
            } else {
                p - g.detach() * inner_lr
            }
        })
        .collect()
}

/// Meta-learning domain generalisation with a fixed meta-test weight β.
pub struct Mldg {
    core: Core,
    cfg: MldgConfig,
    num_domains: usize,
}

impl Mldg {
    /// MLDG training `model` on `num_domains` domains.
    pub fn new(
        cfg: &MldgConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        check_meta(cfg.inner_lr, cfg.order, cfg.meta_test_domains)?;
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            num_domains,
        })
    }

    /// One update with a given split: the minibatches at positions
    /// `meta_test` form `V`, the others `S'` (ignored for a single
    /// minibatch, whose samples are split at random).
    pub fn update_with_split(
        &mut self,
        batches: &[DomainBatch],
        meta_test: &[usize],
    ) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let (s_prime, v) = split(batches, meta_test)?;
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        // L(S'; θ)
        let meta_train = set_loss(model, theta, &s_prime);
        // θ' = θ − α ∇_θ L(S'; θ)
        let theta_prime = adapt(theta, &meta_train, self.cfg.inner_lr, self.cfg.order);
        // L(V; θ'), the running statistics of θ untouched
        let meta_test = meta_test_loss(model, &theta_prime, &v);
        // L(S'; θ) + β · L(V; θ')
        let loss = &meta_train + &meta_test * self.cfg.beta;
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [
                ("meta_train".to_string(), meta_train.double_value(&[])),
                ("meta_test".to_string(), meta_test.double_value(&[])),
            ]
            .into(),
        })
    }
}

impl Method for Mldg {
    fn name(&self) -> &'static str {
        "mldg"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        let meta_test = random_meta_test(batches.len(), self.cfg.meta_test_domains);
        self.update_with_split(batches, &meta_test)
    }

    forward_to_core!();
    core_state!();
}
