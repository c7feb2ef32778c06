//! Weight initialisations, drawn from libtorch's generator (seed it with
//! `tch::manual_seed`) with the same formulas as `torch.nn.init`.

use tch::{Device, Kind, Tensor};

/// How a layer's weight and bias start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// PyTorch's default for `nn.Linear` and `nn.Conv2d`: weight
    /// Kaiming-uniform with `a = √5`, i.e. uniform in `±1/√fan_in`, and the
    /// bias uniform in the same bound.
    Default,
    /// torchvision's convolution init: weight Kaiming-normal with
    /// `mode = "fan_out"`, `nonlinearity = "relu"` (std `√2/√fan_out`), bias zero.
    KaimingNormalFanOut,
    /// Weight normal with mean 0 and the given standard deviation, bias zero
    /// (torchvision's VGG uses 0.01 for its fully connected layers).
    Normal(f64),
}

/// Fan-in and fan-out of a weight of shape `[out, in, k…]` as `torch.nn.init` computes them.
pub fn fans(shape: &[i64]) -> (i64, i64) {
    let receptive: i64 = shape.iter().skip(2).product();
    let fan_in = shape.get(1).copied().unwrap_or(1) * receptive;
    let fan_out = shape.first().copied().unwrap_or(1) * receptive;
    (fan_in, fan_out)
}

/// A float tensor of `shape` uniform in `[-bound, bound)`.
pub fn uniform(shape: &[i64], bound: f64, device: Device) -> Tensor {
    Tensor::empty(shape, (Kind::Float, device)).uniform_(-bound, bound)
}

/// A float tensor of `shape` normal with mean 0 and standard deviation `std`.
pub fn normal(shape: &[i64], std: f64, device: Device) -> Tensor {
    Tensor::empty(shape, (Kind::Float, device)).normal_(0.0, std)
}

impl Init {
    /// The initial weight of `shape` (`[out, in, k…]`).
    pub fn weight(self, shape: &[i64], device: Device) -> Tensor {
        let (fan_in, fan_out) = fans(shape);
        match self {
            Init::Default => uniform(shape, 1.0 / (fan_in.max(1) as f64).sqrt(), device),
            Init::KaimingNormalFanOut => {
                normal(shape, (2.0 / fan_out.max(1) as f64).sqrt(), device)
            }
            Init::Normal(std) => normal(shape, std, device),
        }
    }

    /// The initial bias of length `out` for a weight of `weight_shape`.
    pub fn bias(self, weight_shape: &[i64], device: Device) -> Tensor {
        let out = weight_shape[0];
        match self {
            Init::Default => {
                let (fan_in, _) = fans(weight_shape);
                uniform(&[out], 1.0 / (fan_in.max(1) as f64).sqrt(), device)
            }
            Init::KaimingNormalFanOut | Init::Normal(_) => {
                Tensor::zeros([out], (Kind::Float, device))
            }
        }
    }
}
