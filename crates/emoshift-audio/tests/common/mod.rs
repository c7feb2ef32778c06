//! Helpers shared by the integration tests: reading the committed fixtures.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use safetensors::{Dtype, SafeTensors};

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A safetensors file held in memory.
pub struct Fixture {
    bytes: Vec<u8>,
}

impl Fixture {
    /// Reads `tests/fixtures/<rel>`.
    pub fn open(rel: &str) -> Fixture {
        Fixture {
            bytes: std::fs::read(fixture(rel))
                .expect("fixture exists (run scripts/gen_audio_fixtures.py)"),
        }
    }

    fn tensors(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.bytes).expect("valid safetensors")
    }

    /// A tensor as f32 values (int16 tensors are scaled by 1/32768) and its shape.
    pub fn tensor(&self, name: &str) -> (Vec<f32>, Vec<usize>) {
        let st = self.tensors();
        let view = st
            .tensor(name)
            .unwrap_or_else(|e| panic!("tensor {name}: {e}"));
        let values = match view.dtype() {
            Dtype::F32 => view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::I16 => view
                .data()
                .chunks_exact(2)
                .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
                .collect(),
            other => panic!("tensor {name}: unexpected dtype {other:?}"),
        };
        (values, view.shape().to_vec())
    }

    /// A metadata entry parsed as JSON.
    pub fn metadata_json(&self, key: &str) -> serde_json::Value {
        let (_, meta) = SafeTensors::read_metadata(&self.bytes).expect("valid safetensors header");
        let text = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get(key).cloned())
            .unwrap_or_else(|| panic!("metadata key {key}"));
        serde_json::from_str(&text).expect("metadata is JSON")
    }
}

/// Largest absolute difference divided by the largest absolute reference value.
pub fn max_rel_error(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len(), "length mismatch");
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
        / scale
}

/// Largest absolute difference.
pub fn max_abs_error(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len(), "length mismatch");
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}
