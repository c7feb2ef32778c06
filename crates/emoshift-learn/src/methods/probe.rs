//! The embeddings poster's recipe (Emmanouilidou and Gamper): a linear probe
//! or MLP over pre-trained embeddings, trained with cross-entropy on batches
//! augmented in embedding space.
//!
//! Inputs are frame embeddings `[N, T, D]` (or pooled vectors `[N, D]`,
//! one "frame" each); the network sees their average over frames, `[N, D]`.
//! Each training batch is augmented, in this order:
//! 1. **frame masking** — each frame is dropped with probability
//!    `frame_mask` (at least one frame is kept) before averaging;
//! 2. **same-label feature mixing** — with probability `mix_prob` a sample
//!    joins its kept frames with those of another sample of the same class in
//!    the batch (drawn at random), and averages the union;
//! 3. **Gaussian noise** — `noise_std` times the batch's per-dimension
//!    standard deviation, times standard normal noise, is added.
//!
//! The poster's other two ingredients are not this method's: class-balanced
//! draws (draw a class, then a file) are the batcher's, and "stop at AUROC
//! plateau" is the trainer's. With [`TrainConfig::metric`] set to
//! [`ValMetric::Auroc`], [`train`] scores every validation by the one-vs-rest
//! macro AUROC of [`Method::predict`]'s class probabilities on the
//! validation data, stops after [`TrainConfig::patience`] validations without
//! an AUROC gain above [`TrainConfig::min_delta`] (without `patience` it runs
//! every step), and restores the best-AUROC state. The probe itself never
//! stops training. The experiment engine selects on AUROC for the probe by
//! default. Random draws use tch's generator (`tch::manual_seed`).
//!
//! [`TrainConfig::metric`]: crate::train::TrainConfig::metric
//! [`TrainConfig::patience`]: crate::train::TrainConfig::patience
//! [`TrainConfig::min_delta`]: crate::train::TrainConfig::min_delta
//! [`ValMetric::Auroc`]: crate::train::ValMetric::Auroc
//! [`train`]: crate::train::train

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches, concat, Core};
use crate::error::LearnError;
use crate::losses::cross_entropy;
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`Probe`]; the poster gives no values, these are ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeConfig {
    /// Probability of dropping each frame.
    pub frame_mask: f64,
    /// Probability that a sample is mixed with a same-label sample.
    pub mix_prob: f64,
    /// Noise standard deviation relative to the batch's per-dimension one.
    pub noise_std: f64,
    /// Optimiser (default: Adam, lr 1e-3).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            frame_mask: 0.1,
            mix_prob: 0.5,
            noise_std: 0.1,
            optimizer: OptimConfig::adam(1e-3),
            clip_grad_norm: None,
        }
    }
}

/// Embedding probe with embedding-space augmentation.
pub struct Probe {
    core: Core,
    cfg: ProbeConfig,
    num_domains: usize,
}

/// Frame embeddings as `[N, T, D]` (a `[N, D]` input is one frame each).
fn as_frames(x: &Tensor) -> Result<Tensor, LearnError> {
    match x.dim() {
        2 => Ok(x.unsqueeze(1)),
        3 => Ok(x.shallow_clone()),
        d => Err(LearnError::Data(format!(
            "probe inputs must be [N, D] or [N, T, D] embeddings, found {d} dimensions"
        ))),
    }
}

/// Average over frames: `[N, T, D]` → `[N, D]`; `[N, D]` stays.
pub fn pool_frames(x: &Tensor) -> Tensor {
    if x.dim() == 3 {
        x.mean_dim(1i64, false, Kind::Float)
    } else {
        x.shallow_clone()
    }
}

/// Partner of each sample for same-label mixing: `Some(j)` with `y[j] = y[i]`,
/// `j ≠ i`, chosen with probability `mix_prob`, else `None`.
fn mixing_partners(y: &[i64], mix_prob: f64) -> Vec<Option<usize>> {
    let n = y.len() as i64;
    let pick: Vec<f32> =
        Vec::try_from(Tensor::rand([n], (Kind::Float, Device::Cpu))).expect("float draws");
    let choice: Vec<f32> =
        Vec::try_from(Tensor::rand([n], (Kind::Float, Device::Cpu))).expect("float draws");
    (0..y.len())
        .map(|i| {
            let same: Vec<usize> = (0..y.len()).filter(|&j| j != i && y[j] == y[i]).collect();
            if same.is_empty() || f64::from(pick[i]) >= mix_prob {
                return None;
            }
            let k = ((f64::from(choice[i]) * same.len() as f64) as usize).min(same.len() - 1);
            Some(same[k])
        })
        .collect()
}

