//! RSC, Representation Self-Challenging (Huang et al., ECCV 2020).
//!
//! For a minibatch with feature map `F` (`[N, C, H, W]`, or `[N, D]` for
//! vector models) and logits `z = classify(pool(F))`:
//! 1. `g = ∂(Σ_i z_i[y_i]) / ∂F`, the gradient of the true-class scores;
//! 2. a score per feature: channel-wise `s_ic = mean_hw g_ichw` (the entry
//!    itself for vector features), or spatially the Grad-CAM map of the
//!    authors' code, `s_ihw = Σ_c F_ichw · mean_hw g_ichw`;
//! 3. the `⌈feature_drop · K⌉` highest-scoring of the `K` channels
//!    (positions) of each sample are muted (set to zero);
//! 4. only samples whose true-class probability drops most from muting are
//!    challenged: the `⌈batch_drop · N⌉` samples with the largest
//!    `softmax(z)[y] − softmax(z_muted)[y]` keep their mask, the others are
//!    left whole;
//! 5. the loss is the cross-entropy of `classify(pool(F ⊙ mask))`, the mask a
//!    constant, so muted features receive no gradient.
//!
//! Steps 1–4 run without dropout (`train = false` for the classifier, as the
//! authors switch to `eval()`); muting counts use top-k, so ties and the
//! exact number muted are deterministic.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches, concat, Core};
use crate::error::LearnError;
use crate::losses::cross_entropy;
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Which dimensions of a convolutional feature map RSC mutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RscMode {
    /// Whole channels.
    Channel,
    /// Spatial positions across all channels.
    Spatial,
    /// Channel or spatial with equal odds each step (the authors' code).
    Random,
}

/// Hyperparameters of [`Rsc`] (DomainBed's defaults: a third muted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RscConfig {
    /// Fraction of the features (channels or positions) muted per sample.
    pub feature_drop: f64,
    /// Fraction of the batch that is challenged.
    pub batch_drop: f64,
    /// Channel, spatial or random muting (vector features are always
    /// muted per dimension).
    pub mode: RscMode,
    /// Optimiser (default: SGD, lr 0.05, momentum 0.9).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for RscConfig {
    fn default() -> Self {
        Self {
            feature_drop: 1.0 / 3.0,
            batch_drop: 1.0 / 3.0,
            mode: RscMode::Random,
            optimizer: OptimConfig::sgd_momentum(0.05, 0.9),
            clip_grad_norm: None,
        }
    }
}

/// Representation self-challenging.
pub struct Rsc {
    core: Core,
    cfg: RscConfig,
    num_domains: usize,
}

/// `⌈fraction · count⌉`, at most `count`.
fn top_count(fraction: f64, count: i64) -> i64 {
    ((fraction * count as f64).ceil() as i64).clamp(0, count)
}

/// A `[N, K]` mask with zeros at the `k` largest scores of each row.
fn mute_top(scores: &Tensor, k: i64) -> Tensor {
    let mask = scores.ones_like();
    if k == 0 {
        return mask;
    }
    let (_, idx) = scores.topk(k, 1, true, true);
    mask.scatter_value(1, &idx, 0.0)
}

impl Rsc {
    /// RSC training `model` on `num_domains` domains.
    pub fn new(
        cfg: &RscConfig,
        model: Box<dyn Model>,
        num_domains: usize,
    ) -> Result<Self, LearnError> {
        for (key, v) in [
            ("feature_drop", cfg.feature_drop),
            ("batch_drop", cfg.batch_drop),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(LearnError::Config {
                    key: key.into(),
                    value: v.to_string(),
                    allowed: "a fraction in [0, 1]".into(),
                });
            }
        }
        let heads = ParamStore::new(model.store().device());
        Ok(Self {
            core: Core::new(model, heads, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            num_domains,
        })
    }

