//! The one file walker behind every listing of audio files: the corpus adapters,
//! `features extract DIR` and `predict DIR`. Nothing found under a folder stops a
//! walk, and nothing is left out silently: every entry not listed is counted by
//! [`Skip`] kind.
//!
//! Policy:
//! - **Folder symlinks below the root are never followed**, and counted. A link
//!   into the tree only repeats files the walk reaches anyway; one back up the tree
//!   (`loop -> .`) would never end; one out of the tree would read files that are
//!   not part of it. The root itself may be a link.
//! - **File symlinks are followed**: the file is listed under the link's path.
//!   Broken links are counted.
//! - **Debris is skipped**: AppleDouble `._*` files, `__MACOSX` folders,
//!   `.DS_Store`, `Thumbs.db`, and other hidden files and folders (`.git`, …).
//! - **Other file types** are counted by extension.
//! - **A folder that cannot be read** is counted and logged, and the walk goes on.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Extensions of the audio files the decoder reads (lower case, no dot).
pub const AUDIO_EXTENSIONS: [&str; 4] = ["wav", "flac", "mp3", "ogg"];

/// Why an entry found by [`walk`] is not listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    /// A macOS AppleDouble file (`._name`).
    AppleDouble,
    /// A `__MACOSX` folder of a zip made on macOS (counted once, not entered).
    MacosxFolder,
    /// A macOS `.DS_Store` file.
    DsStore,
    /// A Windows `Thumbs.db` file.
    ThumbsDb,
    /// Another hidden file or folder (name starting with `.`; folders not entered).
    Hidden,
    /// A symlink to a folder (not followed).
    FolderLink,
    /// A symlink whose target does not exist.
    BrokenLink,
    /// A folder whose entries cannot be read.
    UnreadableFolder,
    /// Not a file, folder or link (socket, pipe, device).
    Special,
    /// A file of a type not asked for, by lower-case extension (empty for none).
    Extension(String),
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::AppleDouble => f.write_str("AppleDouble files (._*)"),
            Skip::MacosxFolder => f.write_str("__MACOSX folders"),
            Skip::DsStore => f.write_str(".DS_Store files"),
            Skip::ThumbsDb => f.write_str("Thumbs.db files"),
            Skip::Hidden => f.write_str("hidden files and folders (.*)"),
            Skip::FolderLink => f.write_str("folder symlinks (not followed)"),
            Skip::BrokenLink => f.write_str("broken symlinks"),
            Skip::UnreadableFolder => f.write_str("unreadable folders"),
            Skip::Special => f.write_str("special files (sockets, pipes, devices)"),
            Skip::Extension(ext) if ext.is_empty() => f.write_str("files without extension"),
            Skip::Extension(ext) if AUDIO_EXTENSIONS.contains(&ext.as_str()) => {
                write!(f, "audio files not read here (.{ext})")
            }
            Skip::Extension(ext) => write!(f, "non-audio files (.{ext})"),
        }
    }
}

/// The debris kind of an entry called `name`, if it is debris (see the module doc).
pub fn debris(name: &str, is_dir: bool) -> Option<Skip> {
    if is_dir {
        return match name {
            "__MACOSX" => Some(Skip::MacosxFolder),
            _ if name.starts_with('.') => Some(Skip::Hidden),
            _ => None,
        };
    }
    if name.starts_with("._") {
        Some(Skip::AppleDouble)
    } else if name == ".DS_Store" {
        Some(Skip::DsStore)
    } else if name.eq_ignore_ascii_case("Thumbs.db") {
        Some(Skip::ThumbsDb)
    } else if name.starts_with('.') {
        Some(Skip::Hidden)
    } else {
        None
    }
}

/// What [`walk`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walk {
    /// The files listed, in path order (names sorted within each folder).
    pub files: Vec<PathBuf>,
    /// Entries not listed, counted by kind.
    pub skipped: BTreeMap<Skip, usize>,
    /// Folders that could not be read, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl Walk {
    /// The skip counts keyed by their description, as scans report them.
    pub fn skip_counts(&self) -> BTreeMap<String, usize> {
        self.skipped
            .iter()
            .map(|(kind, n)| (kind.to_string(), *n))
            .collect()
    }

    /// The skip counts on one line (`AppleDouble files (._*) 2 · broken symlinks 1`),
    /// empty when nothing was skipped.
    pub fn skip_summary(&self) -> String {
        self.skipped
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn skip(&mut self, kind: Skip) {
        *self.skipped.entry(kind).or_insert(0) += 1;
    }
}

