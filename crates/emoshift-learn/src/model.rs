//! The model interface every network implements: a feature half and a
//! classifier half, both evaluated with explicitly passed parameter values.

use tch::Tensor;

use crate::params::ParamStore;

/// A network split into a feature extractor and a classifier.
///
/// `params` is always a slice in the order of [`ParamStore::values`]: the
/// store's own tensors for an ordinary step, or adapted values (θ') for a
/// meta-learning inner step. Buffers (batch-norm statistics) come from the
/// store and are updated in place when `train` is true.
pub trait Model: Send {
    /// The parameters and buffers of the network.
    fn store(&self) -> &ParamStore;

    /// The feature map before pooling: `[N, C, H, W]` for convolutional
    /// networks, `[N, D]` for vector models. RSC mutes entries of this map.
    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor;

    /// Pools a feature map to feature vectors `[N, D]` (identity for vector models).
    fn pool(&self, map: &Tensor) -> Tensor {
        map.shallow_clone()
    }

    /// Feature vectors `[N, D]` for a batch: the representation that domain
    /// heads, MMD, CORAL and the embedding map read.
    fn features(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        self.pool(&self.feature_map(params, x, train))
    }

    /// Logits `[N, C]` from feature vectors.
    fn classify(&self, params: &[Tensor], features: &Tensor, train: bool) -> Tensor;

    /// Logits `[N, C]` for a batch.
    fn forward(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        self.classify(params, &self.features(params, x, train), train)
    }

    /// Width of the feature vectors.
    fn feature_dim(&self) -> usize;

    /// Number of classes the classifier predicts.
    fn num_classes(&self) -> usize;
}
