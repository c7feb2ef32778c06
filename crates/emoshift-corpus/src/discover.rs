//! Finding corpora under folders: a folder given to [`scan_dirs`] may be a corpus root
//! or hold several corpus roots (searched up to three levels down).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::adapters::{adapters, fs, CorpusAdapter};
use crate::error::{CorpusError, Result};
use crate::scan::CorpusScan;

/// How deep below a given folder corpus roots are searched for.
pub const MAX_DEPTH: usize = 3;

/// The corpus roots under `dir` with the adapter that reads each, in path order.
pub fn find_corpora(dir: &Path) -> Result<Vec<(PathBuf, Box<dyn CorpusAdapter>)>> {
    if !dir.is_dir() {
        return Err(CorpusError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut found = Vec::new();
    search(dir, 0, &mut found);
    Ok(found)
}

fn search(dir: &Path, depth: usize, found: &mut Vec<(PathBuf, Box<dyn CorpusAdapter>)>) {
    if let Some(adapter) = adapters().into_iter().find(|a| a.detect(dir)) {
        found.push((dir.to_path_buf(), adapter));
        return;
    }
    if depth < MAX_DEPTH {
        for sub in fs::subdirs(dir) {
            if !fs::is_hidden(&sub) {
                search(&sub, depth + 1, found);
            }
        }
    }
}

/// Finds and scans every corpus under `dirs`, one [`CorpusScan`] per corpus sorted by
/// corpus name. Several roots of one corpus (RAVDESS' speech and song archives, a
/// second copy of TESS) are merged, later copies of an utterance id excluded as
/// duplicates. A folder that does not exist is an error; a folder with no corpus in
/// it yields no scans.
pub fn scan_dirs(dirs: &[PathBuf]) -> Result<Vec<CorpusScan>> {
    let mut scans: BTreeMap<String, CorpusScan> = BTreeMap::new();
    for dir in dirs {
        for (root, adapter) in find_corpora(dir)? {
            tracing::info!(corpus = adapter.name(), root = %root.display(), "scanning");
            let scan = adapter.scan(&root)?;
            match scans.remove(&scan.corpus) {
                Some(first) => {
                    scans.insert(scan.corpus.clone(), first.merge(scan));
                }
                None => {
                    scans.insert(scan.corpus.clone(), scan);
                }
            }
        }
    }
    Ok(scans.into_values().collect())
}
