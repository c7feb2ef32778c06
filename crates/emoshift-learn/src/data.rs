//! In-memory training and validation sets: feature matrices per domain with
//! class labels and optional auxiliary labels (gender, speaker, corpus …),
//! and the conversion of a list of feature matrices into a model's input
//! tensor.

use std::collections::BTreeMap;

use emoshift_audio::Features;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::error::LearnError;

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Features `[n_bins][n_frames]` (a spectrogram, or frame embeddings).
    pub features: Features,
    /// Class index, `0..num_classes`.
    pub label: usize,
    /// Extra labels for auxiliary heads, by head name (for example
    /// `gender`, `language`, `speaker`), each a class index.
    pub aux: BTreeMap<String, usize>,
}

impl Example {
    /// An example without auxiliary labels.
    pub fn new(features: Features, label: usize) -> Self {
        Self {
            features,
            label,
            aux: BTreeMap::new(),
        }
    }
}

/// The examples of one domain (for example one corpus).
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// The domain's name, for messages and reports.
    pub name: String,
    /// Its examples.
    pub examples: Vec<Example>,
    /// Whether the examples' class labels are real. The labels of an
    /// unlabelled domain (target audio for unsupervised adaptation) are
    /// placeholders: the batcher never draws by them and marks its batches
    /// unlabelled, so no loss can read them.
    pub labelled: bool,
}

impl Domain {
    /// A domain whose examples carry real class labels.
    pub fn labelled(name: impl Into<String>, examples: Vec<Example>) -> Self {
        Self {
            name: name.into(),
            examples,
            labelled: true,
        }
    }

    /// A domain of unlabelled examples; their `label` fields are ignored.
    pub fn unlabelled(name: impl Into<String>, examples: Vec<Example>) -> Self {
        Self {
            name: name.into(),
            examples,
            labelled: false,
        }
    }
}

/// A checked set of domains: every example has the same number of bins, at
/// least one frame, a label below `num_classes` and the same auxiliary heads.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    domains: Vec<Domain>,
    num_classes: usize,
    n_bins: usize,
    aux_classes: BTreeMap<String, usize>,
}

impl Dataset {
    /// Checks and wraps `domains`. Each auxiliary head's class count is one
    /// more than the largest index seen.
    pub fn new(domains: Vec<Domain>, num_classes: usize) -> Result<Self, LearnError> {
        let first = domains
            .iter()
            .flat_map(|d| d.examples.first())
            .next()
            .ok_or_else(|| LearnError::Data("the data set has no examples".into()))?;
        let n_bins = first.features.n_bins;
        let heads: Vec<String> = first.aux.keys().cloned().collect();
        let mut aux_classes: BTreeMap<String, usize> =
            heads.iter().map(|h| (h.clone(), 0)).collect();
        for domain in &domains {
            if domain.examples.is_empty() {
                return Err(LearnError::Data(format!(
                    "domain `{}` has no examples",
                    domain.name
                )));
            }
            for (i, ex) in domain.examples.iter().enumerate() {
                let at = || format!("domain `{}`, example {i}", domain.name);
                let f = &ex.features;
                if f.n_bins != n_bins || f.n_frames == 0 || f.data.len() != f.n_bins * f.n_frames {
                    return Err(LearnError::Data(format!(
                        "{}: features of {} bins x {} frames ({} values); every example needs {n_bins} bins and at least one frame",
                        at(),
                        f.n_bins,
                        f.n_frames,
                        f.data.len()
                    )));
                }
                if ex.label >= num_classes {
                    return Err(LearnError::Data(format!(
                        "{}: label {} is not below the {num_classes} classes",
                        at(),
                        ex.label
                    )));
                }
                if !ex.aux.keys().eq(heads.iter()) {
                    return Err(LearnError::Data(format!(
                        "{}: auxiliary labels {:?}, expected {heads:?} like the first example",
                        at(),
                        ex.aux.keys().collect::<Vec<_>>()
                    )));
                }
                for (head, &value) in &ex.aux {
                    let count = aux_classes.get_mut(head).expect("heads checked above");
                    *count = (*count).max(value + 1);
                }
            }
        }
        Ok(Self {
            domains,
            num_classes,
            n_bins,
            aux_classes,
        })
    }

    /// The domains, in the order their batches come.
    pub fn domains(&self) -> &[Domain] {
        &self.domains
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Bins (rows) of every feature matrix.
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Auxiliary heads and their class counts.
    pub fn aux_classes(&self) -> &BTreeMap<String, usize> {
        &self.aux_classes
    }

    /// Total number of examples.
    pub fn len(&self) -> usize {
        self.domains.iter().map(|d| d.examples.len()).sum()
    }

    /// Whether there are no examples (never true for a checked set).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every example with its domain index, domain by domain.
    pub fn examples(&self) -> impl Iterator<Item = (usize, &Example)> {
        self.domains
            .iter()
            .enumerate()
            .flat_map(|(d, dom)| dom.examples.iter().map(move |e| (d, e)))
    }
}

/// How a model wants its input batches laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputLayout {
    /// `[N, 1, bins, frames]`: a one-channel image per example (CNNs).
    Spectrogram,
    /// `[N, frames, bins]`: a sequence of frame vectors per example
    /// (frame embeddings for the probe).
    Sequence,
    /// `[N, bins]`: one vector per example, the mean over its frames.
    Vector,
}

impl InputLayout {
    /// The per-example input shape (without the batch axis) for features
    /// of `n_bins` rows and `n_frames` frames, as [`crate::models::build`] takes it.
    pub fn example_shape(self, n_bins: usize, n_frames: usize) -> Vec<usize> {
        match self {
            InputLayout::Spectrogram => vec![1, n_bins, n_frames],
            InputLayout::Sequence => vec![n_frames, n_bins],
            InputLayout::Vector => vec![n_bins],
        }
    }
}

/// Stacks feature matrices of equal size into one input tensor on `device`.
pub fn stack(
    items: &[&Features],
    layout: InputLayout,
    device: Device,
) -> Result<Tensor, LearnError> {
    let first = items
        .first()
        .ok_or_else(|| LearnError::Data("cannot stack an empty list of examples".into()))?;
    let (bins, frames) = (first.n_bins, first.n_frames);
    if let Some(other) = items
        .iter()
        .find(|f| f.n_bins != bins || f.n_frames != frames)
    {
        return Err(LearnError::Data(format!(
            "examples of {bins}x{frames} and {}x{} in one batch; crop them to one length",
            other.n_bins, other.n_frames
        )));
    }
    let n = items.len() as i64;
    let tensor = match layout {
        InputLayout::Spectrogram => {
            let mut data = Vec::with_capacity(items.len() * bins * frames);
            for f in items {
                data.extend_from_slice(&f.data);
            }
            Tensor::from_slice(&data).view([n, 1, bins as i64, frames as i64])
        }
        InputLayout::Sequence => {
            let data: Vec<f32> = items.iter().flat_map(|f| f.to_frame_major()).collect();
            Tensor::from_slice(&data).view([n, frames as i64, bins as i64])
        }
        InputLayout::Vector => {
            let data: Vec<f32> = items
                .iter()
                .flat_map(|f| {
                    f.data.chunks_exact(frames).map(|row| {
                        (row.iter().map(|&v| f64::from(v)).sum::<f64>() / frames as f64) as f32
                    })
                })
                .collect();
            Tensor::from_slice(&data).view([n, bins as i64])
        }
    };
    Ok(tensor.to_device(device))
}
