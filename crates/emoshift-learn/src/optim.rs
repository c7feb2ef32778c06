//! Optimisers with PyTorch's exact update formulas, gradient clipping and
//! exponential learning-rate decay.
//!
//! Hand-written rather than taken from `tch::nn::Optimizer`: tch's optimisers
//! live on a `VarStore` and keep their state (momentum buffers, Adam moments)
//! inside libtorch where a checkpoint cannot read it. Here every state tensor
//! is a named tensor that [`Optimizer::state_dict`] returns, so training
//! resumes exactly. Each formula follows the single-tensor code path of
//! `torch.optim` 2.x, and the reference fixtures of
//! `tests/methods_gradcheck.rs` compare against `torch.optim` itself.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::error::LearnError;

/// Which optimiser to use and its hyperparameters (PyTorch's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimConfig {
    /// `torch.optim.SGD`.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum factor (0 = plain SGD).
        #[serde(default)]
        momentum: f64,
        /// Dampening of the momentum.
        #[serde(default)]
        dampening: f64,
        /// Nesterov momentum.
        #[serde(default)]
        nesterov: bool,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// `torch.optim.Adam` (L2 weight decay added to the gradient).
    Adam {
        /// Learning rate.
        #[serde(default = "default_adam_lr")]
        lr: f64,
        /// Decay of the first moment.
        #[serde(default = "default_beta1")]
        beta1: f64,
        /// Decay of the second moment.
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// Term added to the denominator.
        #[serde(default = "default_adam_eps")]
        eps: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// `torch.optim.AdamW` (decoupled weight decay).
    AdamW {
        /// Learning rate.
        #[serde(default = "default_adam_lr")]
        lr: f64,
        /// Decay of the first moment.
        #[serde(default = "default_beta1")]
        beta1: f64,
        /// Decay of the second moment.
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// Term added to the denominator.
        #[serde(default = "default_adam_eps")]
        eps: f64,
        /// Decoupled weight decay.
        #[serde(default = "default_adamw_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.Adadelta` (the DANN paper's optimiser).
    Adadelta {
        /// Learning rate (scales the update).
        #[serde(default = "default_adadelta_lr")]
        lr: f64,
        /// Decay of the running averages.
        #[serde(default = "default_rho")]
        rho: f64,
        /// Term added inside the square roots.
        #[serde(default = "default_adadelta_eps")]
        eps: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
}

/// A finite number that is not negative.
fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

fn default_adam_lr() -> f64 {
    1e-3
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_adam_eps() -> f64 {
    1e-8
}
fn default_adamw_decay() -> f64 {
    1e-2
}
fn default_adadelta_lr() -> f64 {
    1.0
}
fn default_rho() -> f64 {
    0.9
}
fn default_adadelta_eps() -> f64 {
    1e-6
}

impl OptimConfig {
    /// SGD with momentum, the DA-MLDG paper's optimiser.
    pub fn sgd_momentum(lr: f64, momentum: f64) -> Self {
        OptimConfig::Sgd {
            lr,
            momentum,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }

    /// Adam with PyTorch's defaults except the learning rate.
    pub fn adam(lr: f64) -> Self {
        OptimConfig::Adam {
            lr,
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_adam_eps(),
            weight_decay: 0.0,
        }
    }

    /// The configured learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            OptimConfig::Sgd { lr, .. }
            | OptimConfig::Adam { lr, .. }
            | OptimConfig::AdamW { lr, .. }
            | OptimConfig::Adadelta { lr, .. } => *lr,
        }
    }

    /// Checks the values against PyTorch's own argument checks.
    pub fn validate(&self) -> Result<(), LearnError> {
        let bad = |key: &str, value: f64, allowed: &str| LearnError::Config {
            key: format!("optimizer.{key}"),
            value: value.to_string(),
            allowed: allowed.to_string(),
        };
        let lr = self.lr();
        if !(lr.is_finite() && lr >= 0.0) {
            return Err(bad("lr", lr, "a finite number >= 0"));
        }
        match *self {
            OptimConfig::Sgd {
                momentum,
                dampening,
                nesterov,
                weight_decay,
                ..
            } => {
                if !non_negative(momentum) {
                    return Err(bad("momentum", momentum, "a finite number >= 0"));
                }
                if !non_negative(weight_decay) {
                    return Err(bad("weight_decay", weight_decay, "a finite number >= 0"));
                }
                if nesterov && (momentum <= 0.0 || dampening != 0.0) {
                    return Err(bad(
                        "dampening",
                        dampening,
                        "nesterov needs momentum > 0 and dampening = 0",
                    ));
                }
            }
            OptimConfig::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            }
            | OptimConfig::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                for (key, beta) in [("beta1", beta1), ("beta2", beta2)] {
                    if !(0.0..1.0).contains(&beta) {
                        return Err(bad(key, beta, "a number in [0, 1)"));
                    }
                }
                if !non_negative(eps) {
                    return Err(bad("eps", eps, "a finite number >= 0"));
                }
                if !non_negative(weight_decay) {
                    return Err(bad("weight_decay", weight_decay, "a finite number >= 0"));
                }
            }
            OptimConfig::Adadelta {
                rho,
                eps,
                weight_decay,
                ..
            } => {
                if !(0.0..=1.0).contains(&rho) {
                    return Err(bad("rho", rho, "a number in [0, 1]"));
                }
                if !non_negative(eps) {
                    return Err(bad("eps", eps, "a finite number >= 0"));
                }
                if !non_negative(weight_decay) {
                    return Err(bad("weight_decay", weight_decay, "a finite number >= 0"));
                }
            }
        }
        Ok(())
    }

    /// Names of the per-parameter state tensors this optimiser keeps.
    fn slots(&self) -> &'static [&'static str] {
        match self {
            OptimConfig::Sgd { .. } => &["momentum_buffer"],
            OptimConfig::Adam { .. } | OptimConfig::AdamW { .. } => &["exp_avg", "exp_avg_sq"],
            OptimConfig::Adadelta { .. } => &["square_avg", "acc_delta"],
        }
    }
}

