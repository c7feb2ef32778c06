// Link-time settings for libtorch (see `shared/notes/libtorch.md` pitfalls):
// an rpath to torch's lib folder so the binaries start outside `cargo run`,
// and `--no-as-needed` so `libtorch_cuda` stays linked and CUDA is found.
fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-L{lib}");
        println!("cargo:rustc-link-arg=-ltorch");
    }
}
