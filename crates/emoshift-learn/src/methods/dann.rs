//! Domain-adversarial training with center loss (Gao et al., "Domain-
//! invariant feature learning for cross corpus SER"; Ganin et al.'s DANN).
//!
//! With features `f = G(x; θ)`:
//! - emotion loss (eq. 6): `L_E = λ·CE(classify(f), y) + (1 − λ)·Center(f, c)`
//!   (`λ = 1` when center loss is off), over the labelled (source) batches;
//! - domain loss (eq. 2): `L_D = Σ_h CE(D_h(GRL_γ(f)), d_h)` over the domain
//!   heads `h` (corpus, language, gender, speaker), over every batch —
//!   unlabelled target batches included, which is how the target corpus
//!   takes part in cross-corpus training (the paper's "reduce the domain
//!   divergence between train and test data");
//! - total (eq. 1): `L = L_E + w·L_D`.
//!
//! The gradient-reversal layer passes `f` unchanged and multiplies the
//! gradient flowing back into the feature extractor by `−γ` (paper: γ = 0.3),
//! so the heads learn to recognise the domain while the features learn to
//! hide it. The class centers move by Wen et al.'s rule with rate α after
//! each step (eq. 5), from the features of that step.
//!
//! Domain labels: the head named `corpus` reads each sample's
//! [`DomainBatch::domain`]; `gender`, `language` and `speaker` read
//! `DomainBatch::aux[name]`, whose class counts come with the training
//! domains ([`DomainInfo::aux_classes`]). The paper's Table 2 variants are
//! head lists: DANN_1 `["speaker", "corpus"]`, DANN_2
//! `["gender", "language", "corpus"]`.
//! Each head is an MLP over the features with ReLU hidden layers
//! (`head_hidden`, empty = linear), its parameters named
//! `{head}.{index}.weight` like an `nn.Sequential` of Linear and ReLU.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::common::{check_batches_with_unlabelled, concat, Core};
use super::{AuxLabel, DomainInfo};
use crate::error::LearnError;
use crate::losses::{center_loss, cross_entropy, grad_reverse, update_centers};
use crate::method::{DomainBatch, LossReport, Method};
use crate::model::Model;
use crate::optim::OptimConfig;
use crate::params::ParamStore;

/// Hyperparameters of [`Dann`] (defaults: the paper's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DannConfig {
    /// Domain heads: `corpus` (the minibatch's domain index), `gender`,
    /// `language`, `speaker` (the per-sample labels `aux[name]`).
    pub heads: Vec<String>,
    /// Hidden layer widths of every domain head (empty = linear head).
    pub head_hidden: Vec<usize>,
    /// Reversal weight γ of the gradient-reversal layer (paper: 0.3).
    pub reversal: f64,
    /// Weight w of the domain loss in the total.
    pub domain_weight: f64,
    /// Mix center loss into the emotion loss.
    pub center_loss: bool,
    /// λ of eq. 6: the cross-entropy's share, `1 − λ` the center loss's
    /// (paper: 0.5).
    pub center_lambda: f64,
    /// Center update rate α (Wen et al.: 0.5).
    pub center_alpha: f64,
    /// Optimiser (paper: Adadelta).
    pub optimizer: OptimConfig,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
}

impl Default for DannConfig {
    fn default() -> Self {
        Self {
            heads: vec!["corpus".into()],
            head_hidden: vec![128],
            reversal: 0.3,
            domain_weight: 1.0,
            center_loss: true,
            center_lambda: 0.5,
            center_alpha: 0.5,
            optimizer: OptimConfig::Adadelta {
                lr: 1.0,
                rho: 0.9,
                eps: 1e-6,
                weight_decay: 0.0,
            },
            clip_grad_norm: None,
        }
    }
}

/// One domain head: its name and the (weight, bias) indices of its layers.
struct Head {
    name: String,
    layers: Vec<(usize, usize)>,
}

/// DANN with optional center loss.
pub struct Dann {
    core: Core,
    cfg: DannConfig,
    heads: Vec<Head>,
    centers: Tensor,
    num_domains: usize,
}