/// The state an optimiser keeps for one parameter.
#[derive(Debug)]
struct ParamState {
    /// Name of the parameter (prefix of the state's tensor names).
    name: String,
    /// Number of updates this parameter has received.
    step: i64,
    /// The slot tensors, in the order of [`OptimConfig::slots`].
    slots: Vec<Tensor>,
}

/// An optimiser over an ordered list of parameters.
#[derive(Debug)]
pub struct Optimizer {
    config: OptimConfig,
    lr: f64,
    state: Vec<ParamState>,
}

impl Optimizer {
    /// An optimiser for `params`, whose names (`names[i]` for `params[i]`)
    /// name its state tensors. The state starts empty, as in PyTorch.
    pub fn new(
        config: &OptimConfig,
        names: &[String],
        params: &[Tensor],
    ) -> Result<Self, LearnError> {
        config.validate()?;
        assert_eq!(names.len(), params.len(), "one name per parameter");
        let state = names
            .iter()
            .zip(params)
            .map(|(name, p)| ParamState {
                name: name.clone(),
                step: 0,
                slots: config
                    .slots()
                    .iter()
                    .map(|_| p.detach().zeros_like())
                    .collect(),
            })
            .collect();
        Ok(Self {
            config: config.clone(),
            lr: config.lr(),
            state,
        })
    }

    /// The learning rate used by the next step.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Changes the learning rate (for schedules).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The configuration this optimiser was built from.
    pub fn config(&self) -> &OptimConfig {
        &self.config
    }

