//! Named model parameters and buffers, kept as a plain ordered list of tensors.
//!
//! Models in emoshift are *functional*: their forward pass takes the parameter
//! values as an argument. That is what lets MLDG and DA-MLDG evaluate the
//! network at θ' = θ − α∇L(S') and differentiate through that inner step.
//! Names follow PyTorch (`features.0.weight`, `classifier.bias`) so weights
//! exchange with Python and reference fixtures line up.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use tch::{Device, Kind, Tensor};

use crate::error::LearnError;

/// What [`ParamStore::load_matching`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitReport {
    /// Tensors copied from the file.
    pub loaded: Vec<String>,
    /// Tensors of the network the file did not have (or had in another
    /// shape), left as initialised.
    pub kept: Vec<String>,
    /// Tensors of the file the network has no place for.
    pub unused: usize,
}

impl InitReport {
    /// One line for records and reports.
    pub fn describe(&self) -> String {
        let mut text = format!("{} tensors loaded", self.loaded.len());
        if !self.kept.is_empty() {
            text.push_str(&format!("; kept as initialised: {}", self.kept.join(", ")));
        }
        if self.unused > 0 {
            text.push_str(&format!("; {} tensors of the file unused", self.unused));
        }
        text
    }
}

/// Ordered, named trainable parameters plus non-trainable buffers.
#[derive(Debug)]
pub struct ParamStore {
    device: Device,
    names: Vec<String>,
    values: Vec<Tensor>,
    buffer_names: Vec<String>,
    buffers: Vec<Tensor>,
    statistics_frozen: AtomicBool,
}

impl ParamStore {
    /// An empty store whose tensors live on `device`.
    pub fn new(device: Device) -> Self {
        Self {
            device,
            names: Vec::new(),
            values: Vec::new(),
            buffer_names: Vec::new(),
            buffers: Vec::new(),
            statistics_frozen: AtomicBool::new(false),
        }
    }

    /// The device every tensor of this store lives on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Adds a trainable parameter (moved to the store's device, float32,
    /// requiring gradients) and returns its index in [`ParamStore::values`].
    pub fn add(&mut self, name: impl Into<String>, init: Tensor) -> usize {
        let name = name.into();
        assert!(
            !self.names.contains(&name),
            "duplicate parameter name {name}"
        );
        let value = init
            .to_kind(Kind::Float)
            .to_device(self.device)
            .detach()
            .set_requires_grad(true);
        self.names.push(name);
        self.values.push(value);
        self.values.len() - 1
    }

    /// Adds a non-trainable buffer (such as batch-norm running statistics)
    /// and returns its index in [`ParamStore::buffers`].
    pub fn add_buffer(&mut self, name: impl Into<String>, init: Tensor) -> usize {
        let name = name.into();
        assert!(
            !self.buffer_names.contains(&name),
            "duplicate buffer name {name}"
        );
        self.buffer_names.push(name);
        self.buffers.push(init.to_device(self.device).detach());
        self.buffers.len() - 1
    }

    /// Parameter names, in the order of [`ParamStore::values`].
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The current parameter tensors (leaves that require gradients).
    pub fn values(&self) -> &[Tensor] {
        &self.values
    }

    /// Buffer names, in the order of [`ParamStore::buffers`].
    pub fn buffer_names(&self) -> &[String] {
        &self.buffer_names
    }

    /// The buffers; batch norm updates them in place during training
    /// (unless frozen, see [`ParamStore::without_statistics_updates`]).
    pub fn buffers(&self) -> &[Tensor] {
        &self.buffers
    }

