//! What every method shares: the network, optional extra heads, the
//! optimiser over both, one gradient step, checkpoint state, and checks on
//! the minibatches a method receives.

use std::path::Path;

use tch::{Kind, Tensor};

use crate::error::LearnError;
use crate::method::DomainBatch;
use crate::model::Model;
use crate::optim::{clip_grad_norm, OptimConfig, Optimizer};
use crate::params::ParamStore;

/// The trainable parts of a method and their optimiser.
pub(crate) struct Core {
    /// The network.
    pub model: Box<dyn Model>,
    /// Extra trainable modules (DANN's domain heads); may be empty.
    pub heads: ParamStore,
    optim: Optimizer,
    clip_grad_norm: Option<f64>,
}

impl Core {
    /// A core training `model` and `heads` with the optimiser `optim`;
    /// `clip_grad_norm` bounds the global gradient norm when set.
    pub fn new(
        model: Box<dyn Model>,
        heads: ParamStore,
        optim: &OptimConfig,
        clip_grad_norm: Option<f64>,
    ) -> Result<Self, LearnError> {
        if let Some(c) = clip_grad_norm {
            if !(c.is_finite() && c > 0.0) {
                return Err(LearnError::Config {
                    key: "clip_grad_norm".into(),
                    value: c.to_string(),
                    allowed: "a finite number > 0".into(),
                });
            }
        }
        let names: Vec<String> = model
            .store()
            .names()
            .iter()
            .map(|n| format!("model.{n}"))
            .chain(heads.names().iter().map(|n| format!("head.{n}")))
            .collect();
        let params = Self::collect(model.as_ref(), &heads);
        let optim = Optimizer::new(optim, &names, &params)?;
        Ok(Self {
            model,
            heads,
            optim,
            clip_grad_norm,
        })
    }

    fn collect(model: &dyn Model, heads: &ParamStore) -> Vec<Tensor> {
        model
            .store()
            .values()
            .iter()
            .chain(heads.values())
            .map(Tensor::shallow_clone)
            .collect()
    }

    /// The network's current parameter values (θ).
    pub fn theta(&self) -> &[Tensor] {
        self.model.store().values()
    }

    /// The heads' current parameter values.
    pub fn head_params(&self) -> &[Tensor] {
        self.heads.values()
    }

    /// Gradients of `loss` with respect to every network and head parameter
    /// (undefined for a parameter the loss does not reach).
    pub fn gradients(&self, loss: &Tensor) -> Vec<Tensor> {
        let params = Self::collect(self.model.as_ref(), &self.heads);
        Tensor::run_backward(&[loss], &params, false, false)
    }

    /// One optimiser step on `loss`. A non-finite loss leaves the weights
    /// untouched and is reported as an error.
    pub fn step(&mut self, loss: &Tensor) -> Result<f64, LearnError> {
        let value = loss.double_value(&[]);
        if !value.is_finite() {
            return Err(LearnError::Data(format!(
                "the loss is {value}; the update was skipped (learning rate too high or bad inputs?)"
            )));
        }
        let grads = self.gradients(loss);
        self.apply(&grads);
        Ok(value)
    }

    /// Clips (when configured) and applies already computed gradients.
    pub fn apply(&mut self, grads: &[Tensor]) {
        if let Some(max) = self.clip_grad_norm {
            clip_grad_norm(grads, max);
        }
        let params = Self::collect(self.model.as_ref(), &self.heads);
        self.optim.step(&params, grads);
    }

    /// The optimiser's learning rate.
    pub fn learning_rate(&self) -> f64 {
        self.optim.lr()
    }

