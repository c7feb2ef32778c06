//! Fully connected layer, `y = x Wᵀ + b`, named like `nn.Linear`.

use tch::Tensor;

use super::{join, Init, Pass};
use crate::params::ParamStore;

/// A linear layer: parameters `{prefix}.weight` `[out, in]` and `{prefix}.bias` `[out]`.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: usize,
    bias: Option<usize>,
}

impl Linear {
    /// Registers the layer's parameters in `store` under `prefix`.
    pub fn new(
        store: &mut ParamStore,
        prefix: &str,
        in_dim: usize,
        out_dim: usize,
        bias: bool,
        init: Init,
    ) -> Self {
        let shape = [out_dim as i64, in_dim as i64];
        let device = store.device();
        let weight = store.add(join(prefix, "weight"), init.weight(&shape, device));
        let bias = bias.then(|| store.add(join(prefix, "bias"), init.bias(&shape, device)));
        Self { weight, bias }
    }

    /// Applies the layer to `x` of shape `[…, in]`.
    pub fn forward(&self, pass: &Pass, x: &Tensor) -> Tensor {
        x.linear(pass.param(self.weight), self.bias.map(|b| pass.param(b)))
    }
}
