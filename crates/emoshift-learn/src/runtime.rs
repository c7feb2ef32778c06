//! Process-wide libtorch settings: the compute device, the thread count and
//! the seed of libtorch's generator.

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
/// weights come from this generator.
pub fn configure(seed: u64, threads: Option<usize>) -> Result<(), LearnError> {
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