    /// Sets the optimiser's learning rate.
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.optim.set_lr(lr);
    }

    /// Logits in evaluation mode, without a graph.
    pub fn predict(&self, x: &Tensor) -> Tensor {
        tch::no_grad(|| self.model.forward(self.theta(), x, false))
    }

    /// Feature vectors in evaluation mode, without a graph.
    pub fn embed(&self, x: &Tensor) -> Tensor {
        tch::no_grad(|| self.model.features(self.theta(), x, false))
    }

    /// `model.*`, `head.*` and `optim.*` tensors for a checkpoint.
    pub fn state_dict(&self) -> Vec<(String, Tensor)> {
        let prefixed = |prefix: &str, named: Vec<(String, Tensor)>| {
            named
                .into_iter()
                .map(|(n, t)| (format!("{prefix}.{n}"), t))
                .collect::<Vec<_>>()
        };
        let mut out = prefixed("model", self.model.store().named_tensors());
        out.extend(prefixed("head", self.heads.named_tensors()));
        out.extend(prefixed("optim", self.optim.state_dict()));
        out
    }

    /// Restores `model.*`, `head.*` and `optim.*` tensors; returns the
    /// remaining ones (a method's own `state.*`) for the caller to restore.
    pub fn load_state_dict(
        &mut self,
        source: &Path,
        named: Vec<(String, Tensor)>,
    ) -> Result<Vec<(String, Tensor)>, LearnError> {
        let mut model = Vec::new();
        let mut heads = Vec::new();
        let mut optim = Vec::new();
        let mut rest = Vec::new();
        for (name, t) in named {
            if let Some(n) = name.strip_prefix("model.") {
                model.push((n.to_string(), t));
            } else if let Some(n) = name.strip_prefix("head.") {
                heads.push((n.to_string(), t));
            } else if let Some(n) = name.strip_prefix("optim.") {
                optim.push((n.to_string(), t));
            } else {
                rest.push((name, t));
            }
        }
        self.model.store().load_named(source, model)?;
        self.heads.load_named(source, heads)?;
        self.optim.load_state_dict(source, &optim)?;
        Ok(rest)
    }
}

/// Checks the minibatches a method receives: at least one, each non-empty
/// and labelled, as many labels as inputs, labels and domain indices in
/// range. A method that trains on class labels only calls this one, so an
/// unlabelled batch can never reach its cross-entropy.
pub(crate) fn check_batches(
    batches: &[DomainBatch],
    num_classes: usize,
    num_domains: usize,
) -> Result<(), LearnError> {
    if let Some(b) = batches.iter().find(|b| !b.labelled) {
        return Err(LearnError::Data(format!(
            "minibatch of domain {} is unlabelled, and this method trains on class labels only",
            b.domain
        )));
    }
    check_batches_with_unlabelled(batches, num_classes, num_domains)
}

/// [`check_batches`] for the methods that also take unlabelled batches
/// (DANN's domain heads, MMD transfer's target): their labels are not read.
pub(crate) fn check_batches_with_unlabelled(
    batches: &[DomainBatch],
    num_classes: usize,
    num_domains: usize,
) -> Result<(), LearnError> {
    if batches.is_empty() {
        return Err(LearnError::Data(
            "update called without any minibatch".into(),
        ));
    }
    for (i, b) in batches.iter().enumerate() {
        let n = b.x.size().first().copied().unwrap_or(0);
        if n == 0 {
            return Err(LearnError::Data(format!(
                "minibatch {i} (domain {}) is empty",
                b.domain
            )));
        }
        if b.y.size() != [n] {
            return Err(LearnError::Data(format!(
                "minibatch {i} (domain {}): {n} inputs but labels of shape {:?}",
                b.domain,
                b.y.size()
            )));
        }
        if b.domain >= num_domains {
            return Err(LearnError::Data(format!(
                "minibatch {i}: domain index {} outside 0..{num_domains}",
                b.domain
            )));
        }
        if !b.labelled {
            continue;
        }
        if b.y.kind() != Kind::Int64 {
            return Err(LearnError::Data(format!(
                "minibatch {i} (domain {}): labels must be int64, found {:?}",
                b.domain,
                b.y.kind()
            )));
        }
        let (lo, hi) = (b.y.min().int64_value(&[]), b.y.max().int64_value(&[]));
        if lo < 0 || hi >= num_classes as i64 {
            return Err(LearnError::Data(format!(
                "minibatch {i} (domain {}): label {} outside 0..{num_classes}",
                b.domain,
                if lo < 0 { lo } else { hi }
            )));
        }
    }
    Ok(())
}

/// Inputs and labels of several minibatches joined into one batch (a
/// single minibatch is shared, not copied).
pub(crate) fn concat(batches: &[&DomainBatch]) -> (Tensor, Tensor) {
    if let [only] = batches {
        return (only.x.shallow_clone(), only.y.shallow_clone());
    }
    let xs: Vec<&Tensor> = batches.iter().map(|b| &b.x).collect();
    let ys: Vec<&Tensor> = batches.iter().map(|b| &b.y).collect();
    (Tensor::cat(&xs, 0), Tensor::cat(&ys, 0))
}

/// Mean of scalar losses (the "average over domains" of the papers).
pub(crate) fn mean_of(losses: &[Tensor]) -> Tensor {
    Tensor::stack(losses, 0).mean(Kind::Float)
}
