//! Process-wide libtorch settings: the compute device, the thread count,
//! the seed of libtorch's generator and how freed memory is kept.

use tch::Device;

use crate::error::LearnError;

/// The device called `name`: `cpu`, `cuda` (the first GPU) or `cuda:N`.
/// Asking for CUDA where libtorch sees no GPU is an error saying so.
pub fn select_device(name: &str) -> Result<Device, LearnError> {
    let error = |allowed: String| LearnError::Config {
        key: "device".into(),
        value: name.into(),
        allowed,
    };
    let index = match name.trim().to_ascii_lowercase().as_str() {
        "cpu" => return Ok(Device::Cpu),
        "cuda" => 0,
        other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(i)) => i,
            _ => return Err(error("`cpu`, `cuda` or `cuda:N`".into())),
        },
    };
    let available = tch::Cuda::device_count().max(0) as usize;
    if !tch::Cuda::is_available() || available == 0 {
        return Err(error(
            "`cpu`: libtorch finds no CUDA GPU here (no driver, no device, or a CPU-only torch)"
                .into(),
        ));
    }
    if index >= available {
        return Err(error(format!("a GPU index below {available}")));
    }
    Ok(Device::Cuda(index))
}

/// Seeds libtorch's generator (CPU and CUDA) and, if given, sets its
/// intra-op thread count. Call before building a model: the initial
/// weights come from this generator. Also keeps freed memory in the process
/// (see [`keep_freed_memory`]).
pub fn configure(seed: u64, threads: Option<usize>) -> Result<(), LearnError> {
    keep_freed_memory();
    if let Some(n) = threads {
        if n == 0 {
            return Err(LearnError::Config {
                key: "threads".into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
        tch::set_num_threads(i32::try_from(n).unwrap_or(i32::MAX));
    }
    tch::manual_seed(seed as i64);
    Ok(())
}

/// Largest allocation glibc serves from its heap instead of a fresh `mmap`
/// (its own ceiling on 64-bit systems).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;

/// Free memory glibc may keep at the top of its heap instead of returning it
/// to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 1 << 30;

/// Makes glibc's allocator keep the memory that tensors free between
/// training steps. libtorch allocates every activation and gradient of a CPU
/// step afresh; with glibc's defaults the large blocks are `mmap`ed and
/// returned on free, so each step pays page faults that zero the same
/// megabytes again (about 14 % of a step's time in our profile of
/// ResNet-18). PyTorch's CPU tuning guide recommends a caching allocator
/// (jemalloc, tcmalloc) for the same reason; glibc's two thresholds achieve
/// it without another library. Applied once per process; a no-op elsewhere.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters; both values are
            // within glibc's accepted ranges, and a refusal (return 0) leaves the
            // defaults in place, which is harmless.
            let applied = unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
            };
            if !applied {
                tracing::debug!("glibc refused the allocator thresholds; keeping its defaults");
            }
        });
    }
}
