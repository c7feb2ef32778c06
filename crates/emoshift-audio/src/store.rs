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
//!
//! The store applies its [`QualityGates`] to every file, cached or not: the
//! [`AudioStats`] of each decoded file are kept beside the features, at
//! `<root>/audio-stats/<hash[..2]>/<hash>.json`, so a cached file is gated as
//! a new one is, and changed thresholds apply without decoding again.

use std::path::{Path, PathBuf};

use emoshift_fs::{remove_stale_temps, FsError, STALE_AFTER};

use crate::quality::{rejected, AudioStats, QualityGates};
use crate::{load, AudioError, FeatureSpec, Features, LoadOptions};

/// Folder of the per-file audio statistics inside the store.
const STATS_DIR: &str = "audio-stats";

/// Whether [`FeatureStore::get_or_compute`] found the entry or computed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheHit {
    /// Read from the cache.
    Reused,
    /// Computed now (absent or damaged entry) and written to the cache.
    Computed,
}

/// A directory of cached features, and the quality gates every file must
/// pass before its features are handed out.
#[derive(Debug, Clone)]
pub struct FeatureStore {
    root: PathBuf,
    gates: QualityGates,
}

impl FeatureStore {
    /// Opens (creating if needed) the cache directory `dir` with the default
    /// [`QualityGates`] and removes the temporary files that killed runs
    /// left in it.
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
        Ok(FeatureStore {
            root,
            gates: QualityGates::default(),
        })
    }

    /// The same store applying `gates` instead.
    pub fn with_gates(self, gates: QualityGates) -> Self {
        FeatureStore { gates, ..self }
    }

    /// The gates it applies.
    pub fn gates(&self) -> &QualityGates {
        &self.gates
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
        self.entry_in(id, content_hash, "emsf")
    }

    /// The features of the audio file `path` under `spec`: read from the cache
    /// when a valid entry exists, otherwise computed and stored atomically;
    /// a file that fails the store's gates is [`AudioError::Rejected`].
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
        let stats_path = self.entry_in(STATS_DIR, hash.as_str(), "json");
        let stored_stats = read_stats(&stats_path);
        if let Some(stats) = &stored_stats {
            self.gates
                .check(stats)
                .map_err(|issue| rejected(path, issue))?;
        }
        let entry = self.entry_path_in(id, hash.as_str());
        // A damaged or unreadable entry is recomputed: writing the new one
        // replaces it, or fails with an error that says why.
        let cached = match std::fs::read(&entry) {
            Ok(stored) => match Features::from_bytes(&stored) {
                Ok(features) => Some(features),
                Err(e) => {
                    tracing::warn!(
                        "{}: damaged cache entry for {} ({e}); recomputing",
                        entry.display(),
                        path.display()
                    );
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!(
                    "{}: cannot read cache entry for {} ({e}); recomputing",
                    entry.display(),
                    path.display()
                );
                None
            }
        };
        let cached = match (cached, &stored_stats) {
            (Some(features), Some(_)) => return Ok((features, CacheHit::Reused)),
            (cached, _) => cached,
        };
        // Statistics are kept for every decoded file, also one the gates
        // refuse, so it is refused next time without decoding.
        let (audio, stats) = self.gates.decode_checking_header(&bytes, path)?;
        self.write_stats(&stats_path, &stats)?;
        self.gates
            .check(&stats)
            .map_err(|issue| rejected(path, issue))?;
        if let Some(features) = cached {
            return Ok((features, CacheHit::Reused));
        }
        let audio = load::prepare(audio, path, load)?;
        let features = compute(&audio.samples)?;
        self.write_description(id, description)?;
        emoshift_fs::write_atomic(&entry, &features.to_bytes()).map_err(cache_error)?;
        Ok((features, CacheHit::Computed))
    }

    fn entry_in(&self, dir: &str, content_hash: &str, extension: &str) -> PathBuf {
        self.root
            .join(dir)
            .join(&content_hash[..2.min(content_hash.len())])
            .join(format!("{content_hash}.{extension}"))
    }

    fn write_stats(&self, path: &Path, stats: &AudioStats) -> Result<(), AudioError> {
        let json = serde_json::to_vec(stats).map_err(|e| AudioError::Cache {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        emoshift_fs::write_atomic(path, &json).map_err(cache_error)
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

/// The statistics stored at `path`, if there are readable ones (a damaged
/// file is written again after decoding).
fn read_stats(path: &Path) -> Option<AudioStats> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}
