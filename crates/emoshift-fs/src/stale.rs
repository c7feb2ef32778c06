//! [`remove_stale_temps`]: clear what killed writes left behind.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::TEMP_PREFIX;

/// How old a temporary file must be before it counts as stale: a younger
/// one may belong to a run that is still going on.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// Removes the regular files under `dir` (recursively) whose name starts with
/// [`TEMP_PREFIX`] and that were last modified more than `older_than` ago;
/// returns how many it removed. `dir` itself may be a symbolic link, links
/// below it are never followed; entries that cannot be read or removed are
/// skipped.
pub fn remove_stale_temps(dir: &Path, older_than: Duration) -> usize {
    let now = SystemTime::now();
    let mut removed = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            // `DirEntry::file_type` does not follow symbolic links.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file()
                && entry
                    .file_name()
                    .as_encoded_bytes()
                    .starts_with(TEMP_PREFIX.as_bytes())
                && is_older(&entry, now, older_than)
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Whether `entry` was last modified more than `age` before `now`.
fn is_older(entry: &std::fs::DirEntry, now: SystemTime, age: Duration) -> bool {
    entry
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|modified| now.duration_since(modified).is_ok_and(|d| d > age))
}
