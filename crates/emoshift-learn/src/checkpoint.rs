//! Checkpoint files: named tensors plus string metadata in the safetensors
//! format, written atomically (a temporary file in the same folder, synced,
//! then renamed over the target), so an interruption never leaves a torn file.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, View};
use tch::{Device, Kind, Tensor};

use crate::error::LearnError;
use crate::method::Method;

/// Named tensors, as state dicts hold them.
pub type NamedTensors = Vec<(String, Tensor)>;

/// String metadata stored in a checkpoint's header.
pub type Metadata = BTreeMap<String, String>;

/// A tensor prepared for writing: contiguous, on the CPU.
struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

fn dtype_of(kind: Kind) -> Option<Dtype> {
    Some(match kind {
        Kind::Float => Dtype::F32,
        Kind::Double => Dtype::F64,
        Kind::Half => Dtype::F16,
        Kind::BFloat16 => Dtype::BF16,
        Kind::Int64 => Dtype::I64,
        Kind::Int => Dtype::I32,
        Kind::Int16 => Dtype::I16,
        Kind::Int8 => Dtype::I8,
        Kind::Uint8 => Dtype::U8,
        Kind::Bool => Dtype::BOOL,
        _ => return None,
    })
}

fn kind_of(dtype: Dtype) -> Option<Kind> {
    Some(match dtype {
        Dtype::F32 => Kind::Float,
        Dtype::F64 => Kind::Double,
        Dtype::F16 => Kind::Half,
        Dtype::BF16 => Kind::BFloat16,
        Dtype::I64 => Kind::Int64,
        Dtype::I32 => Kind::Int,
        Dtype::I16 => Kind::Int16,
        Dtype::I8 => Kind::Int8,
        Dtype::U8 => Kind::Uint8,
        Dtype::BOOL => Kind::Bool,
        _ => return None,
    })
}

fn io_error(path: &Path, reason: impl ToString) -> LearnError {
    LearnError::Io {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Writes `tensors` and `metadata` to `path` atomically.
pub fn save(
    path: &Path,
    tensors: &[(String, Tensor)],
    metadata: &Metadata,
) -> Result<(), LearnError> {
    let mut raws = Vec::with_capacity(tensors.len());
    for (name, tensor) in tensors {
        let t = tensor.detach().to_device(Device::Cpu).contiguous();
        let dtype = dtype_of(t.kind()).ok_or_else(|| {
            io_error(
                path,
                format!("tensor `{name}` has unsupported kind {:?}", t.kind()),
            )
        })?;
        let numel = t.numel();
        let mut bytes = vec![0u8; numel * t.kind().elt_size_in_bytes()];
        t.f_copy_data_u8(&mut bytes, numel)?;
        let shape = t.size().iter().map(|&d| d as usize).collect();
        raws.push((
            name.as_str(),
            Raw {
                dtype,
                shape,
                bytes,
            },
        ));
    }
    let info: HashMap<String, String> = metadata
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let bytes = safetensors::tensor::serialize(raws.iter().map(|(n, r)| (*n, r)), Some(info))
        .map_err(|e| io_error(path, e))?;
    emoshift_fs::write_atomic(path, &bytes).map_err(|e| io_error(path, e.reason()))
}

/// Reads the named tensors (on the CPU) and the metadata of a checkpoint.
pub fn load(path: &Path) -> Result<(NamedTensors, Metadata), LearnError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|e| io_error(path, format!("not a safetensors file: {e}")))?;
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| io_error(path, e))?;
    let metadata = header
        .metadata()
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut tensors = Vec::with_capacity(file.len());
    for (name, view) in file.tensors() {
        let kind = kind_of(view.dtype()).ok_or_else(|| {
            io_error(
                path,
                format!("tensor `{name}` has unsupported dtype {:?}", view.dtype()),
            )
        })?;
        let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        tensors.push((name, Tensor::f_from_data_size(view.data(), &shape, kind)?));
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((tensors, metadata))
}

/// Saves everything `method` needs to resume (its [`Method::state_dict`]) with `metadata`.
pub fn save_method(
    method: &dyn Method,
    path: &Path,
    metadata: &Metadata,
) -> Result<(), LearnError> {
    save(path, &method.state_dict(), metadata)
}

/// Restores `method` from a file written by [`save_method`] and returns its metadata.
pub fn load_method(method: &mut dyn Method, path: &Path) -> Result<Metadata, LearnError> {
    let (tensors, metadata) = load(path)?;
    method.load_state_dict(path, tensors)?;
    Ok(metadata)
}
