//! The loss terms of the methods, each written as its paper states it.

use tch::{Kind, Tensor};

/// Mean cross-entropy of `logits` `[N, C]` against class indices `y` `[N]`.
pub fn cross_entropy(logits: &Tensor, y: &Tensor) -> Tensor {
    logits.log_softmax(-1, Kind::Float).nll_loss(y)
}

/// The energy score of DA-MLDG's eq. 3:
/// `E = | (1/N) Σ_i log Σ_c exp(z_ic / T) |`, the absolute value of the
/// mean log-sum-exp of the temperature-scaled logits `[N, C]`.
///
/// Eq. 3 has no factor `T` in front of the log-sum-exp (the energy of Liu et
/// al. is `−T·logsumexp(z/T)`); with the paper's `T = 1` the two agree up to
/// the sign, which the absolute value removes.
pub fn energy_score(logits: &Tensor, temperature: f64) -> Tensor {
    (logits / temperature)
        .logsumexp([-1], false)
        .mean(Kind::Float)
        .abs()
}

/// Center loss as in eq. 4 of the DANN/center-loss paper:
/// `(1/M) Σ_i ||x_i − c_{y_i}||²` over the `M` samples of the batch.
/// `centers` is `[C, D]`, `features` `[M, D]`; the centers are constants
/// here (they move by [`update_centers`], not by gradient).
pub fn center_loss(features: &Tensor, y: &Tensor, centers: &Tensor) -> Tensor {
    let own = centers.detach().index_select(0, y);
    (features - own)
        .pow_tensor_scalar(2)
        .sum_dim_intlist(1i64, false, Kind::Float)
        .mean(Kind::Float)
}

/// The center update of Wen et al. (eq. 5 of the DANN paper):
/// `Δc_j = Σ_{i: y_i = j} (c_j − x_i) / (1 + m_j)` and `c_j ← c_j − α·Δc_j`,
/// with `m_j` the number of samples of class `j` in the batch. A class absent
/// from the batch keeps its center. Updates `centers` in place.
pub fn update_centers(centers: &Tensor, features: &Tensor, y: &Tensor, alpha: f64) {
    tch::no_grad(|| {
        let features = features.detach();
        let num_classes = centers.size()[0];
        let one_hot = y.one_hot(num_classes).to_kind(Kind::Float); // [M, C]
        let counts = one_hot.sum_dim_intlist(0i64, false, Kind::Float); // [C]
        let sums = one_hot.transpose(0, 1).matmul(&features); // [C, D]
        let delta = (centers * counts.unsqueeze(1) - sums) / (counts + 1.0).unsqueeze(1);
        let _ = centers
            .shallow_clone()
            .f_sub_(&(delta * alpha))
            .expect("center update");
    });
}

/// Which estimate of the squared MMD to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MmdEstimate {
    /// The V-statistic of the MMD paper's eq. 2: every pair, the diagonal
    /// `k(x_i, x_i)` included (`1/N²`, `2/NM`, `1/M²`). Always ≥ 0.
    Biased,
    /// The U-statistic of Gretton et al.: within-sample sums skip `i = j`
    /// and divide by `N(N−1)` and `M(M−1)`. Falls back to the biased
    /// estimate when either side has a single sample.
    Unbiased,
}

/// Settings of the multi-kernel Gaussian MMD.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MmdKernels {
    /// Number of Gaussian kernels.
    #[serde(default = "default_kernel_num")]
    pub num: usize,
    /// Ratio between neighbouring bandwidths.
    #[serde(default = "default_kernel_mul")]
    pub mul: f64,
    /// Estimate of the squared MMD.
    #[serde(default = "default_estimate")]
    pub estimate: MmdEstimate,
}

fn default_kernel_num() -> usize {
    5
}
fn default_kernel_mul() -> f64 {
    2.0
}
fn default_estimate() -> MmdEstimate {
    MmdEstimate::Biased
}

impl Default for MmdKernels {
    fn default() -> Self {
        Self {
            num: default_kernel_num(),
            mul: default_kernel_mul(),
            estimate: default_estimate(),
        }
    }
}