    /// The mask RSC applies to the feature map `map` for labels `y`, with
    /// `spatial` choosing positions over channels for 4-D maps. Shape
    /// broadcastable to `map`: `[N, C, 1, 1]`, `[N, 1, H, W]` or `[N, D]`.
    pub fn mask(&self, map: &Tensor, y: &Tensor, spatial: bool) -> Tensor {
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let f = map.detach().set_requires_grad(true);
        let logits = model.classify(theta, &model.pool(&f), false);
        let true_score = logits.gather(1, &y.unsqueeze(1), false).sum(Kind::Float);
        let g = Tensor::run_backward(&[&true_score], &[&f], false, false).remove(0);
        tch::no_grad(|| {
            let f = f.detach();
            let n = f.size()[0];
            let mask = if f.dim() == 4 {
                let (c, h, w) = (f.size()[1], f.size()[2], f.size()[3]);
                let channel_grad = g.mean_dim(&[2i64, 3][..], true, Kind::Float); // [N, C, 1, 1]
                if spatial {
                    let cam = (&f * &channel_grad).sum_dim_intlist(1i64, false, Kind::Float); // [N, H, W]
                    mute_top(
                        &cam.reshape([n, h * w]),
                        top_count(self.cfg.feature_drop, h * w),
                    )
                    .reshape([n, 1, h, w])
                } else {
                    mute_top(
                        &channel_grad.reshape([n, c]),
                        top_count(self.cfg.feature_drop, c),
                    )
                    .reshape([n, c, 1, 1])
                }
            } else {
                let flat = g.reshape([n, -1]);
                let k = top_count(self.cfg.feature_drop, flat.size()[1]);
                mute_top(&flat, k).reshape(g.size())
            };
            // Challenge only the samples whose confidence drops most.
            let p_before = logits.detach().softmax(-1, Kind::Float);
            let muted = model.classify(theta, &model.pool(&(&f * &mask)), false);
            let p_after = muted.softmax(-1, Kind::Float);
            let yi = y.unsqueeze(1);
            let change =
                (p_before.gather(1, &yi, false) - p_after.gather(1, &yi, false)).squeeze_dim(1);
            let k = top_count(self.cfg.batch_drop, n);
            let mut challenged = Tensor::zeros([n], (Kind::Float, f.device()));
            if k > 0 {
                let (_, idx) = change.topk(k, 0, true, true);
                challenged = challenged.scatter_value(0, &idx, 1.0);
            }
            let mut shape = vec![n];
            shape.extend(std::iter::repeat_n(1, mask.dim() - 1));
            let challenged = challenged.reshape(shape.as_slice());
            // Challenged samples keep the mask, the others get all ones.
            &mask * &challenged + (1.0 - &challenged)
        })
    }

    /// One update choosing channel (`spatial = false`) or spatial muting.
    pub fn update_with_mode(
        &mut self,
        batches: &[DomainBatch],
        spatial: bool,
    ) -> Result<LossReport, LearnError> {
        check_batches(batches, self.core.model.num_classes(), self.num_domains)?;
        let all: Vec<&DomainBatch> = batches.iter().collect();
        let (x, y) = concat(&all);
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let map = model.feature_map(theta, &x, true);
        let mask = self.mask(&map, &y, spatial);
        let muted_fraction = 1.0 - mask.mean(Kind::Float).double_value(&[]);
        let logits = model.classify(theta, &model.pool(&(&map * &mask)), true);
        let loss = cross_entropy(&logits, &y);
        let total = self.core.step(&loss)?;
        Ok(LossReport {
            total,
            terms: [
                ("ce".to_string(), total),
                ("muted_fraction".to_string(), muted_fraction),
            ]
            .into(),
        })
    }
}

impl Method for Rsc {
    fn name(&self) -> &'static str {
        "rsc"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        let spatial = match self.cfg.mode {
            RscMode::Channel => false,
            RscMode::Spatial => true,
            RscMode::Random => {
                Tensor::randint(2, [1], (Kind::Int64, Device::Cpu)).int64_value(&[0]) == 1
            }
        };
        self.update_with_mode(batches, spatial)
    }

    forward_to_core!();
    core_state!();
}
