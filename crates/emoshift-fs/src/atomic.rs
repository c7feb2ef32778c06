//! [`write_atomic`]: replace a file's content in one step.

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::{umask, FsError, TEMP_PREFIX};

/// Writes `bytes` to `path`, creating its folder if needed: to a temporary
/// `.tmp-*` file in the same folder first, synced to disk and given mode
/// `0o666 & !umask`, then renamed over `path`. Readers see the old content or
/// the new, never a part; a failed write leaves no temporary file, a killed
/// one may (see [`remove_stale_temps`](crate::remove_stale_temps)).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(FsError::at(dir, "cannot create folder"))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(FsError::at(dir, "cannot create temporary file"))?;
    tmp.write_all(bytes)
        .and_then(|()| {
            let mode = 0o666 & !umask();
            tmp.as_file().set_permissions(Permissions::from_mode(mode))
        })
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(FsError::at(path, "cannot write"))?;
    tmp.persist(path)
        .map_err(|e| FsError::at(path, "cannot rename into place")(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_creates_missing_folders() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b/out.bin");
        write_atomic(&path, b"hello").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    }

    #[test]
    fn write_atomic_replaces_content_and_leaves_no_temporary_file() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("out.bin");
        std::fs::write(&path, b"a much longer old content").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names_in(root.path()), ["out.bin"]);
    }

    #[test]
    fn write_atomic_renames_over_rather_than_writing_into_the_old_file() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("out.bin");
        std::fs::write(&path, b"old").unwrap();
        // A reader holding the old file keeps reading the old content.
        let held = std::fs::File::open(&path).unwrap();
        write_atomic(&path, b"new").unwrap();
        let mut old = String::new();
        std::io::Read::read_to_string(&mut &held, &mut old).unwrap();
        assert_eq!(old, "old");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_file_where_the_folder_should_be_fails_naming_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let blocker = root.path().join("blocker");
        std::fs::write(&blocker, b"").unwrap();
        let err = write_atomic(&blocker.join("out.bin"), b"x").unwrap_err();
        assert_eq!(err.path, blocker);
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{}: cannot create folder: ", blocker.display())),
            "{text}"
        );
    }

    #[test]
    fn a_folder_where_the_file_should_be_fails_to_rename_and_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("out");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"").unwrap();
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}: cannot rename into place: ", path.display())),
            "{err}"
        );
        assert_eq!(names_in(root.path()), ["out"]);
    }
}
