//! The tensors of a `model.safetensors`, fetched by their transformers
//! names with the shape the configuration implies. Strict: a tensor that is
//! missing or has another shape is an error naming the file, the tensor and
//! the expected shape. Tensors the encoder does not use (a CTC head, the
//! quantiser of a pre-training checkpoint) are ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tch::{Device, Kind, Tensor};

use crate::checkpoint;
use crate::error::LearnError;

/// A checkpoint's tensors by name, with the base model's names.
pub(crate) struct Weights {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
    device: Device,
}

impl Weights {
    /// Reads `path`. When the base model's tensors carry `prefix` (a task
    /// model such as `WavLMForCTC` stores `wavlm.encoder…`), the prefix is
    /// removed and tensors outside it are dropped.
    pub fn load(path: &Path, prefix: &str, device: Device) -> Result<Self, LearnError> {
        let (tensors, _) = checkpoint::load(path)?;
        let prefixed = tensors.iter().any(|(name, _)| name.starts_with(prefix));
        let tensors = tensors
            .into_iter()
            .filter_map(|(name, t)| {
                if prefixed {
                    name.strip_prefix(prefix).map(|n| (n.to_string(), t))
                } else {
                    Some((name, t))
                }
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            tensors,
            device,
        })
    }

    fn error(&self, reason: String) -> LearnError {
        LearnError::Checkpoint {
            path: self.path.clone(),
            reason,
        }
    }

    /// Whether tensor `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Tensor `name` as float on the device, checked to have `shape`.
    pub fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor, LearnError> {
        let tensor = self
            .tensors
            .get(name)
            .ok_or_else(|| self.error(format!("tensor `{name}` of shape {shape:?} is missing")))?;
        let found: Vec<usize> = tensor.size().iter().map(|&d| d as usize).collect();
        if found != shape {
            return Err(self.error(format!(
                "tensor `{name}` has shape {found:?}, expected {shape:?}"
            )));
        }
        if !tensor.is_floating_point() {
            return Err(self.error(format!(
                "tensor `{name}` holds {:?} values, expected floating point",
                tensor.kind()
            )));
        }
        Ok(tensor.to_kind(Kind::Float).to_device(self.device))
    }

    /// The weight (`[out, in]`) and bias (`[out]`) of linear layer `prefix`.
    pub fn linear(
        &self,
        prefix: &str,
        out: usize,
        inp: usize,
    ) -> Result<(Tensor, Tensor), LearnError> {
        Ok((
            self.get(&format!("{prefix}.weight"), &[out, inp])?,
            self.get(&format!("{prefix}.bias"), &[out])?,
        ))
    }

    /// The weight and bias of a norm layer `prefix` over `n` features.
    pub fn norm(&self, prefix: &str, n: usize) -> Result<(Tensor, Tensor), LearnError> {
        Ok((
            self.get(&format!("{prefix}.weight"), &[n])?,
            self.get(&format!("{prefix}.bias"), &[n])?,
        ))
    }

    /// The weight of convolution `prefix` (shape `shape`) under weight
    /// normalisation over dimension 2 (`nn.utils.weight_norm(conv, dim=2)`):
    /// `weight = g · v / ‖v‖`, the norm taken over dimensions 0 and 1.
    /// Accepts the magnitude and direction as `weight_g`/`weight_v` (older
    /// checkpoints), as `parametrizations.weight.original0`/`original1`
    /// (`nn.utils.parametrizations.weight_norm`), or an already folded `weight`.
    pub fn weight_normed_conv(
        &self,
        prefix: &str,
        shape: [usize; 3],
    ) -> Result<Tensor, LearnError> {
        let g_shape = [1, 1, shape[2]];
        let pairs = [
            ("weight_g", "weight_v"),
            (
                "parametrizations.weight.original0",
                "parametrizations.weight.original1",
            ),
        ];
        for (g, v) in pairs {
            let (g, v) = (format!("{prefix}.{g}"), format!("{prefix}.{v}"));
            if self.has(&g) || self.has(&v) {
                let g = self.get(&g, &g_shape)?;
                let v = self.get(&v, &shape)?;
                let norm = v.norm_scalaropt_dim(2.0, [0i64, 1], true);
                return Ok(v * (g / norm));
            }
        }
        let folded = format!("{prefix}.weight");
        if self.has(&folded) {
            return self.get(&folded, &shape);
        }
        Err(self.error(format!(
            "tensors `{prefix}.weight_g` {g_shape:?} and `{prefix}.weight_v` {shape:?} \
             (or `{prefix}.parametrizations.weight.original0`/`original1`) are missing"
        )))
    }
}
