//! The domain-aware batcher: one minibatch per training domain per step,
//! drawn with replacement (uniformly, or class-balanced: a class, then a
//! file of that class; an unlabelled domain is always drawn uniformly, so
//! its placeholder labels never steer the draws), each example randomly
//! cropped to a fixed number of frames and augmented on the fly.
//!
//! A step's batches are a pure function of the seed and the step number
//! (each step reads its own ChaCha stream), so a resumed run draws exactly
//! the batches an uninterrupted one would have.

use std::collections::BTreeMap;

use emoshift_audio::Features;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::data::{stack, Dataset, InputLayout};
use crate::error::LearnError;
use crate::method::DomainBatch;

/// A feature-domain augmentation applied to every cropped training example.
pub trait Augment: Send + Sync {
    /// Changes `features` in place, drawing randomness from `rng` only.
    fn apply(&self, features: &mut Features, rng: &mut ChaCha8Rng);
}

/// Settings of a [`DomainBatcher`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatcherConfig {
    /// Examples per domain per step.
    pub batch_size: usize,
    /// Draw a class uniformly among those the domain has, then a file of
    /// that class, instead of a file uniformly.
    pub class_balanced: bool,
    /// Crop (or tile, when shorter) every example to this many frames; with
    /// `None` all examples must already have one length.
    pub crop_frames: Option<usize>,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            class_balanced: false,
            crop_frames: None,
        }
    }
}

/// Draws one [`DomainBatch`] per domain of a [`Dataset`] per step.
pub struct DomainBatcher<'a> {
    data: &'a Dataset,
    cfg: BatcherConfig,
    layout: InputLayout,
    seed: u64,
    device: Device,
    augment: Option<Box<dyn Augment>>,
    /// For each domain, the example positions of each class present.
    by_class: Vec<Vec<Vec<usize>>>,
}

impl<'a> DomainBatcher<'a> {
    /// A batcher over `data` producing tensors in `layout` on `device`.
    pub fn new(
        data: &'a Dataset,
        cfg: BatcherConfig,
        layout: InputLayout,
        seed: u64,
        device: Device,
    ) -> Result<Self, LearnError> {
        if cfg.batch_size == 0 {
            return Err(LearnError::Config {
                key: "batch_size".into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
        match cfg.crop_frames {
            Some(0) => {
                return Err(LearnError::Config {
                    key: "crop_frames".into(),
                    value: "0".into(),
                    allowed: "at least 1 frame".into(),
                })
            }
            Some(_) => {}
            None => {
                let lengths: Vec<usize> =
                    data.examples().map(|(_, e)| e.features.n_frames).collect();
                if lengths.iter().any(|&l| l != lengths[0]) {
                    return Err(LearnError::Data(
                        "examples differ in length; set a crop length (crop_frames)".into(),
                    ));
                }
            }
        }
        let by_class = data
            .domains()
            .iter()
            .map(|d| {
                let mut classes = vec![Vec::new(); data.num_classes()];
                for (i, e) in d.examples.iter().enumerate() {
                    classes[e.label].push(i);
                }
                classes.retain(|c| !c.is_empty());
                classes
            })
            .collect();
        Ok(Self {
            data,
            cfg,
            layout,
            seed,
            device,
            augment: None,
            by_class,
        })
    }

    /// The same batcher applying `augment` to every cropped example.
    pub fn with_augment(mut self, augment: Box<dyn Augment>) -> Self {
        self.augment = Some(augment);
        self
    }

    /// The data set it draws from.
    pub fn data(&self) -> &Dataset {
        self.data
    }

    /// The settings.
    pub fn config(&self) -> &BatcherConfig {
        &self.cfg
    }

    /// The layout of the tensors it produces.
    pub fn layout(&self) -> InputLayout {
        self.layout
    }

    /// Frames per example in every batch.
    pub fn frames(&self) -> usize {
        self.cfg
            .crop_frames
            .unwrap_or_else(|| self.data.domains()[0].examples[0].features.n_frames)
    }

    /// Per-example input shape of the batches (without the batch axis).
    pub fn example_shape(&self) -> Vec<usize> {
        self.layout.example_shape(self.data.n_bins(), self.frames())
    }

    /// Steps for one epoch: enough for the largest domain to be drawn as
    /// many times as it has examples.
    pub fn steps_per_epoch(&self) -> usize {
        let largest = self
            .data
            .domains()
            .iter()
            .map(|d| d.examples.len())
            .max()
            .unwrap_or(1);
        largest.div_ceil(self.cfg.batch_size).max(1)
    }

    /// The batches of step `step`, one per domain in the data set's order.
    pub fn batches(&self, step: u64) -> Result<Vec<DomainBatch>, LearnError> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(step);
        let frames = self.frames();
        let mut out = Vec::with_capacity(self.data.domains().len());
        for (d, domain) in self.data.domains().iter().enumerate() {
            let mut items = Vec::with_capacity(self.cfg.batch_size);
            let mut labels = Vec::with_capacity(self.cfg.batch_size);
            let mut aux: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
            for _ in 0..self.cfg.batch_size {
                let index = if self.cfg.class_balanced && domain.labelled {
                    let classes = &self.by_class[d];
                    let class = &classes[rng.random_range(0..classes.len())];
                    class[rng.random_range(0..class.len())]
                } else {
                    rng.random_range(0..domain.examples.len())
                };
                let example = &domain.examples[index];
                let mut features = random_crop(&example.features, frames, &mut rng);
                if let Some(augment) = &self.augment {
                    augment.apply(&mut features, &mut rng);
                }
                items.push(features);
                labels.push(example.label as i64);
                for (head, &value) in &example.aux {
                    aux.entry(head).or_default().push(value as i64);
                }
            }
            let refs: Vec<&Features> = items.iter().collect();
            out.push(DomainBatch {
                x: stack(&refs, self.layout, self.device)?,
                y: Tensor::from_slice(&labels).to_device(self.device),
                domain: d,
                aux: aux
                    .into_iter()
                    .map(|(head, v)| {
                        (
                            head.to_string(),
                            Tensor::from_slice(&v).to_device(self.device),
                        )
                    })
                    .collect(),
                labelled: domain.labelled,
            });
        }
        Ok(out)
    }
}

/// `frames` consecutive frames of `features` from a random start; a shorter
/// matrix is tiled (repeated from its start) to length instead, also from a
/// random offset.
pub fn random_crop(features: &Features, frames: usize, rng: &mut ChaCha8Rng) -> Features {
    let n = features.n_frames;
    if n >= frames {
        let start = rng.random_range(0..=n - frames);
        let mut data = Vec::with_capacity(features.n_bins * frames);
        for row in features.data.chunks_exact(n) {
            data.extend_from_slice(&row[start..start + frames]);
        }
        Features {
            n_bins: features.n_bins,
            n_frames: frames,
            data,
        }
    } else {
        tile(features, frames, rng.random_range(0..n))
    }
}

/// `frames` frames of `features` repeated cyclically, starting at frame `offset`.
pub fn tile(features: &Features, frames: usize, offset: usize) -> Features {
    let n = features.n_frames;
    let mut data = Vec::with_capacity(features.n_bins * frames);
    for row in features.data.chunks_exact(n) {
        data.extend((0..frames).map(|t| row[(offset + t) % n]));
    }
    Features {
        n_bins: features.n_bins,
        n_frames: frames,
        data,
    }
}
