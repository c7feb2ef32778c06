//! Parameter-free operations with PyTorch's semantics.

use tch::Tensor;

/// Max pooling with a square `kernel`, `stride` and zero `padding` (`nn.MaxPool2d`).
pub fn max_pool2d(
    x: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Tensor {
    x.max_pool2d(
        kernel.map(|k| k as i64),
        stride.map(|s| s as i64),
        padding.map(|p| p as i64),
        [1, 1],
        false,
    )
}

/// Average pooling (`nn.AvgPool2d`, padding counted in the average as PyTorch does by default).
pub fn avg_pool2d(
    x: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Tensor {
    x.avg_pool2d(
        kernel.map(|k| k as i64),
        stride.map(|s| s as i64),
        padding.map(|p| p as i64),
        false,
        true,
        None,
    )
}

/// Adaptive average pooling of `[N, C, H, W]` to `[N, C, out_h, out_w]` (`nn.AdaptiveAvgPool2d`).
pub fn adaptive_avg_pool2d(x: &Tensor, out: [usize; 2]) -> Tensor {
    x.adaptive_avg_pool2d(out.map(|o| o as i64))
}

/// Dropout with probability `p` in training mode, identity otherwise.
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Tensor {
    if p > 0.0 && train {
        x.dropout(p, true)
    } else {
        x.shallow_clone()
    }
}
