//! Helpers shared by the command-line tests that run the `emoshift` binary.

use std::process::{Command, Output};

/// The `emoshift` binary under test.
pub fn emoshift() -> Command {
    Command::new(env!("CARGO_BIN_EXE_emoshift"))
}

/// `out`, after asserting that the command (`what`) succeeded; its output
/// is shown otherwise.
pub fn check(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