impl Dann {
    /// DANN training `model` on `num_domains` domains.
    pub fn new(
        cfg: &DannConfig,
        model: Box<dyn Model>,
        domains: &DomainInfo,
    ) -> Result<Self, LearnError> {
        let num_domains = domains.num_domains;
        let config_err = |key: &str, value: String, allowed: &str| LearnError::Config {
            key: key.into(),
            value,
            allowed: allowed.into(),
        };
        if cfg.heads.is_empty() {
            return Err(config_err(
                "heads",
                "[]".into(),
                "at least one head, e.g. [\"corpus\"]",
            ));
        }
        if !(0.0..=1.0).contains(&cfg.center_lambda) {
            return Err(config_err(
                "center_lambda",
                cfg.center_lambda.to_string(),
                "a number in [0, 1]",
            ));
        }
        for (key, v) in [
            ("reversal", cfg.reversal),
            ("domain_weight", cfg.domain_weight),
            ("center_alpha", cfg.center_alpha),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_err(key, v.to_string(), "a finite number >= 0"));
            }
        }
        let device = model.store().device();
        let mut store = ParamStore::new(device);
        let mut heads = Vec::new();
        for name in &cfg.heads {
            let classes = if name == "corpus" {
                num_domains
            } else if AuxLabel::from_head(name).is_some() {
                *domains.aux_classes.get(name).ok_or_else(|| {
                    LearnError::Data(format!(
                        "the DANN head `{name}` needs `{name}` labels, and the training data has none"
                    ))
                })?
            } else {
                return Err(config_err(
                    "heads",
                    name.clone(),
                    "`corpus`, `gender`, `language`, `speaker`",
                ));
            };
            if classes < 2 {
                return Err(LearnError::Data(format!(
                    "the DANN head `{name}` has {classes} class in the training data: its loss would always be 0 (a `corpus` head needs two training corpora, or a transfer task whose target joins training)"
                )));
            }
            if heads.iter().any(|h: &Head| &h.name == name) {
                return Err(config_err("heads", name.clone(), "each head at most once"));
            }
            let mut widths = vec![model.feature_dim()];
            widths.extend(&cfg.head_hidden);
            widths.push(classes);
            let mut layers = Vec::new();
            for (k, pair) in widths.windows(2).enumerate() {
                let bound = 1.0 / (pair[0].max(1) as f64).sqrt();
                let w = Tensor::empty([pair[1] as i64, pair[0] as i64], (Kind::Float, device))
                    .uniform_(-bound, bound);
                let b =
                    Tensor::empty([pair[1] as i64], (Kind::Float, device)).uniform_(-bound, bound);
                // nn.Sequential(Linear, ReLU, Linear, …): Linear layers sit at even indices.
                let wi = store.add(format!("{name}.{}.weight", 2 * k), w);
                let bi = store.add(format!("{name}.{}.bias", 2 * k), b);
                layers.push((wi, bi));
            }
            heads.push(Head {
                name: name.clone(),
                layers,
            });
        }
        let centers = Tensor::zeros(
            [model.num_classes() as i64, model.feature_dim() as i64],
            (Kind::Float, device),
        );
        Ok(Self {
            core: Core::new(model, store, &cfg.optimizer, cfg.clip_grad_norm)?,
            cfg: cfg.clone(),
            heads,
            centers,
            num_domains,
        })
    }

    /// The class centers `[C, D]` of the center loss.
    pub fn centers(&self) -> &Tensor {
        &self.centers
    }

    /// Per-sample labels of head `head` for the joined batches.
    fn head_labels(
        head: &Head,
        batches: &[&DomainBatch],
        device: Device,
    ) -> Result<Tensor, LearnError> {
        let parts = batches
            .iter()
            .map(|b| {
                if head.name == "corpus" {
                    Ok(Tensor::full(
                        [b.y.size()[0]],
                        b.domain as i64,
                        (Kind::Int64, device),
                    ))
                } else {
                    let t = b.aux.get(&head.name).ok_or_else(|| {
                        LearnError::Data(format!(
                            "minibatch of domain {} has no `{}` labels for the DANN head",
                            b.domain, head.name
                        ))
                    })?;
                    if t.size() != b.y.size() || t.kind() != Kind::Int64 {
                        return Err(LearnError::Data(format!(
                            "`{}` labels of domain {} must be int64 of shape {:?}",
                            head.name,
                            b.domain,
                            b.y.size()
                        )));
                    }
                    Ok(t.shallow_clone())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Tensor::cat(&parts, 0))
    }

    fn head_forward(&self, head: &Head, features: &Tensor) -> Tensor {
        let params = self.core.head_params();
        let mut h = features.shallow_clone();
        for (k, &(w, b)) in head.layers.iter().enumerate() {
            h = h.linear(&params[w], Some(&params[b]));
            if k + 1 < head.layers.len() {
                h = h.relu();
            }
        }
        h
    }
}

impl Method for Dann {
    fn name(&self) -> &'static str {
        "dann"
    }

    fn update(&mut self, batches: &[DomainBatch]) -> Result<LossReport, LearnError> {
        check_batches_with_unlabelled(batches, self.core.model.num_classes(), self.num_domains)?;
        // Labelled batches first, so their features are the leading rows.
        let (labelled, unlabelled): (Vec<&DomainBatch>, Vec<&DomainBatch>) =
            batches.iter().partition(|b| b.labelled);
        if labelled.is_empty() {
            return Err(LearnError::Data(
                "DANN needs at least one labelled minibatch for its emotion loss".into(),
            ));
        }
        let ordered: Vec<&DomainBatch> = labelled.iter().chain(&unlabelled).copied().collect();
        let (x, _) = concat(&ordered);
        let (_, y) = concat(&labelled);
        let n_labelled = y.size()[0];
        let model = self.core.model.as_ref();
        let theta = self.core.theta();
        let f_all = model.features(theta, &x, true);
        let f = f_all.narrow(0, 0, n_labelled);
        let logits = model.classify(theta, &f, true);
        let ce = cross_entropy(&logits, &y);
        let mut terms = BTreeMap::from([("ce".to_string(), ce.double_value(&[]))]);
        // L_E = λ·CE + (1 − λ)·Center
        let emotion = if self.cfg.center_loss {
            let center = center_loss(&f, &y, &self.centers);
            terms.insert("center".into(), center.double_value(&[]));
            &ce * self.cfg.center_lambda + center * (1.0 - self.cfg.center_lambda)
        } else {
            ce
        };
        // L_D = Σ_h CE(D_h(GRL_γ(f)), d_h)
        let reversed = grad_reverse(&f_all, self.cfg.reversal);
        let mut domain = Tensor::zeros([], (Kind::Float, f.device()));
        for head in &self.heads {
            let labels = Self::head_labels(head, &ordered, f.device())?;
            let head_loss = cross_entropy(&self.head_forward(head, &reversed), &labels);
            terms.insert(format!("domain_{}", head.name), head_loss.double_value(&[]));
            domain += head_loss;
        }
        // L = L_E + w·L_D
        let loss = emotion + domain * self.cfg.domain_weight;
        let total = self.core.step(&loss)?;
        if self.cfg.center_loss {
            update_centers(&self.centers, &f, &y, self.cfg.center_alpha);
        }
        Ok(LossReport { total, terms })
    }

    forward_to_core!();

    fn state_dict(&self) -> Vec<(String, Tensor)> {
        let mut out = self.core.state_dict();
        out.push((
            "state.centers".into(),
            self.centers.detach().to_device(Device::Cpu),
        ));
        out
    }

    fn load_state_dict(
        &mut self,
        source: &Path,
        named: Vec<(String, Tensor)>,
    ) -> Result<(), LearnError> {
        let mut rest = self.core.load_state_dict(source, named)?;
        let centers = super::take_state(source, &mut rest, "state.centers")?;
        if centers.size() != self.centers.size() {
            return Err(LearnError::Checkpoint {
                path: source.to_path_buf(),
                reason: format!(
                    "tensor `state.centers` has shape {:?}, the method expects {:?}",
                    centers.size(),
                    self.centers.size()
                ),
            });
        }
        super::no_extra_state(source, rest)?;
        tch::no_grad(|| {
            self.centers
                .copy_(&centers.to_device(self.centers.device()))
        });
        Ok(())
    }
}