/// Squared maximum mean discrepancy between `source` `[N, D]` and `target`
/// `[M, D]` with a multi-kernel Gaussian kernel (Long et al.'s DAN, as the
/// MMD paper's eq. 2 uses it):
///
/// `k(a, b) = (1/K) Σ_u exp(−||a − b||² / h_u)`, with bandwidths
/// `h_u = h · mul^(u − ⌊K/2⌋)`, `u = 0..K`, around the median heuristic
/// `h` = median of the squared distances between distinct points of the
/// pooled sample (detached: bandwidths are not trained). The equal weights
/// `1/K` make the kernel a convex combination, as in DAN.
pub fn mmd(source: &Tensor, target: &Tensor, kernels: &MmdKernels) -> Tensor {
    let n = source.size()[0];
    let m = target.size()[0];
    let pooled = Tensor::cat(&[source, target], 0);
    let dist = (pooled.unsqueeze(1) - pooled.unsqueeze(0))
        .pow_tensor_scalar(2)
        .sum_dim_intlist(2i64, false, Kind::Float);
    let bandwidth = median_off_diagonal(&dist.detach());
    let half = (kernels.num / 2) as i32;
    let mut kernel = dist.zeros_like();
    for u in 0..kernels.num {
        let h = &bandwidth * kernels.mul.powi(u as i32 - half);
        kernel += (-&dist / h).exp();
    }
    let kernel = kernel / kernels.num as f64;
    let k_ss = kernel.narrow(0, 0, n).narrow(1, 0, n);
    let k_tt = kernel.narrow(0, n, m).narrow(1, n, m);
    let k_st = kernel.narrow(0, 0, n).narrow(1, n, m);
    let unbiased = kernels.estimate == MmdEstimate::Unbiased && n > 1 && m > 1;
    let (ss, tt) = if unbiased {
        (
            (k_ss.sum(Kind::Float) - k_ss.trace()) / (n * (n - 1)) as f64,
            (k_tt.sum(Kind::Float) - k_tt.trace()) / (m * (m - 1)) as f64,
        )
    } else {
        (k_ss.mean(Kind::Float), k_tt.mean(Kind::Float))
    };
    ss + tt - k_st.mean(Kind::Float) * 2.0
}

/// Median of the off-diagonal entries of a square distance matrix (the
/// lower middle value for an even count, like `torch.median`), clamped
/// away from zero so identical points do not divide by zero.
fn median_off_diagonal(dist: &Tensor) -> Tensor {
    let size = dist.size()[0];
    if size < 2 {
        return Tensor::ones([], (Kind::Float, dist.device()));
    }
    let off = Tensor::ones([size, size], (Kind::Bool, dist.device()))
        .logical_xor(&Tensor::eye(size, (Kind::Bool, dist.device())));
    dist.masked_select(&off).median().clamp_min(1e-12)
}

/// Deep CORAL penalty between two feature sets, in DomainBed's form:
/// `mean((μ_a − μ_b)²) + mean((Σ_a − Σ_b)²)` with `Σ = (X − μ)ᵀ(X − μ)/(n − 1)`.
/// A set of a single sample uses `n − 1 = 1` (its covariance is then zero)
/// instead of dividing by zero.
pub fn coral(a: &Tensor, b: &Tensor) -> Tensor {
    let mean_a = a.mean_dim(0i64, true, Kind::Float);
    let mean_b = b.mean_dim(0i64, true, Kind::Float);
    let cov = |x: &Tensor, mean: &Tensor| {
        let centered = x - mean;
        let denom = (x.size()[0] - 1).max(1) as f64;
        centered.transpose(0, 1).matmul(&centered) / denom
    };
    let mean_diff = (&mean_a - &mean_b).pow_tensor_scalar(2).mean(Kind::Float);
    let cov_diff = (cov(a, &mean_a) - cov(b, &mean_b))
        .pow_tensor_scalar(2)
        .mean(Kind::Float);
    mean_diff + cov_diff
}

/// Gradient-reversal layer (Ganin et al.): the value is `x`, the gradient
/// passed back is `−λ` times the incoming gradient.
///
/// tch has no custom autograd functions, so this uses the detach identity
/// `−λ·x + ((1 + λ)·x).detach()`: its value is `x` (up to rounding) and only
/// the first term carries a gradient.
pub fn grad_reverse(x: &Tensor, lambda: f64) -> Tensor {
    x * (-lambda) + (x * (1.0 + lambda)).detach()
}
