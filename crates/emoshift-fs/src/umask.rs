//! The process's umask, read once.

use std::sync::OnceLock;

/// The process's file-mode creation mask, as it was on the first call.
///
/// Read from the `Umask:` line of `/proc/self/status` (Linux 4.7 and later)
/// because the only portable way, `umask(2)`, reads it by setting it: between
/// setting a guess and restoring the old value, a file created by another
/// thread gets the guess. Where `/proc` cannot tell, that set-and-restore is
/// done once, and the `OnceLock` keeps the window to that single moment.
pub fn umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| parse_status(&status))
            .unwrap_or_else(set_and_restore)
    })
}

/// The umask in a `/proc/<pid>/status` text, if it has a valid `Umask:` line.
fn parse_status(status: &str) -> Option<u32> {
    let value = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(value.trim(), 8)
        .ok()
        .filter(|mask| *mask <= 0o777)
}

/// The umask read with `umask(2)`, which sets it and so must set it back.
fn set_and_restore() -> u32 {
    // SAFETY: umask(2) cannot fail and touches no memory.
    let old = unsafe { libc::umask(0o022) };
    // SAFETY: as above; this restores the value just read.
    unsafe { libc::umask(old) };
    // `mode_t` is u16 on some systems.
    old as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_status_reads_the_octal_umask_line() {
        let status = "Name:\tcargo\nUmask:\t0027\nState:\tR (running)\n";
        assert_eq!(parse_status(status), Some(0o027));
    }

    #[test]
    fn parse_status_rejects_a_missing_or_invalid_umask() {
        assert_eq!(parse_status("Name:\tcargo\nState:\tR\n"), None);
        assert_eq!(parse_status("Umask:\t0089\n"), None);
        assert_eq!(parse_status("Umask:\t7777\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_status_and_the_umask_call_agree() {
        // Sets the umask for a moment; no test in this binary checks modes.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert_eq!(parse_status(&status), Some(set_and_restore()));
        assert_eq!(umask(), set_and_restore());
    }
}
