//! [`FeatureStore`]: a content-addressed cache of computed features.
//!
//! An entry lives at `<root>/<spec id>/<hash[..2]>/<hash>.emsf`, where `hash`
//! is the BLAKE3 hash of the audio file's bytes, so renaming or moving audio
//! keeps its entries and editing it invalidates them. Entries are written to a
//! temporary file in the same directory and renamed into place, so an
//! interrupted run never leaves a partial entry under the final name (the
//! temporary files it leaves go when the store is next opened, once they are
//! [`STALE_AFTER`] old); entries carry a checksum ([`Features::to_bytes`]) and
//! a damaged or unreadable one is recomputed.

use std::path::{Path, PathBuf};

use emoshift_fs::{remove_stale_temps, FsError, STALE_AFTER};

use crate::{decode, load, AudioError, FeatureSpec, Features, LoadOptions};

/// Whether [`FeatureStore::get_or_compute`] found the entry or computed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheHit {
    /// Read from the cache.
    Reused,
    /// Computed now (absent or damaged entry) and written to the cache.
    Computed,
}

/// A directory of cached features.
#[derive(Debug, Clone)]
pub struct FeatureStore {
    root: PathBuf,
}

impl FeatureStore {
    /// Opens (creating if needed) the cache directory `dir` and removes the
    /// temporary files that killed runs left in it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, AudioError> {
        let root = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&root).map_err(|e| AudioError::Cache {
            path: root.clone(),
            reason: format!("cannot create cache directory: {e}"),
        })?;
        let removed = remove_stale_temps(&root, STALE_AFTER);
        if removed > 0 {
            tracing::info!(
                "{}: removed {removed} stale temporary files",
                root.display()
            );
        }
        Ok(FeatureStore { root })
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry for audio bytes with BLAKE3 hex `content_hash` and `spec` lives.
    pub fn entry_path(&self, content_hash: &str, spec: &FeatureSpec) -> PathBuf {
        self.entry_path_in(&spec.id(), content_hash)
    }

    fn entry_path_in(&self, id: &str, content_hash: &str) -> PathBuf {
        self.root
            .join(id)
            .join(&content_hash[..2.min(content_hash.len())])
            .join(format!("{content_hash}.emsf"))
    }

    /// The features of the audio file `path` under `spec`: read from the cache
    /// when a valid entry exists, otherwise computed and stored atomically.
    pub fn get_or_compute(
        &self,
        path: &Path,
        spec: &FeatureSpec,
    ) -> Result<(Features, CacheHit), AudioError> {
        spec.validate().map_err(|cause| AudioError::Feature {
            path: path.to_path_buf(),
            cause,
        })?;
        self.get_or_compute_with(path, &spec.id(), spec, &spec.load, |samples| {
            spec.compute(samples).map_err(|cause| AudioError::Feature {
                path: path.to_path_buf(),
                cause,
            })
        })
    }

    /// The same for features computed by the caller (a pretrained encoder):
    /// the audio of `path` is loaded with `load` and handed to `compute`,
    /// and the entry lives under `id`, whose folder also gets `description`
    /// as `spec.json`. `id` must change whenever the computation does.
    pub fn get_or_compute_with<D: serde::Serialize>(
        &self,
        path: &Path,
        id: &str,
        description: &D,
        load: &LoadOptions,
        compute: impl FnOnce(&[f32]) -> Result<Features, AudioError>,
    ) -> Result<(Features, CacheHit), AudioError> {
        let bytes = std::fs::read(path).map_err(|cause| AudioError::Unreadable {
            path: path.to_path_buf(),
            cause,
        })?;
        let hash = blake3::hash(&bytes).to_hex();
        let entry = self.entry_path_in(id, hash.as_str());
        // A damaged or unreadable entry is recomputed: writing the new one
        // replaces it, or fails with an error that says why.
        match std::fs::read(&entry) {
            Ok(stored) => match Features::from_bytes(&stored) {
                Ok(features) => return Ok((features, CacheHit::Reused)),
                Err(e) => tracing::warn!(
                    "{}: damaged cache entry for {} ({e}); recomputing",
                    entry.display(),
                    path.display()
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(
                "{}: cannot read cache entry for {} ({e}); recomputing",
                entry.display(),
                path.display()
            ),
        }
        let audio = decode::decode_bytes(&bytes, path)?;
        let audio = load::prepare(audio, path, load)?;
        let features = compute(&audio.samples)?;
        self.write_description(id, description)?;
        emoshift_fs::write_atomic(&entry, &features.to_bytes()).map_err(cache_error)?;
        Ok((features, CacheHit::Computed))
    }

    /// Writes `<root>/<id>/spec.json` (once) so a cache folder says what it holds.
    fn write_description<D: serde::Serialize>(
        &self,
        id: &str,
        description: &D,
    ) -> Result<(), AudioError> {
        let path = self.root.join(id).join("spec.json");
        if path.exists() {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(description).map_err(|e| AudioError::Cache {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        emoshift_fs::write_atomic(&path, &json).map_err(cache_error)
    }
}

/// A failed cache write as an [`AudioError::Cache`] naming the same path.
fn cache_error(e: FsError) -> AudioError {
    AudioError::Cache {
        reason: e.reason(),
        path: e.path,
    }
}
