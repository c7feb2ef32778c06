//! Finding corpora under the paths given to a scan. A folder may be a corpus root or
//! hold several corpus roots (searched up to three levels down); a corpus description
//! file (`emoshift-corpus.csv`/`.jsonl`) stands for the folder it describes; any other
//! file is passed over, so `corpora scan DIR/*` works beside a `manifest.csv` or a
//! `README.txt`. The search follows folder links (a corpus kept on another disk and
//! linked beside the others is found), but never enters debris folders
//! ([`crate::walk::debris`]) and visits each real folder once, so a symlink loop or a
//! second link to a corpus neither hangs the search nor scans a corpus twice. Inside
//! a corpus root, files are listed by [`crate::walk::walk`], which follows no folder
//! link.

use emoshift_audio::QualityGates;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::adapters::{adapters, fs, CorpusAdapter, GenericManifest, MANIFEST_CSV, MANIFEST_JSONL};
use crate::error::{CorpusError, Result};
use crate::scan::CorpusScan;
use crate::walk::debris;

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
    search(dir, 0, &mut BTreeSet::new(), &mut found);
    Ok(found)
}

fn search(
    dir: &Path,
    depth: usize,
    visited: &mut BTreeSet<PathBuf>,
    found: &mut Vec<(PathBuf, Box<dyn CorpusAdapter>)>,
) {
    if !visited.insert(real_path(dir)) {
        return;
    }
    if let Some(adapter) = adapters().into_iter().find(|a| a.detect(dir)) {
        found.push((dir.to_path_buf(), adapter));
        return;
    }
    if depth < MAX_DEPTH {
        for sub in fs::subdirs(dir) {
            if debris(&fs::file_name(&sub), true).is_none() {
                search(&sub, depth + 1, visited, found);
            }
        }
    }
}

/// The canonical path of `path`, or `path` itself where it cannot be resolved.
fn real_path(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// What [`scan_paths`] made of the paths it was given.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// One scan per corpus, sorted by corpus name.
    pub scans: Vec<CorpusScan>,
    /// Paths passed over (files that are not corpus descriptions), with the reason.
    pub ignored: Vec<(PathBuf, String)>,
    /// Paths that do not exist.
    pub missing: Vec<PathBuf>,
    /// Corpus roots whose scan failed, with the error.
    pub failed: Vec<(PathBuf, CorpusError)>,
}

/// Finds and scans every corpus under `paths` (see the module doc). Several roots of
/// one corpus (RAVDESS' speech and song archives, a second copy of TESS) are merged,
/// later copies of an utterance id excluded as duplicates; a root reached twice is
/// scanned once. Files whose header fails `gates` (sample rate, declared length) are
/// problems with the gate's reason. Nothing stops the scan: missing paths,
/// passed-over files and corpora that fail are listed in the outcome for the caller
/// to report.
pub fn scan_paths(paths: &[PathBuf], gates: &QualityGates) -> ScanOutcome {
    let mut outcome = ScanOutcome::default();
    let mut roots: Vec<(PathBuf, Box<dyn CorpusAdapter>)> = Vec::new();
    for path in paths {
        if path.is_dir() {
            match find_corpora(path) {
                Ok(found) => roots.extend(found),
                Err(err) => outcome.failed.push((path.clone(), err)),
            }
        } else if is_corpus_description(path) {
            let root = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            roots.push((root.to_path_buf(), Box::new(GenericManifest)));
        } else if path.exists() {
            outcome.ignored.push((
                path.clone(),
                format!("not a folder nor a corpus description ({MANIFEST_CSV}, {MANIFEST_JSONL})"),
            ));
        } else {
            outcome.missing.push(path.clone());
        }
    }
    let mut scanned = BTreeSet::new();
    let mut scans: BTreeMap<String, CorpusScan> = BTreeMap::new();
    for (root, adapter) in roots {
        if !scanned.insert(real_path(&root)) {
            continue;
        }
        tracing::info!(corpus = adapter.name(), root = %root.display(), "scanning");
        let scan = match adapter.scan(&root) {
            Ok(scan) => scan.gated(gates),
            Err(err) => {
                outcome.failed.push((root, err));
                continue;
            }
        };
        let scan = match scans.remove(&scan.corpus) {
            Some(first) => first.merge(scan),
            None => scan,
        };
        scans.insert(scan.corpus.clone(), scan);
    }
    outcome.scans = scans.into_values().collect();
    outcome
}

fn is_corpus_description(path: &Path) -> bool {
    path.is_file() && [MANIFEST_CSV, MANIFEST_JSONL].contains(&fs::file_name(path).as_str())
}

/// [`scan_paths`] for callers that need every path to count: a missing path or a
/// corpus that fails to scan is an error; passed-over files are logged as warnings.
pub fn scan_dirs(dirs: &[PathBuf], gates: &QualityGates) -> Result<Vec<CorpusScan>> {
    let outcome = scan_paths(dirs, gates);
    for (path, reason) in &outcome.ignored {
        tracing::warn!(path = %path.display(), "{reason}; passed over");
    }
    if let Some(path) = outcome.missing.into_iter().next() {
        return Err(CorpusError::NotADirectory { path });
    }
    if let Some((_, err)) = outcome.failed.into_iter().next() {
        return Err(err);
    }
    Ok(outcome.scans)
}