    /// One update of `params` (in place, no gradient recorded) from `grads`.
    /// A parameter whose gradient is undefined (it did not take part in the
    /// loss) is skipped, like a parameter whose `.grad` is `None` in PyTorch.
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) {
        assert_eq!(params.len(), self.state.len(), "one parameter per state");
        assert_eq!(grads.len(), params.len(), "one gradient per parameter");
        let lr = self.lr;
        let config = self.config.clone();
        let device = params.first().map_or(tch::Device::Cpu, Tensor::device);
        let neg_lr = Tensor::from(-lr as f32).to_device(device);
        tch::no_grad(|| {
            for ((param, grad), state) in params.iter().zip(grads).zip(&mut self.state) {
                if !grad.defined() {
                    continue;
                }
                let mut param = param.shallow_clone();
                let grad = grad.detach();
                state.step += 1;
                match config {
                    OptimConfig::Sgd {
                        momentum,
                        dampening,
                        nesterov,
                        weight_decay,
                        ..
                    } => sgd_step(
                        &mut param,
                        grad,
                        state,
                        &neg_lr,
                        momentum,
                        dampening,
                        nesterov,
                        weight_decay,
                    ),
                    OptimConfig::Adam {
                        beta1,
                        beta2,
                        eps,
                        weight_decay,
                        ..
                    } => adam_step(
                        &mut param,
                        grad,
                        state,
                        lr,
                        (beta1, beta2),
                        eps,
                        weight_decay,
                        false,
                    ),
                    OptimConfig::AdamW {
                        beta1,
                        beta2,
                        eps,
                        weight_decay,
                        ..
                    } => adam_step(
                        &mut param,
                        grad,
                        state,
                        lr,
                        (beta1, beta2),
                        eps,
                        weight_decay,
                        true,
                    ),
                    OptimConfig::Adadelta {
                        rho,
                        eps,
                        weight_decay,
                        ..
                    } => adadelta_step(&mut param, grad, state, &neg_lr, rho, eps, weight_decay),
                }
            }
        });
    }

    /// The optimiser state as named tensors: `{param}.step` and one tensor
    /// per slot, `{param}.{slot}` (for example `classifier.weight.exp_avg`).
    pub fn state_dict(&self) -> Vec<(String, Tensor)> {
        let slots = self.config.slots();
        let mut out = Vec::new();
        for s in &self.state {
            out.push((format!("{}.step", s.name), Tensor::from(s.step)));
            for (slot, t) in slots.iter().zip(&s.slots) {
                out.push((
                    format!("{}.{slot}", s.name),
                    t.detach().to_device(tch::Device::Cpu),
                ));
            }
        }
        out
    }

    /// Restores what [`Optimizer::state_dict`] saved (names without any
    /// prefix), strictly; `source` names the file in errors.
    pub fn load_state_dict(
        &mut self,
        source: &Path,
        named: &[(String, Tensor)],
    ) -> Result<(), LearnError> {
        let find = |name: &str| named.iter().find(|(n, _)| n == name).map(|(_, t)| t);
        let mut problems = Vec::new();
        let expected: Vec<String> = self.state_dict().into_iter().map(|(n, _)| n).collect();
        for (name, _) in named {
            if !expected.contains(name) {
                problems.push(format!("unexpected optimiser tensor `{name}`"));
            }
        }
        let slots = self.config.slots();
        for s in &self.state {
            let step_name = format!("{}.step", s.name);
            match find(&step_name) {
                None => problems.push(format!("missing optimiser tensor `{step_name}`")),
                Some(t) if t.numel() != 1 => {
                    problems.push(format!("optimiser tensor `{step_name}` is not a scalar"))
                }
                Some(_) => {}
            }
            for (slot, dst) in slots.iter().zip(&s.slots) {
                let name = format!("{}.{slot}", s.name);
                match find(&name) {
                    None => problems.push(format!("missing optimiser tensor `{name}`")),
                    Some(src) if src.size() != dst.size() => problems.push(format!(
                        "optimiser tensor `{name}` has shape {:?}, expected {:?}",
                        src.size(),
                        dst.size()
                    )),
                    Some(_) => {}
                }
            }
        }
        if !problems.is_empty() {
            return Err(LearnError::Checkpoint {
                path: source.to_path_buf(),
                reason: problems.join("; "),
            });
        }
        tch::no_grad(|| {
            for s in &mut self.state {
                let step = find(&format!("{}.step", s.name)).expect("checked above");
                s.step = step.to_kind(Kind::Int64).int64_value(&[]);
                for (slot, dst) in slots.iter().zip(&s.slots) {
                    let src = find(&format!("{}.{slot}", s.name)).expect("checked above");
                    dst.shallow_clone()
                        .copy_(&src.to_kind(dst.kind()).to_device(dst.device()));
                }
            }
        });
        Ok(())
    }
}

/// `torch.optim.SGD`, single-tensor path: the momentum buffer starts as a
/// copy of the (decayed) gradient, then `buf = momentum·buf + (1−dampening)·g`.
/// Works in place on the buffer and the parameter; `neg_lr` is `−lr` as a
/// 0-dim tensor, so `param += neg_lr · update` needs no temporary.
#[allow(clippy::too_many_arguments)]
fn sgd_step(
    param: &mut Tensor,
    grad: Tensor,
    state: &mut ParamState,
    neg_lr: &Tensor,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
) {
    let d_p = if weight_decay != 0.0 {
        grad + &*param * weight_decay
    } else {
        grad
    };
    let update = if momentum != 0.0 {
        let buf = &mut state.slots[0];
        if state.step == 1 {
            buf.copy_(&d_p);
        } else {
            let _ = buf.f_mul_scalar_(momentum).expect("SGD momentum");
            if dampening == 0.0 {
                let _ = buf.f_add_(&d_p).expect("SGD momentum");
            } else {
                let _ = buf
                    .f_add_(&(&d_p * (1.0 - dampening)))
                    .expect("SGD momentum");
            }
        }
        if nesterov {
            d_p + &*buf * momentum
        } else {
            buf.shallow_clone()
        }
    } else {
        d_p
    };
    let _ = param.f_addcmul_(&update, neg_lr).expect("SGD update");
}

