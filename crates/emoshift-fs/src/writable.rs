//! [`ensure_writable_dir`]: a folder that is there and takes files.

use std::path::Path;

use crate::{FsError, TEMP_PREFIX};

/// Creates `dir` if needed and proves it takes files by creating and removing
/// a temporary file in it, so a run fails before its work rather than after.
pub fn ensure_writable_dir(dir: &Path) -> Result<(), FsError> {
    std::fs::create_dir_all(dir).map_err(FsError::at(dir, "cannot create folder"))?;
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .and_then(|probe| probe.close())
        .map_err(FsError::at(dir, "folder is not writable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_writable_dir_creates_the_folder_and_leaves_it_empty() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        ensure_writable_dir(&dir).unwrap();
        assert!(dir.is_dir());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[test]
    fn a_regular_file_is_not_a_folder_and_the_error_names_it() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, b"").unwrap();
        for dir in [file.clone(), file.join("below")] {
            let err = ensure_writable_dir(&dir).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("{}: cannot create folder: ", dir.display())),
                "{err}"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_refuses_files_is_not_writable() {
        // procfs takes no new files, not even from root.
        let err = ensure_writable_dir(Path::new("/proc")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/proc: folder is not writable: "),
            "{err}"
        );
    }
}
