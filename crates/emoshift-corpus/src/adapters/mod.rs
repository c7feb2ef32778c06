//! One adapter per corpus, each reading the corpus exactly as distributed, with its own
//! label table (codes collide between corpora: `A` is fear in EmoDB but anger in ShEMO,
//! so there is no shared letter map). Name and label patterns spell digits `[0-9]`:
//! the regex crate's `\d` also matches other scripts' digits (`٣`), which no corpus
//! writes and which `str::parse` rejects.

mod aesdd;
mod cafe;
mod conflict;
mod cremad;
mod emodb;
mod emovo;
pub(crate) mod fs;
mod iemocap;
mod manifest;
mod msp_improv;
mod msp_podcast;
mod ravdess;
mod savee;
mod shemo;
mod tess;

use std::path::Path;

use crate::error::{CorpusError, Result};
use crate::scan::CorpusScan;

pub use aesdd::Aesdd;
pub use cafe::Cafe;
pub use cremad::CremaD;
pub use emodb::EmoDb;
pub use emovo::Emovo;
pub use iemocap::Iemocap;
pub use manifest::{GenericManifest, MANIFEST_CSV, MANIFEST_JSONL};
pub use msp_improv::MspImprov;
pub use msp_podcast::MspPodcast;
pub use ravdess::Ravdess;
pub use savee::Savee;
pub use shemo::Shemo;
pub use tess::Tess;

/// Reads one corpus in its distributed layout.
pub trait CorpusAdapter: Send + Sync {
    /// Canonical corpus name (`crema_d`), used in manifests and protocols.
    fn name(&self) -> &'static str;
    /// The name as the corpus is usually written (`CREMA-D`).
    fn display_name(&self) -> &'static str;
    /// Language of the corpus (ISO 639-1; `und` where it varies).
    fn language(&self) -> &'static str;
    /// Cheap test whether `root` looks like this corpus' root folder.
    fn detect(&self, root: &Path) -> bool;
    /// Scans the corpus under `root`.
    fn scan(&self, root: &Path) -> Result<CorpusScan>;
}

/// Every adapter, in detection order (the generic manifest last).
pub fn adapters() -> Vec<Box<dyn CorpusAdapter>> {
    vec![
        Box::new(Ravdess),
        Box::new(CremaD),
        Box::new(EmoDb),
        Box::new(Tess),
        Box::new(Savee),
        Box::new(Emovo),
        Box::new(Shemo),
        Box::new(Cafe),
        Box::new(Aesdd),
        Box::new(Iemocap),
        Box::new(MspImprov),
        Box::new(MspPodcast),
        Box::new(GenericManifest),
    ]
}

/// Canonical names of all adapters.
pub fn adapter_names() -> Vec<&'static str> {
    adapters().iter().map(|a| a.name()).collect()
}

/// The adapter called `name`, compared without case, `-` or `_` (`CREMA-D`, `crema_d`
/// and `cremad` all work); the error lists the valid names.
pub fn adapter(name: &str) -> Result<Box<dyn CorpusAdapter>> {
    let key = squash(name);
    adapters()
        .into_iter()
        .find(|a| squash(a.name()) == key || squash(a.display_name()) == key)
        .ok_or_else(|| CorpusError::unknown("corpus", name, &adapter_names()))
}

/// The canonical corpus name for `name` (see [`adapter`]).
pub fn canonical_corpus_name(name: &str) -> Result<&'static str> {
    adapter(name).map(|a| a.name())
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Fails with [`CorpusError::NotThisCorpus`] unless `adapter` detects `root`.
pub(crate) fn require_root(adapter: &dyn CorpusAdapter, root: &Path, expected: &str) -> Result<()> {
    if !root.is_dir() {
        return Err(CorpusError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    if adapter.detect(root) {
        Ok(())
    } else {
        Err(CorpusError::NotThisCorpus {
            corpus: adapter.display_name().to_string(),
            path: root.to_path_buf(),
            reason: format!("expected {expected}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_lenient_and_errors_list_names() {
        assert_eq!(adapter("CREMA-D").unwrap().name(), "crema_d");
        assert_eq!(adapter("emo_db").unwrap().name(), "emodb");
        assert_eq!(adapter("MSP-Podcast").unwrap().name(), "msp_podcast");
        let err = adapter("voxceleb").err().unwrap().to_string();
        assert!(err.contains("voxceleb") && err.contains("ravdess") && err.contains("iemocap"));
    }
}
