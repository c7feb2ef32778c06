//! File writing for emoshift: [`write_atomic`] puts a file in place in one
//! step, with the mode the user's umask asks for; [`remove_stale_temps`]
//! clears the temporary files an interrupted run left behind;
//! [`ensure_writable_dir`] checks an output folder before any work starts.
//!
//! Unix only (file modes and the umask).

mod atomic;
mod error;
mod stale;
mod umask;
mod writable;

pub use atomic::write_atomic;
pub use error::FsError;
pub use stale::{remove_stale_temps, STALE_AFTER};
pub use umask::umask;
pub use writable::ensure_writable_dir;

/// How the names of this crate's temporary files begin.
pub const TEMP_PREFIX: &str = ".tmp-";
