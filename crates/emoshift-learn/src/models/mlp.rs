//! Multi-layer perceptron over embedding vectors: the embeddings poster's
//! linear probe (no hidden layer) and its "MLP 128×256".
//!
//! The poster writes the MLP as "128×256"; we read the sizes in the order
//! written, so `hidden = [128, 256]` is a first hidden layer of 128 units
//! followed by one of 256. Each hidden layer is Linear → ReLU → Dropout, and
//! the parameters are named like a PyTorch module holding
//! `layers = nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU, Dropout, …)`
//! and `classifier = nn.Linear`: hidden layer `k` is `layers.{3k}.weight` /
//! `layers.{3k}.bias`, the output layer `classifier.weight` / `classifier.bias`.

use tch::{Device, Kind, Tensor};

use crate::model::Model;
use crate::params::ParamStore;

/// An MLP (or, with no hidden layer, a linear probe) over `[N, in_dim]` inputs.
#[derive(Debug)]
pub struct Mlp {
    store: ParamStore,
    /// Indices in the store of each hidden layer's (weight, bias).
    hidden: Vec<(usize, usize)>,
    /// Indices of the classifier's (weight, bias).
    classifier: (usize, usize),
    feature_dim: usize,
    num_classes: usize,
    dropout: f64,
}

/// A `[out, in]` weight and `[out]` bias initialised like `nn.Linear`:
/// uniform in `±1/√in` (Kaiming-uniform with `a = √5`), from tch's generator.
fn linear_init(device: Device, in_dim: usize, out_dim: usize) -> (Tensor, Tensor) {
    let bound = 1.0 / (in_dim.max(1) as f64).sqrt();
    let w = Tensor::empty([out_dim as i64, in_dim as i64], (Kind::Float, device))
        .uniform_(-bound, bound);
    let b = Tensor::empty([out_dim as i64], (Kind::Float, device)).uniform_(-bound, bound);
    (w, b)
}

impl Mlp {
    /// An MLP from `in_dim` inputs through `hidden` layers to `num_classes`
    /// logits, with dropout probability `dropout` after each hidden layer.
    /// An empty `hidden` gives a linear probe. Weights are drawn from tch's
    /// generator (seed it with `tch::manual_seed`).
    pub fn new(
        device: Device,
        in_dim: usize,
        hidden: &[usize],
        num_classes: usize,
        dropout: f64,
    ) -> Mlp {
        let mut store = ParamStore::new(device);
        let mut layers = Vec::with_capacity(hidden.len());
        let mut width = in_dim;
        for (k, &out) in hidden.iter().enumerate() {
            let (w, b) = linear_init(device, width, out);
            let wi = store.add(format!("layers.{}.weight", 3 * k), w);
            let bi = store.add(format!("layers.{}.bias", 3 * k), b);
            layers.push((wi, bi));
            width = out;
        }
        let (w, b) = linear_init(device, width, num_classes);
        let classifier = (
            store.add("classifier.weight", w),
            store.add("classifier.bias", b),
        );
        Mlp {
            store,
            hidden: layers,
            classifier,
            feature_dim: width,
            num_classes,
            dropout,
        }
    }
}

impl Model for Mlp {
    fn store(&self) -> &ParamStore {
        &self.store
    }

    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        let mut h = x.shallow_clone();
        for &(w, b) in &self.hidden {
            h = h
                .linear(&params[w], Some(&params[b]))
                .relu()
                .dropout(self.dropout, train);
        }
        h
    }

    fn classify(&self, params: &[Tensor], features: &Tensor, _train: bool) -> Tensor {
        let (w, b) = self.classifier;
        features.linear(&params[w], Some(&params[b]))
    }

    fn feature_dim(&self) -> usize {
        self.feature_dim
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }
}
