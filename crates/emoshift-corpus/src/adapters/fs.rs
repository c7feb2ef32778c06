//! Small file-system helpers shared by the adapters: sorted listings, WAV and hidden
//! file tests, accent-insensitive folder names.

use std::path::{Component, Path, PathBuf};
use unicode_normalization::UnicodeNormalization;
use walkdir::WalkDir;

use crate::error::{CorpusError, Result};
use crate::scan::ScanCollector;

/// Entries of `dir`, sorted by name; errors name the folder.
pub fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CorpusError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

/// Sub-folders of `dir`, sorted; empty when `dir` cannot be read.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
}

/// Plain files of `dir` (not recursive), sorted; empty when `dir` cannot be read.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_file())
        .collect()
}

/// All plain files under `dir`, recursively, sorted by path; following links.
pub fn walk_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            CorpusError::io(
                e.path().unwrap_or(dir),
                e.io_error()
                    .map_or_else(|| e.to_string(), |io| io.to_string()),
            )
        })?;
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// The file name as text (lossy for names that are not UTF-8).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file stem as text.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// True for `*.wav` in any case.
pub fn is_wav(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("wav"))
}

/// True for hidden files and macOS archive debris (`.DS_Store`, `._name.wav`).
pub fn is_hidden(path: &Path) -> bool {
    file_name(path).starts_with('.')
}

/// Folder or file name folded for comparison: Unicode NFC, lower case, and a second
/// form with accents removed, so `Colère`, `Cole\u{300}re` (NFD, as macOS zips write
/// it) and `Colere` all compare equal.
pub fn fold_name(name: &str) -> String {
    name.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// The accent-folded name of the first folder of `path` below `root` (empty when
/// `path` lies directly in `root`).
pub fn top_folder(root: &Path, path: &Path) -> String {
    let Ok(rel) = path.strip_prefix(root) else {
        return String::new();
    };
    let mut comps = rel.components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(dir)), Some(_)) => fold_name(&dir.to_string_lossy()),
        _ => String::new(),
    }
}

/// Sorts a file into the collector's skip counts when it is not a WAV file: hidden
/// files and non-audio files are counted, never dropped silently. Returns true when
/// the file was skipped.
pub fn skip_non_wav(path: &Path, scan: &mut ScanCollector) -> bool {
    if is_hidden(path) {
        scan.skip("hidden files (.DS_Store, ._*)");
        return true;
    }
    if !is_wav(path) {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| "none".to_string());
        scan.skip(&format!("non-WAV files (.{ext})"));
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_name_ignores_accents_and_normal_form() {
        assert_eq!(fold_name("Colère"), "colere");
        assert_eq!(fold_name("Cole\u{300}re"), "colere");
        assert_eq!(fold_name("DÉGOÛT"), "degout");
    }
}
