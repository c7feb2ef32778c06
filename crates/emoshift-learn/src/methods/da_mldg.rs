//! DA-MLDG (Gandhi, Tsouvalas and Meratnia, Algorithm 1): MLDG whose
//! meta-test weight is the domain-shift margin measured by the energy score.
//!
//! Each step:
//! 1. random split of the domains into meta-train `S'` and meta-test `V`;
//! 2. meta-train step `θ' = θ − η_s ∇_θ L(S'; θ)`;
//! 3. domain-shift margin `γ = |E(S', p_θ') − E(V, p_θ')|` with
//!    `E = |mean_i logsumexp(z_i / T)|` (eq. 3, `T = 1`), the logits `z`
//!    from an *evaluation-mode* forward at θ′: batch norm uses the running
//!    statistics and dropout is off. The paper does not say which mode; the
//!    authors' code calls the network with `training=False`, and it is the
//!    only mode in which γ can see a shift: in training mode each set is
//!    normalised by its own batch statistics, which removes a difference in
//!    level or scale between the sets before the energy is computed (and
//!    each such forward would also move the running statistics);
//! 4. meta-optimisation `θ ← θ − η_t ∇_θ (L(S'; θ) + γ · L(V; θ'))`.
//!
//! Batch norm: the meta-train forward at θ runs in training mode and is the
//! only forward of the step that updates the running statistics; the
//! meta-test forward at θ′ runs in training mode with them frozen (see
//! [`crate::ParamStore::without_statistics_updates`]), and the energy
//! forwards never touch them.
//!
//! γ's scale: measured in evaluation mode, γ is unbounded, and on the
//! synthetic English corpora (ResNet-18 width 0.125, `batch_size = 8`,
//! paper learning rates) it grew 0.01 → 1 → 15 → 2300 → 7·10¹² within ten
//! steps: a large γ makes a large meta-test step, which drives the
//! evaluation-mode logits (whose running statistics lag behind) further
//! apart, which raises γ. `gamma_max` bounds it (off by default, as the
//! paper has no bound); `gamma_used` in the loss report is the weight applied.
//!
//! γ is a weight, not an objective: it is computed without a graph and
//! enters the loss as a constant (the paper never differentiates it). The
//! meta-test loss, though, is differentiated through θ' (exactly with
//! `order = 2`), so it does reach the weights — which the paper's published
//! code fails to do; `tests/methods_gradcheck.rs` checks this update against
//! PyTorch. The single-domain fallback is MLDG's (see [`super::mldg`]).

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::common::{check_batches, Core};
use super::mldg::{adapt, check_meta, meta_test_loss, random_meta_test, set_loss, split, MetaSet};
use crate::error::LearnError;
use crate::losses::energy_score;
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`DaMldg`] (defaults: the paper's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaMldgConfig {
    /// Meta-train step size η_s (paper: 0.01).
    pub inner_lr: f64,
    /// Temperature T of the energy score (paper: 1).
    pub temperature: f64,
    /// 1 = first-order, 2 = exact second-order gradient.
    pub order: u8,
    /// Number of domains drawn into the meta-test set each step.
    pub meta_test_domains: usize,
    /// Outer optimiser (paper: SGD, η_t = 0.05, momentum 0.9).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
    /// Upper bound on the γ that weights the meta-test loss (not in the
    /// paper; off by default). The measured γ is logged as `gamma`, the
    /// weight used as `gamma_used`.
    pub gamma_max: Option<f64>,
}

impl Default for DaMldgConfig {
    fn default() -> Self {
        Self {
            inner_lr: 0.01,
            temperature: 1.0,
            order: 2,
            meta_test_domains: 1,
            optimizer: OptimConfig::sgd_momentum(0.05, 0.9),
            clip_grad_norm: None,
            gamma_max: None,
        }
    }
}

/// Domain-shift aware MLDG.
pub struct DaMldg {
    core: Core,
    cfg: DaMldgConfig,
    num_domains: usize,
}

/// `E(set, p_params)` over all samples of the set, from one evaluation-mode
/// forward of the set's batches joined (running statistics, no dropout,
/// nothing updated; the authors forward each set as one batch), without a
/// graph. A 0-dim float tensor, so γ's difference is taken in the model's
/// precision as the authors' code does.
fn set_energy(model: &dyn Model, params: &[Tensor], set: &MetaSet, temperature: f64) -> Tensor {
    tch::no_grad(|| {
        let logits = match set.as_slice() {
            [(x, _)] => model.forward(params, x, false),
            _ => {
                let xs: Vec<&Tensor> = set.iter().map(|(x, _)| x).collect();
                model.forward(params, &Tensor::cat(&xs, 0), false)
            }
        };
        energy_score(&logits, temperature)
    })
}

impl DaMldg {
    /// DA-MLDG training `model` on `num_domains` domains.
    pub fn new(
        cfg: &DaMldgConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        check_meta(cfg.inner_lr, cfg.order, cfg.meta_test_domains)?;
        if !(cfg.temperature.is_finite() && cfg.temperature > 0.0) {
            return Err(LearnError::Config {
                key: "temperature".into(),
                value: cfg.temperature.to_string(),
                allowed: "a finite number > 0".into(),
            });
        }
        if let Some(g) = cfg.gamma_max {
            if !(g.is_finite() && g >= 0.0) {
                return Err(LearnError::Config {
                    key: "gamma_max".into(),
                    value: g.to_string(),
                    allowed: "a finite number >= 0".into(),
                });
            }
        }
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            num_domains,
        })
    }

    /// One update with a given split (see [`super::mldg::Mldg::update_with_split`]).
    pub fn update_with_split(
        &mut self,
        batches: &[DomainBatch],
        meta_test: &[usize],
    ) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let (s_prime, v) = split(batches, meta_test)?;
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let t = self.cfg.temperature;
        // Meta-train step: θ' = θ − η_s ∇_θ L(S'; θ)
        let meta_train = set_loss(model, theta, &s_prime);
        let theta_prime = adapt(theta, &meta_train, self.cfg.inner_lr, self.cfg.order);
        // Cross-domain shift margin: γ = |E(S', p_θ') − E(V, p_θ')|, a constant
        let gamma = (set_energy(model, &theta_prime, &s_prime, t)
            - set_energy(model, &theta_prime, &v, t))
        .abs()
        .double_value(&[]);
        let gamma_used = self.cfg.gamma_max.map_or(gamma, |max| gamma.min(max));
        // Meta-optimisation: L(S'; θ) + γ · L(V; θ')
        let meta_test = meta_test_loss(model, &theta_prime, &v);
        let loss = &meta_train + &meta_test * gamma_used;
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [
                ("meta_train".to_string(), meta_train.double_value(&[])),
                ("meta_test".to_string(), meta_test.double_value(&[])),
                ("gamma".to_string(), gamma),
                ("gamma_used".to_string(), gamma_used),
            ]
            .into(),
        })
    }
}

impl Method for DaMldg {
    fn name(&self) -> &'static str {
        "da_mldg"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        let meta_test = random_meta_test(batches.len(), self.cfg.meta_test_domains);
        self.update_with_split(batches, &meta_test)
    }

    forward_to_core!();
    core_state!();
}
