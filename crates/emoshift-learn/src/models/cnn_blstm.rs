//! The CNN-BLSTM feature extractor of the DANN cross-corpus paper (Gao et
//! al.), after Satt et al. 2017: convolution blocks over a spectrogram
//! segment (frequency × time, e.g. 129 × 32 for a 265 ms segment), then a
//! bidirectional LSTM over the time steps; the mean of its outputs over time
//! is the feature vector the emotion classifier and the domain heads read.
//!
//! Each block is a `k×k` convolution, batch norm, ReLU and a max pool that
//! halves the frequency axis only, so the LSTM sees every frame. The
//! parameter names are those of a PyTorch module holding
//! `features = nn.Sequential(Conv2d, BatchNorm2d, ReLU, MaxPool2d, …)`,
//! `lstm = nn.LSTM(batch_first=True, bidirectional=True)` and
//! `classifier = nn.Linear`.

use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::error::LearnError;
use crate::model::Model;
use crate::nn::{self, BatchNorm, Conv2d, Conv2dConfig, Init, Linear, Lstm, Pass};
use crate::params::ParamStore;

/// Hyperparameters of [`CnnBlstm`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CnnBlstmConfig {
    /// Output channels of each convolution block.
    pub channels: Vec<usize>,
    /// Convolution kernel size (odd; padded to keep the size).
    pub kernel: usize,
    /// Hidden units per LSTM direction.
    pub hidden: usize,
    /// Stacked LSTM layers.
    pub lstm_layers: usize,
    /// Dropout before the classifier (and between LSTM layers).
    pub dropout: f64,
}

impl Default for CnnBlstmConfig {
    fn default() -> Self {
        Self {
            channels: vec![32, 64, 128],
            kernel: 3,
            hidden: 128,
            lstm_layers: 1,
            dropout: 0.5,
        }
    }
}

/// CNN-BLSTM over `[N, C, bins, frames]` segments. Feature map and features
/// are the time-averaged BLSTM outputs `[N, 2·hidden]`.
#[derive(Debug)]
pub struct CnnBlstm {
    store: ParamStore,
    blocks: Vec<(Conv2d, BatchNorm)>,
    lstm: Lstm,
    classifier: Linear,
    dropout: f64,
    num_classes: usize,
}

fn config_error(key: &str, value: impl ToString, allowed: &str) -> LearnError {
    LearnError::Config {
        key: key.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

impl CnnBlstm {
    /// Builds the network for inputs of `in_channels` planes with `bins`
    /// frequency rows. Every block halves the frequency axis, so `bins`
    /// must be at least `2^blocks`.
    pub fn new(
        cfg: &CnnBlstmConfig,
        in_channels: usize,
        bins: usize,
        num_classes: usize,
        device: Device,
    ) -> Result<Self, LearnError> {
        if cfg.channels.is_empty() || cfg.channels.contains(&0) {
            return Err(config_error(
                "model.channels",
                format!("{:?}", cfg.channels),
                "one or more positive channel counts",
            ));
        }
        if cfg.kernel % 2 == 0 {
            return Err(config_error(
                "model.kernel",
                cfg.kernel,
                "an odd kernel size",
            ));
        }
        if cfg.hidden == 0 || cfg.lstm_layers == 0 {
            return Err(config_error(
                "model.hidden / model.lstm_layers",
                format!("{} / {}", cfg.hidden, cfg.lstm_layers),
                "positive sizes",
            ));
        }
        if !(0.0..1.0).contains(&cfg.dropout) {
            return Err(config_error(
                "model.dropout",
                cfg.dropout,
                "a probability in [0, 1)",
            ));
        }
        let out_bins = bins.checked_shr(cfg.channels.len() as u32).unwrap_or(0);
        if out_bins == 0 {
            return Err(config_error(
                "model.channels",
                format!("{:?}", cfg.channels),
                &format!(
                    "at most {} blocks for {bins} frequency bins (each block halves them)",
                    usize::BITS - bins.leading_zeros() - 1
                ),
            ));
        }
        let mut store = ParamStore::new(device);
        let mut blocks = Vec::with_capacity(cfg.channels.len());
        let mut in_ch = in_channels;
        for (k, &out_ch) in cfg.channels.iter().enumerate() {
            let conv = Conv2d::new(
                &mut store,
                &format!("features.{}", 4 * k),
                in_ch,
                out_ch,
                Conv2dConfig::square(cfg.kernel),
            );
            let bn = BatchNorm::new(&mut store, &format!("features.{}", 4 * k + 1), out_ch);
            blocks.push((conv, bn));
            in_ch = out_ch;
        }
        let lstm = Lstm::new(
            &mut store,
            "lstm",
            in_ch * out_bins,
            cfg.hidden,
            cfg.lstm_layers,
            true,
            cfg.dropout,
        );
        let classifier = Linear::new(
            &mut store,
            "classifier",
            lstm.output_dim(),
            num_classes,
            true,
            Init::Default,
        );
        Ok(Self {
            store,
            blocks,
            lstm,
            classifier,
            dropout: cfg.dropout,
            num_classes,
        })
    }
}

impl Model for CnnBlstm {
    fn store(&self) -> &ParamStore {
        &self.store
    }

    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        let mut x = x.shallow_clone();
        for (conv, bn) in &self.blocks {
            let y = bn.forward(&pass, &conv.forward(&pass, &x)).relu();
            x = nn::max_pool2d(&y, [2, 1], [2, 1], [0, 0]);
        }
        // [N, C, F, T] → [N, T, C·F]: one LSTM step per frame.
        let size = x.size();
        let seq = x
            .permute([0, 3, 1, 2])
            .reshape([size[0], size[3], size[1] * size[2]]);
        self.lstm.forward(&pass, &seq).mean_dim(1, false, None)
    }

    fn classify(&self, params: &[Tensor], features: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        self.classifier
            .forward(&pass, &nn::dropout(features, self.dropout, train))
    }

    fn feature_dim(&self) -> usize {
        self.lstm.output_dim()
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }
}
