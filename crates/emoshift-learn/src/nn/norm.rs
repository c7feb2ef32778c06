//! Batch normalisation with running statistics kept as store buffers,
//! named like `nn.BatchNorm1d` / `nn.BatchNorm2d`.

use tch::{Kind, Tensor};

use super::{join, Pass};
use crate::params::ParamStore;

/// PyTorch's default momentum for the running statistics.
const MOMENTUM: f64 = 0.1;
/// PyTorch's default epsilon added to the variance.
const EPS: f64 = 1e-5;

/// Batch norm over the channel axis 1 of `[N, C]`, `[N, C, L]` or
/// `[N, C, H, W]` inputs (`nn.BatchNorm1d` and `nn.BatchNorm2d` differ only in
/// the input rank they accept). Parameters `{prefix}.weight` and
/// `{prefix}.bias`; buffers `{prefix}.running_mean`, `{prefix}.running_var`
/// and `{prefix}.num_batches_tracked`, as in a PyTorch `state_dict`.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    weight: usize,
    bias: usize,
    running_mean: usize,
    running_var: usize,
    num_batches_tracked: usize,
}

impl BatchNorm {
    /// Registers the layer in `store` under `prefix`: weight 1, bias 0,
    /// running mean 0, running variance 1, as PyTorch starts them.
    pub fn new(store: &mut ParamStore, prefix: &str, channels: usize) -> Self {
        let device = store.device();
        let c = [channels as i64];
        let weight = store.add(
            join(prefix, "weight"),
            Tensor::ones(c, (Kind::Float, device)),
        );
        let bias = store.add(
            join(prefix, "bias"),
            Tensor::zeros(c, (Kind::Float, device)),
        );
        let running_mean = store.add_buffer(
            join(prefix, "running_mean"),
            Tensor::zeros(c, (Kind::Float, device)),
        );
        let running_var = store.add_buffer(
            join(prefix, "running_var"),
            Tensor::ones(c, (Kind::Float, device)),
        );
        let num_batches_tracked = store.add_buffer(
            join(prefix, "num_batches_tracked"),
            Tensor::zeros([] as [i64; 0], (Kind::Int64, device)),
        );
        Self {
            weight,
            bias,
            running_mean,
            running_var,
            num_batches_tracked,
        }
    }

    /// Normalises `x`. In training mode it uses the batch statistics and
    /// updates the running ones in place (momentum 0.1, unbiased variance),
    /// unless the pass has them frozen ([`Pass::update_statistics`]): then
    /// no running tensors reach ATen and the buffers keep their values. In
    /// evaluation mode it uses the running statistics. A training batch
    /// with a single value per channel has no variance (PyTorch's module
    /// refuses it, and ATen would write NaN into `running_var`): it is
    /// normalised with the running statistics, which stay untouched.
    pub fn forward(&self, pass: &Pass, x: &Tensor) -> Tensor {
        let channels = x.size().get(1).copied().unwrap_or(1).max(1);
        let per_channel = x.numel() as i64 / channels;
        let batch_statistics = pass.train() && per_channel > 1;
        let weight = Some(pass.param(self.weight));
        let bias = Some(pass.param(self.bias));
        if batch_statistics && !pass.update_statistics() {
            return x.batch_norm(
                weight,
                bias,
                None::<&Tensor>,
                None::<&Tensor>,
                true,
                MOMENTUM,
                EPS,
                true,
            );
        }
        if batch_statistics {
            tch::no_grad(|| {
                let _ = pass
                    .buffer(self.num_batches_tracked)
                    .shallow_clone()
                    .g_add_scalar_(1);
            });
        }
        x.batch_norm(
            weight,
            bias,
            Some(pass.buffer(self.running_mean)),
            Some(pass.buffer(self.running_var)),
            batch_statistics,
            MOMENTUM,
            EPS,
            true,
        )
    }
}