impl Probe {
    /// A probe training `model` on `num_domains` domains.
    pub fn new(
        cfg: &ProbeConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        if !(0.0..1.0).contains(&cfg.frame_mask) {
            return Err(LearnError::Config {
                key: "frame_mask".into(),
                value: cfg.frame_mask.to_string(),
                allowed: "a probability in [0, 1)".into(),
            });
        }
        if !(0.0..=1.0).contains(&cfg.mix_prob) {
            return Err(LearnError::Config {
                key: "mix_prob".into(),
                value: cfg.mix_prob.to_string(),
                allowed: "a probability in [0, 1]".into(),
            });
        }
        if !(cfg.noise_std.is_finite() && cfg.noise_std >= 0.0) {
            return Err(LearnError::Config {
                key: "noise_std".into(),
                value: cfg.noise_std.to_string(),
                allowed: "a finite number >= 0".into(),
            });
        }
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            num_domains,
        })
    }

    /// The augmented, frame-averaged training inputs `[N, D]` for `x`
    /// (`[N, T, D]` or `[N, D]`) with labels `y`.
    pub fn augment(&self, x: &Tensor, y: &Tensor) -> Result<Tensor, LearnError> {
        Ok(self.augment_with_stats(x, y)?.inputs)
    }

    /// [`Probe::augment`] with how much each augmentation did.
    pub fn augment_with_stats(&self, x: &Tensor, y: &Tensor) -> Result<Augmented, LearnError> {
        let frames = as_frames(x)?;
        tch::no_grad(|| {
            let (n, t) = (frames.size()[0], frames.size()[1]);
            let device = frames.device();
            // 1. frame masking, keeping at least one frame per sample
            let mut keep = Tensor::ones([n, t], (Kind::Float, Device::Cpu));
            if t > 1 && self.cfg.frame_mask > 0.0 {
                keep = Tensor::rand([n, t], (Kind::Float, Device::Cpu))
                    .ge(self.cfg.frame_mask)
                    .to_kind(Kind::Float);
                let fallback = Tensor::randint(t, [n], (Kind::Int64, Device::Cpu))
                    .one_hot(t)
                    .to_kind(Kind::Float);
                let none_kept = keep.sum_dim_intlist(1i64, true, Kind::Float).eq(0.0);
                keep = fallback.where_self(&none_kept, &keep);
            }
            let frames_masked = 1.0 - keep.mean(Kind::Float).double_value(&[]);
            let keep = keep.to_device(device);
            let sums = (&frames * keep.unsqueeze(-1)).sum_dim_intlist(1i64, false, Kind::Float);
            let counts = keep.sum_dim_intlist(1i64, true, Kind::Float);
            // 2. same-label mixing: average over the union of both samples' frames
            let labels: Vec<i64> = Vec::try_from(y.to_device(Device::Cpu)).expect("int64 labels");
            let partners = mixing_partners(&labels, self.cfg.mix_prob);
            let partner_idx: Vec<i64> = partners
                .iter()
                .enumerate()
                .map(|(i, p)| p.unwrap_or(i) as i64)
                .collect();
            let mixed: Vec<f32> = partners
                .iter()
                .map(|p| if p.is_some() { 1.0 } else { 0.0 })
                .collect();
            let partner_idx = Tensor::from_slice(&partner_idx).to_device(device);
            let mixed = Tensor::from_slice(&mixed).to_device(device).unsqueeze(1);
            let mixed_share = mixed.mean(Kind::Float).double_value(&[]);
            let pooled = (&sums + sums.index_select(0, &partner_idx) * &mixed)
                / (&counts + counts.index_select(0, &partner_idx) * &mixed);
            // 3. Gaussian noise scaled by the batch's spread
            let (inputs, noise_rms) = if self.cfg.noise_std > 0.0 {
                let spread = pooled.std_dim(0i64, false, true);
                let noise = Tensor::randn(pooled.size(), (Kind::Float, Device::Cpu))
                    .to_device(device)
                    * spread
                    * self.cfg.noise_std;
                let rms = noise.square().mean(Kind::Float).sqrt().double_value(&[]);
                (&pooled + noise, rms)
            } else {
                (pooled, 0.0)
            };
            Ok(Augmented {
                inputs,
                frames_masked,
                mixed_share,
                noise_rms,
            })
        })
    }
}

/// A training batch after the probe's augmentations, with what they did.
#[derive(Debug)]
pub struct Augmented {
    /// The frame-averaged, augmented inputs `[N, D]`.
    pub inputs: Tensor,
    /// Share of frames dropped by frame masking.
    pub frames_masked: f64,
    /// Share of samples mixed with a same-label partner.
    pub mixed_share: f64,
    /// Root mean square of the added noise.
    pub noise_rms: f64,
}

impl Method for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let all: Vec<&DomainBatch> = batches.iter().collect();
        let (x, y) = concat(&all);
        let augmented = self.augment_with_stats(&x, &y)?;
        let logits = self
            .core
            .model
            .forward(self.core.theta(), &augmented.inputs, true);
        let loss = cross_entropy(&logits, &y);
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [
                ("ce".to_string(), total),
                ("frames_masked".to_string(), augmented.frames_masked),
                ("mixed_share".to_string(), augmented.mixed_share),
                ("noise_rms".to_string(), augmented.noise_rms),
            ]
            .into(),
        })
    }

    fn predict(&self, x: &Tensor) -> Tensor {
        self.core.predict(&pool_frames(x))
    }

    fn embed(&self, x: &Tensor) -> Tensor {
        self.core.embed(&pool_frames(x))
    }

    fn model(&self) -> &dyn Model {
        self.core.model.as_ref()
    }

    fn learning_rate(&self) -> f64 {
        self.core.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.core.set_learning_rate(lr);
    }

    core_state!();
}
