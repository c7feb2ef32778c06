//! Multi-layer, optionally bidirectional LSTM over batch-first sequences,
//! evaluated with libtorch's functional `lstm` and named like `nn.LSTM`.

use tch::{Kind, Tensor};

use super::{init, join, Pass};
use crate::params::ParamStore;

/// An LSTM: for each layer `l` and direction (suffix `""` or `"_reverse"`)
/// parameters `weight_ih_l{l}` `[4H, in]`, `weight_hh_l{l}` `[4H, H]`,
/// `bias_ih_l{l}` and `bias_hh_l{l}` `[4H]`, all under `prefix` and in
/// `nn.LSTM`'s order, which is also the flat order libtorch's `lstm` expects.
#[derive(Debug, Clone)]
pub struct Lstm {
    weights: Vec<usize>,
    hidden: usize,
    layers: usize,
    bidirectional: bool,
    dropout: f64,
}

impl Lstm {
    /// Registers the LSTM in `store` under `prefix`, every tensor uniform in
    /// `±1/√hidden` as `nn.LSTM` starts it. `dropout` applies between layers
    /// in training mode.
    pub fn new(
        store: &mut ParamStore,
        prefix: &str,
        in_dim: usize,
        hidden: usize,
        layers: usize,
        bidirectional: bool,
        dropout: f64,
    ) -> Self {
        let device = store.device();
        let bound = 1.0 / (hidden as f64).sqrt();
        let gates = 4 * hidden as i64;
        let dirs = if bidirectional { 2 } else { 1 };
        let mut weights = Vec::with_capacity(layers * dirs * 4);
        for layer in 0..layers {
            let input = if layer == 0 { in_dim } else { hidden * dirs } as i64;
            for dir in 0..dirs {
                let suffix = if dir == 1 { "_reverse" } else { "" };
                let shapes: [(&str, Vec<i64>); 4] = [
                    ("weight_ih", vec![gates, input]),
                    ("weight_hh", vec![gates, hidden as i64]),
                    ("bias_ih", vec![gates]),
                    ("bias_hh", vec![gates]),
                ];
                for (name, shape) in shapes {
                    let full = join(prefix, &format!("{name}_l{layer}{suffix}"));
                    weights.push(store.add(full, init::uniform(&shape, bound, device)));
                }
            }
        }
        Self {
            weights,
            hidden,
            layers,
            bidirectional,
            dropout,
        }
    }

    /// Width of each output step: `hidden`, doubled when bidirectional.
    pub fn output_dim(&self) -> usize {
        self.hidden * if self.bidirectional { 2 } else { 1 }
    }

    /// Runs over `x` of shape `[N, T, in]` from zero states and returns
    /// every step's output, `[N, T, output_dim]`.
    pub fn forward(&self, pass: &Pass, x: &Tensor) -> Tensor {
        let dirs = if self.bidirectional { 2 } else { 1 };
        let state = Tensor::zeros(
            [(self.layers * dirs) as i64, x.size()[0], self.hidden as i64],
            (Kind::Float, x.device()),
        );
        let weights: Vec<&Tensor> = self.weights.iter().map(|&i| pass.param(i)).collect();
        let (output, _, _) = x.lstm(
            &[&state, &state],
            &weights,
            true,
            self.layers as i64,
            self.dropout,
            pass.train(),
            self.bidirectional,
            true,
        );
        output
    }
}
