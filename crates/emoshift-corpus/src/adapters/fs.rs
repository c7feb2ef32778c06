//! Small file-system helpers shared by the adapters: sorted listings, the audio files
//! of a corpus by the one [`crate::walk`]er, WAV and hidden file tests,
//! accent-insensitive folder names.

use std::path::{Component, Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

use crate::error::{CorpusError, Result};
use crate::scan::ScanCollector;
use crate::walk::walk;

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

/// The `.wav` files under `dir`, in path order, found by [`walk`]; every entry
/// left out is counted in `scan`'s skip counts.
pub fn wav_files(dir: &Path, scan: &mut ScanCollector) -> Vec<PathBuf> {
    files_with(dir, &["wav"], scan)
}

/// The files under `dir` with one of `extensions`, in path order, found by
/// [`walk`]; every entry left out is counted in `scan`'s skip counts.
pub fn files_with(dir: &Path, extensions: &[&str], scan: &mut ScanCollector) -> Vec<PathBuf> {
    let found = walk(dir, extensions);
    for (kind, n) in found.skip_counts() {
        scan.skip_n(&kind, n);
    }
    found.files
}

/// The file name as text (lossy for names that are not UTF-8).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether `name` from a label file is a plain file name, so that joining
/// it to a corpus folder cannot leave the folder (no separator, no `..`,
/// not absolute).
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
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

/// The name, as written, of the first folder of `path` below `root` (`None` when
/// `path` lies directly in `root`).
pub fn top_folder_name(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut comps = rel.components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(dir)), Some(_)) => Some(dir.to_string_lossy().into_owned()),
        _ => None,
    }
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