/// Lists the files under `root` whose extension (compared without case) is one of
/// `extensions`, following the policy of the module doc. `root` may also be a file,
/// which is then listed or skipped like any other.
pub fn walk(root: &Path, extensions: &[&str]) -> Walk {
    let mut out = Walk::default();
    let mut entries = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let reason = err
                    .io_error()
                    .map_or_else(|| err.to_string(), |io| io.to_string());
                tracing::warn!(folder = %path.display(), %reason, "cannot read folder; skipped");
                out.skip(Skip::UnreadableFolder);
                out.unreadable.push((path, reason));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        let file_type = entry.file_type();
        if entry.depth() > 0 {
            if let Some(kind) = debris(&name, file_type.is_dir()) {
                if file_type.is_dir() {
                    entries.skip_current_dir();
                }
                out.skip(kind);
                continue;
            }
        }
        // The root is entered even when it is a link.
        if file_type.is_dir() || (entry.depth() == 0 && entry.path().is_dir()) {
            continue;
        }
        if file_type.is_symlink() {
            match std::fs::metadata(entry.path()) {
                Ok(target) if target.is_dir() => {
                    out.skip(Skip::FolderLink);
                    continue;
                }
                Ok(target) if !target.is_file() => {
                    out.skip(Skip::Special);
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    out.skip(Skip::BrokenLink);
                    continue;
                }
            }
        } else if !file_type.is_file() {
            out.skip(Skip::Special);
            continue;
        }
        let ext = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if extensions.iter().any(|e| e.eq_ignore_ascii_case(&ext)) {
            out.files.push(entry.into_path());
        } else {
            out.skip(Skip::Extension(ext));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debris_names_are_recognised_by_kind() {
        assert_eq!(debris("._a.wav", false), Some(Skip::AppleDouble));
        assert_eq!(debris(".DS_Store", false), Some(Skip::DsStore));
        assert_eq!(debris("thumbs.db", false), Some(Skip::ThumbsDb));
        assert_eq!(debris(".hidden.wav", false), Some(Skip::Hidden));
        assert_eq!(debris("__MACOSX", true), Some(Skip::MacosxFolder));
        assert_eq!(debris(".git", true), Some(Skip::Hidden));
        assert_eq!(debris("a.wav", false), None);
        assert_eq!(debris("Actor_01", true), None);
    }

    #[test]
    fn file_links_are_listed_folder_and_broken_links_counted() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(tree.join("a")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("x.wav"), b"RIFF").unwrap();
        std::fs::write(tree.join("a/b.WAV"), b"RIFF").unwrap();
        std::os::unix::fs::symlink(elsewhere.join("x.wav"), tree.join("a/link.wav")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, tree.join("out")).unwrap();
        std::os::unix::fs::symlink(tree.join("gone.wav"), tree.join("broken.wav")).unwrap();
        std::os::unix::fs::symlink(&tree, dir.path().join("root-link")).unwrap();

        let found = walk(&dir.path().join("root-link"), &["wav"]);
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.WAV", "link.wav"]);
        assert_eq!(
            found.skipped,
            BTreeMap::from([(Skip::FolderLink, 1), (Skip::BrokenLink, 1)])
        );
        assert_eq!(walk(&tree.join("a/b.WAV"), &["wav"]).files.len(), 1);
    }

    #[test]
    fn extension_skips_name_audio_and_other_types() {
        assert_eq!(
            Skip::Extension("txt".into()).to_string(),
            "non-audio files (.txt)"
        );
        assert_eq!(
            Skip::Extension("flac".into()).to_string(),
            "audio files not read here (.flac)"
        );
        assert_eq!(
            Skip::Extension(String::new()).to_string(),
            "files without extension"
        );
    }
}
