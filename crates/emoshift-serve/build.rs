//! libtorch's link-time settings, shared by every crate whose binaries link it.
include!("../../build-support/libtorch_link.rs");
