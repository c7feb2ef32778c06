//! Inference-only building blocks holding their tensors directly (the
//! training layers of [`crate::nn`] read parameters from a store, which an
//! encoder that never trains does not need).

use tch::Tensor;

use super::weights::Weights;
use crate::error::LearnError;

/// `nn.Linear` with a bias.
pub(crate) struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// Loads `{prefix}.weight` `[out, inp]` and `{prefix}.bias` `[out]`.
    pub fn load(w: &Weights, prefix: &str, inp: usize, out: usize) -> Result<Self, LearnError> {
        let (weight, bias) = w.linear(prefix, out, inp)?;
        Ok(Self { weight, bias })
    }

    /// `x Wᵀ + b` over the last axis.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.linear(&self.weight, Some(&self.bias))
    }
}

/// `nn.LayerNorm` over the last axis, with an affine transform.
pub(crate) struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    /// Loads `{prefix}.weight` and `{prefix}.bias` of length `n`.
    pub fn load(w: &Weights, prefix: &str, n: usize, eps: f64) -> Result<Self, LearnError> {
        let (weight, bias) = w.norm(prefix, n)?;
        Ok(Self { weight, bias, eps })
    }

    /// Normalises `x` over its last axis.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let n = *x.size().last().expect("a tensor with at least one axis");
        x.layer_norm([n], Some(&self.weight), Some(&self.bias), self.eps, false)
    }
}
