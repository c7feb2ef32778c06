//! Stale temporary files: old ones go, young ones and other files stay,
//! symbolic links are not followed.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use emoshift_fs::{remove_stale_temps, write_atomic, STALE_AFTER, TEMP_PREFIX};

/// Creates `path` (and its folder) last modified `age` ago.
fn file_aged(path: &Path, age: Duration) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = File::create(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn old_temporary_files_are_removed_and_young_ones_kept() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let old_top = r.join(format!("{TEMP_PREFIX}old"));
    let old_deep = r.join(format!("spec/ab/{TEMP_PREFIX}old"));
    let young = r.join(format!("spec/ab/{TEMP_PREFIX}young"));
    let old_entry = r.join("spec/ab/entry.emsf");
    let old_dotfile = r.join("spec/.tmpish");
    file_aged(&old_top, 3 * HOUR);
    file_aged(&old_deep, 2 * HOUR);
    file_aged(&young, Duration::from_secs(60));
    file_aged(&old_entry, 3 * HOUR);
    file_aged(&old_dotfile, 3 * HOUR);

    assert_eq!(remove_stale_temps(r, STALE_AFTER), 2);
    assert!(!old_top.exists() && !old_deep.exists());
    assert!(young.exists() && old_entry.exists() && old_dotfile.exists());
    assert_eq!(remove_stale_temps(r, STALE_AFTER), 0);
    assert_eq!(remove_stale_temps(r, Duration::ZERO), 1);
    assert!(!young.exists());
}

#[test]
fn a_temporary_file_from_a_write_in_progress_is_not_stale() {
    let root = tempfile::tempdir().unwrap();
    write_atomic(&root.path().join("done"), b"x").unwrap();
    let in_progress = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(root.path())
        .unwrap();
    assert_eq!(remove_stale_temps(root.path(), STALE_AFTER), 0);
    assert!(in_progress.path().exists());
}

#[test]
fn symbolic_links_below_the_folder_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join(format!("{TEMP_PREFIX}not-ours"));
    file_aged(&victim, 3 * HOUR);
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("linked-folder")).unwrap();
    let link_to_file = root.path().join(format!("{TEMP_PREFIX}link"));
    std::os::unix::fs::symlink(&victim, &link_to_file).unwrap();

    assert_eq!(remove_stale_temps(root.path(), STALE_AFTER), 0);
    assert!(victim.exists());
    assert!(link_to_file.symlink_metadata().is_ok());
}

#[test]
fn a_symbolic_link_given_as_the_folder_is_cleaned() {
    let real = tempfile::tempdir().unwrap();
    let stale = real.path().join(format!("{TEMP_PREFIX}old"));
    file_aged(&stale, 3 * HOUR);
    let holder = tempfile::tempdir().unwrap();
    let link = holder.path().join("cache");
    std::os::unix::fs::symlink(real.path(), &link).unwrap();

    assert_eq!(remove_stale_temps(&link, STALE_AFTER), 1);
    assert!(!stale.exists());
}

#[test]
fn a_missing_folder_has_nothing_to_remove() {
    let root = tempfile::tempdir().unwrap();
    assert_eq!(
        remove_stale_temps(&root.path().join("absent"), STALE_AFTER),
        0
    );
}
