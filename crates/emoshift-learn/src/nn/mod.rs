//! Functional layers: each layer registers its PyTorch-named parameters in a
//! [`ParamStore`] when built and keeps only their indices, and its forward
//! pass reads the parameter values from a [`Pass`]. That is what lets a
//! model run with the store's own tensors or with adapted values (θ').

mod conv;
mod func;
pub mod init;
mod linear;
mod norm;
mod rnn;

use tch::Tensor;

use crate::params::ParamStore;

pub use conv::{Conv2d, Conv2dConfig};
pub use func::{adaptive_avg_pool2d, avg_pool2d, dropout, max_pool2d};
pub use init::Init;
pub use linear::Linear;
pub use norm::BatchNorm;
pub use rnn::Lstm;

/// The values one forward pass reads: parameters (in store order), the
/// store's buffers, and whether the network is in training mode.
#[derive(Clone, Copy)]
pub struct Pass<'a> {
    params: &'a [Tensor],
    buffers: &'a [Tensor],
    train: bool,
    statistics_frozen: bool,
}

impl<'a> Pass<'a> {
    /// A pass over `params` (one tensor per parameter of `store`, in order)
    /// with the buffers of `store`, their running statistics frozen when
    /// the store says so ([`ParamStore::without_statistics_updates`]).
    ///
    /// # Panics
    /// If `params` does not hold one tensor per parameter of `store`: that
    /// is a programming error in the caller, not a user input.
    pub fn new(store: &'a ParamStore, params: &'a [Tensor], train: bool) -> Self {
        assert_eq!(
            params.len(),
            store.values().len(),
            "a forward pass needs one tensor per parameter of the store"
        );
        Self {
            params,
            buffers: store.buffers(),
            train,
            statistics_frozen: store.statistics_frozen(),
        }
    }

    /// The value of parameter `index`.
    pub fn param(&self, index: usize) -> &'a Tensor {
        &self.params[index]
    }

    /// Buffer `index` (shares storage with the store, so in-place updates persist).
    pub fn buffer(&self, index: usize) -> &'a Tensor {
        &self.buffers[index]
    }

    /// Whether the network runs in training mode (dropout on, batch norm
    /// using batch statistics).
    pub fn train(&self) -> bool {
        self.train
    }

    /// Whether a training-mode batch norm updates its running statistics.
    pub fn update_statistics(&self) -> bool {
        self.train && !self.statistics_frozen
    }
}

/// `prefix.name`, or `name` when the prefix is empty.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
