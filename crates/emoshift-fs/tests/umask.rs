//! The mode of written files follows the umask. A test binary of its own
//! with a single test: the umask is process-wide and read once.

use std::os::unix::fs::PermissionsExt;

use emoshift_fs::{umask, write_atomic};

#[test]
fn written_files_get_0o666_less_the_umask() {
    // SAFETY: umask(2) cannot fail; no other thread of this binary creates files.
    unsafe { libc::umask(0o027) };
    assert_eq!(umask(), 0o027);
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("sub/out.bin");
    write_atomic(&path, b"x").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // Replacing a file gives the new one the same mode, not tempfile's 0o600.
    write_atomic(&path, b"y").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}
