//! The learning-method interface, in the shape of DomainBed's algorithms:
//! one `update` on a minibatch per training domain, and `predict`.

use std::collections::BTreeMap;

use tch::Tensor;

use crate::error::LearnError;
use crate::model::Model;

/// One minibatch drawn from a single training domain.
#[derive(Debug)]
pub struct DomainBatch {
    /// Inputs, `[N, ...]` as the model expects them.
    pub x: Tensor,
    /// Class indices, int64 `[N]`; placeholders (never to be read) when
    /// `labelled` is false.
    pub y: Tensor,
    /// Index of the domain the batch comes from (`0..num_domains`).
    pub domain: usize,
    /// Extra per-sample labels for auxiliary heads (for example gender or
    /// speaker for DANN), int64 `[N]` each, keyed by head name.
    pub aux: BTreeMap<String, Tensor>,
    /// Whether `y` holds real class labels. An unlabelled batch (target
    /// audio for unsupervised adaptation) may only reach the losses that
    /// need no class label, such as a domain head or a discrepancy term.
    pub labelled: bool,
}

impl DomainBatch {
    /// A batch sharing this one's tensors (no data is copied).
    pub fn shallow_copy(&self) -> Self {
        Self {
            x: self.x.shallow_clone(),
            y: self.y.shallow_clone(),
            domain: self.domain,
            aux: self
                .aux
                .iter()
                .map(|(k, t)| (k.clone(), t.shallow_clone()))
                .collect(),
            labelled: self.labelled,
        }
    }
}

/// The losses of one update, for logging and training curves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossReport {
    /// The loss the update minimised.
    pub total: f64,
    /// Named terms (for example `meta_train`, `meta_test`, `gamma`, `mmd`).
    pub terms: BTreeMap<String, f64>,
}

/// A learning method: owns the network, its extra heads and its optimiser.
pub trait Method: Send {
    /// Short name (`erm`, `mldg`, `da_mldg`, ...).
    fn name(&self) -> &'static str;

    /// One training step on a minibatch per domain.
    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError>;

    /// Logits `[N, C]` in evaluation mode.
    fn predict(&self, x: &Tensor) -> Tensor;

    /// Feature vectors `[N, D]` in evaluation mode (for embedding maps).
    fn embed(&self, x: &Tensor) -> Tensor;

    /// The network being trained.
    fn model(&self) -> &dyn Model;

    /// The optimiser's learning rate (the outer one for meta-learning).
    fn learning_rate(&self) -> f64;

    /// Sets the optimiser's learning rate, for schedules such as
    /// exponential decay (`optim::exponential_lr`).
    fn set_learning_rate(&mut self, lr: f64);

    /// Every tensor a checkpoint must keep to resume exactly: network
    /// parameters and buffers, extra heads and optimiser state, with
    /// prefixed names (`model.`, `head.`, `optim.`).
    fn state_dict(&self) -> Vec<(String, Tensor)>;

    /// Restores what [`Method::state_dict`] saved; `source` names the file
    /// in errors. Strict about names and shapes.
    fn load_state_dict(
        &mut self,
        source: &std::path::Path,
        named: Vec<(String, Tensor)>,
    ) -> Result<(), LearnError>;
}