/// `torch.optim.Adam` / `AdamW`, single-tensor path with bias corrections,
/// in place on the moments and the parameter.
#[allow(clippy::too_many_arguments)]
fn adam_step(
    param: &mut Tensor,
    grad: Tensor,
    state: &mut ParamState,
    lr: f64,
    (beta1, beta2): (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
) {
    let grad = if weight_decay != 0.0 {
        if decoupled {
            let _ = param
                .f_mul_scalar_(1.0 - lr * weight_decay)
                .expect("AdamW decay");
            grad
        } else {
            grad + &*param * weight_decay
        }
    } else {
        grad
    };
    let (first, second) = state.slots.split_at_mut(1);
    let exp_avg = &mut first[0];
    let exp_avg_sq = &mut second[0];
    let _ = exp_avg.f_lerp_(&grad, 1.0 - beta1).expect("Adam moment");
    let _ = exp_avg_sq.f_mul_scalar_(beta2).expect("Adam moment");
    let _ = exp_avg_sq
        .f_addcmul_(&grad, &(&grad * (1.0 - beta2)))
        .expect("Adam moment");
    let step = state.step as f64;
    let bias_correction1 = 1.0 - beta1.powf(step);
    let bias_correction2 = 1.0 - beta2.powf(step);
    let step_size = lr / bias_correction1;
    let mut denom = exp_avg_sq.sqrt();
    let _ = denom
        .f_div_scalar_(bias_correction2.sqrt())
        .and_then(|mut d| d.f_add_scalar_(eps))
        .expect("Adam denominator");
    let _ = param
        .f_addcdiv_(&(&*exp_avg * -step_size), &denom)
        .expect("Adam update");
}

/// `torch.optim.Adadelta`, single-tensor path, in place on its averages.
fn adadelta_step(
    param: &mut Tensor,
    grad: Tensor,
    state: &mut ParamState,
    neg_lr: &Tensor,
    rho: f64,
    eps: f64,
    weight_decay: f64,
) {
    let grad = if weight_decay != 0.0 {
        grad + &*param * weight_decay
    } else {
        grad
    };
    let (first, second) = state.slots.split_at_mut(1);
    let square_avg = &mut first[0];
    let acc_delta = &mut second[0];
    let _ = square_avg.f_mul_scalar_(rho).expect("Adadelta average");
    let _ = square_avg
        .f_addcmul_(&grad, &(&grad * (1.0 - rho)))
        .expect("Adadelta average");
    let std = (&*square_avg + eps).sqrt();
    let delta = (&*acc_delta + eps).sqrt() / std * &grad;
    let _ = acc_delta.f_mul_scalar_(rho).expect("Adadelta average");
    let _ = acc_delta
        .f_addcmul_(&delta, &(&delta * (1.0 - rho)))
        .expect("Adadelta average");
    let _ = param.f_addcmul_(&delta, neg_lr).expect("Adadelta update");
}

/// Scales `grads` in place so that their global 2-norm is at most
/// `max_norm`, exactly like `torch.nn.utils.clip_grad_norm_`: the factor is
/// `min(1, max_norm / (norm + 1e-6))`. Undefined gradients are ignored.
/// Returns the norm before clipping.
pub fn clip_grad_norm(grads: &[Tensor], max_norm: f64) -> f64 {
    let defined: Vec<&Tensor> = grads.iter().filter(|g| g.defined()).collect();
    if defined.is_empty() {
        return 0.0;
    }
    tch::no_grad(|| {
        let norms: Vec<Tensor> = defined.iter().map(|g| g.detach().norm()).collect();
        let total = Tensor::stack(&norms, 0).norm();
        let coef = (total.shallow_clone() + 1e-6).reciprocal() * max_norm;
        let coef = coef.clamp_max(1.0);
        for g in &defined {
            let _ = g.shallow_clone().f_mul_(&coef).expect("gradient clipping");
        }
        total.double_value(&[])
    })
}

/// The learning rate of `torch.optim.lr_scheduler.ExponentialLR` after
/// `epoch` decays: `initial · gamma^epoch`.
pub fn exponential_lr(initial: f64, gamma: f64, epoch: usize) -> f64 {
    initial * gamma.powi(epoch as i32)
}