    /// Runs `f` with the running statistics of this store frozen: a
    /// training-mode forward inside still normalises with batch statistics
    /// (and still drops out), but batch norm passes no running tensors to
    /// ATen, so `running_mean`, `running_var` and `num_batches_tracked` keep
    /// their values. This is PyTorch's `F.batch_norm(x, None, None,
    /// training=True)`, or a `functional_call` on copies of the buffers.
    ///
    /// MLDG and DA-MLDG evaluate the network at adapted values θ′; those
    /// forwards must not move the statistics of θ, which evaluation uses.
    /// A switch rather than a copy-and-restore of the buffers: the buffers
    /// are never written, so nothing is copied and no graph that saved them
    /// sees them change before its backward pass. The previous setting is
    /// restored when `f` returns or unwinds, so calls nest.
    pub fn without_statistics_updates<T>(&self, f: impl FnOnce() -> T) -> T {
        struct Restore<'a>(&'a AtomicBool, bool);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.store(self.1, Ordering::Relaxed);
            }
        }
        let _restore = Restore(
            &self.statistics_frozen,
            self.statistics_frozen.swap(true, Ordering::Relaxed),
        );
        f()
    }

    /// Whether training-mode forwards leave the running statistics alone
    /// (inside [`ParamStore::without_statistics_updates`]).
    pub fn statistics_frozen(&self) -> bool {
        self.statistics_frozen.load(Ordering::Relaxed)
    }

    /// Number of scalar parameters.
    pub fn numel(&self) -> usize {
        self.values.iter().map(|t| t.numel()).sum()
    }

    /// Index of the parameter called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Overwrites parameter values in place (no gradient recorded).
    pub fn assign(&self, new_values: &[Tensor]) {
        assert_eq!(new_values.len(), self.values.len());
        tch::no_grad(|| {
            for (dst, src) in self.values.iter().zip(new_values) {
                dst.shallow_clone().copy_(src);
            }
        });
    }

    /// Detached copies of all parameters and buffers, named, for saving.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.names
            .iter()
            .zip(&self.values)
            .chain(self.buffer_names.iter().zip(&self.buffers))
            .map(|(n, t)| (n.clone(), t.detach().to_device(Device::Cpu)))
            .collect()
    }

    /// Writes parameters and buffers to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<(), LearnError> {
        crate::checkpoint::save(path, &self.named_tensors(), &Default::default())
    }

    /// Loads every parameter and buffer from a safetensors file, strictly:
    /// a missing, unexpected or wrongly shaped tensor is an error naming it.
    pub fn load(&self, path: &Path) -> Result<(), LearnError> {
        let file = Tensor::read_safetensors(path).map_err(|e| LearnError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        self.load_named(path, file)
    }

    /// Starts the network from another one's weights: every parameter and
    /// buffer whose name and shape are in `path` (a safetensors file with
    /// PyTorch names) is copied; the others keep their initialisation and
    /// are listed in the report (a classifier for other classes, say). An
    /// error when nothing matches, so a wrong file is never ignored.
    pub fn load_matching(&self, path: &Path) -> Result<InitReport, LearnError> {
        let file = Tensor::read_safetensors(path).map_err(|e| LearnError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let targets: Vec<(&String, &Tensor)> = self
            .names
            .iter()
            .zip(&self.values)
            .chain(self.buffer_names.iter().zip(&self.buffers))
            .collect();
        let mut report = InitReport::default();
        tch::no_grad(|| {
            for (name, dst) in &targets {
                match file.iter().find(|(n, _)| n == *name) {
                    Some((_, src)) if src.size() == dst.size() => {
                        dst.shallow_clone()
                            .copy_(&src.to_kind(dst.kind()).to_device(self.device));
                        report.loaded.push((*name).clone());
                    }
                    _ => report.kept.push((*name).clone()),
                }
            }
        });
        report.unused = file
            .iter()
            .filter(|(n, _)| !targets.iter().any(|(t, _)| *t == n))
            .count();
        if report.loaded.is_empty() {
            return Err(LearnError::Checkpoint {
                path: path.to_path_buf(),
                reason: format!(
                    "no tensor of the file matches the network by name and shape (the network has {}; the file {})",
                    targets.len(),
                    file.len()
                ),
            });
        }
        Ok(report)
    }

    /// Strict load from named tensors read from `path` (used in messages).
    pub fn load_named(&self, path: &Path, named: Vec<(String, Tensor)>) -> Result<(), LearnError> {
        let mut problems = Vec::new();
        let targets: Vec<(&String, &Tensor)> = self
            .names
            .iter()
            .zip(&self.values)
            .chain(self.buffer_names.iter().zip(&self.buffers))
            .collect();
        for (name, _) in &named {
            if !targets.iter().any(|(n, _)| *n == name) {
                problems.push(format!("unexpected tensor `{name}`"));
            }
        }
        for (name, dst) in &targets {
            match named.iter().find(|(n, _)| n == *name) {
                None => problems.push(format!("missing tensor `{name}`")),
                Some((_, src)) if src.size() != dst.size() => problems.push(format!(
                    "tensor `{name}` has shape {:?}, the model expects {:?}",
                    src.size(),
                    dst.size()
                )),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(LearnError::Checkpoint {
                path: path.to_path_buf(),
                reason: problems.join("; "),
            });
        }
        tch::no_grad(|| {
            for (name, dst) in targets {
                let (_, src) = named
                    .iter()
                    .find(|(n, _)| n == name)
                    .expect("checked above");
                dst.shallow_clone()
                    .copy_(&src.to_kind(dst.kind()).to_device(self.device));
            }
        });
        Ok(())
    }
}
