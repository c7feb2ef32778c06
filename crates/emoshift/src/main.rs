//! The `emoshift` command-line tool.
fn main() {
    println!("emoshift {}", env!("CARGO_PKG_VERSION"));
}
