//! The convolutional feature encoder (`Wav2Vec2FeatureEncoder`, shared by
//! WavLM and HuBERT) and the feature projection into the transformer's width.

use tch::Tensor;

use super::config::{Activation, ConvSpec, EncoderConfig, FeatureNorm};
use super::parts::{LayerNorm, Linear};
use super::weights::Weights;
use crate::error::LearnError;

/// PyTorch's default epsilon of `nn.GroupNorm` and of the conv layers' `nn.LayerNorm`.
const CONV_NORM_EPS: f64 = 1e-5;

/// Normalisation after one convolution.
enum ConvNorm {
    None,
    /// One group per channel, normalised over time (`nn.GroupNorm(C, C)`).
    Group {
        weight: Tensor,
        bias: Tensor,
    },
    /// Over channels at each time step (`nn.LayerNorm(C)` on the transposed output).
    Layer {
        weight: Tensor,
        bias: Tensor,
    },
}

struct ConvLayer {
    weight: Tensor,
    bias: Option<Tensor>,
    stride: i64,
    channels: i64,
    norm: ConvNorm,
}

/// The stack of strided 1-D convolutions that turns samples into frames.
pub(crate) struct FeatureEncoder {
    layers: Vec<ConvLayer>,
    activation: Activation,
    receptive_field: usize,
    stride: usize,
}

impl FeatureEncoder {
    /// Loads `feature_extractor.conv_layers.{i}.conv.weight` (and `.bias`,
    /// `.layer_norm.*` as the configuration says).
    pub fn load(w: &Weights, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let mut layers = Vec::with_capacity(cfg.conv.len());
        let mut in_ch = 1;
        for (i, spec) in cfg.conv.iter().enumerate() {
            let p = format!("feature_extractor.conv_layers.{i}");
            let weight = w.get(
                &format!("{p}.conv.weight"),
                &[spec.channels, in_ch, spec.kernel],
            )?;
            let bias = if cfg.conv_bias {
                Some(w.get(&format!("{p}.conv.bias"), &[spec.channels])?)
            } else {
                None
            };
            let norm = match (cfg.feat_extract_norm, i) {
                (FeatureNorm::Group, 0) => {
                    let (weight, bias) = w.norm(&format!("{p}.layer_norm"), spec.channels)?;
                    ConvNorm::Group { weight, bias }
                }
                (FeatureNorm::Group, _) => ConvNorm::None,
                (FeatureNorm::Layer, _) => {
                    let (weight, bias) = w.norm(&format!("{p}.layer_norm"), spec.channels)?;
                    ConvNorm::Layer { weight, bias }
                }
            };
            layers.push(ConvLayer {
                weight,
                bias,
                stride: spec.stride as i64,
                channels: spec.channels as i64,
                norm,
            });
            in_ch = spec.channels;
        }
        Ok(Self {
            layers,
            activation: cfg.feat_extract_activation,
            receptive_field: receptive_field(&cfg.conv),
            stride: cfg.conv.iter().map(|c| c.stride).product(),
        })
    }

    /// Samples one output frame sees.
    pub fn receptive_field(&self) -> usize {
        self.receptive_field
    }

    /// Samples between consecutive frames.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Frames produced from `n_samples` samples (0 when shorter than the receptive field).
    pub fn frames_for(&self, n_samples: usize) -> usize {
        frames_for(n_samples, self.receptive_field, self.stride)
    }

    /// `[B, N]` samples → `[B, C, T]` features.
    pub fn forward(&self, samples: &Tensor) -> Tensor {
        let mut x = samples.unsqueeze(1);
        for layer in &self.layers {
            x = x.conv1d(
                &layer.weight,
                layer.bias.as_ref(),
                [layer.stride],
                [0i64],
                [1i64],
                1,
            );
            x = match &layer.norm {
                ConvNorm::None => x,
                ConvNorm::Group { weight, bias } => x.group_norm(
                    layer.channels,
                    Some(weight),
                    Some(bias),
                    CONV_NORM_EPS,
                    false,
                ),
                ConvNorm::Layer { weight, bias } => x
                    .transpose(1, 2)
                    .layer_norm(
                        [layer.channels],
                        Some(weight),
                        Some(bias),
                        CONV_NORM_EPS,
                        false,
                    )
                    .transpose(1, 2),
            };
            x = self.activation.apply(&x);
        }
        x
    }
}

/// Input samples one output frame of the stacked convolutions sees.
pub(crate) fn receptive_field(conv: &[ConvSpec]) -> usize {
    let mut field = 1;
    let mut jump = 1;
    for c in conv {
        field += (c.kernel - 1) * jump;
        jump *= c.stride;
    }
    field
}

/// Output length of unpadded stacked convolutions with overall
/// `receptive_field` and `stride` over `n` samples.
pub(crate) fn frames_for(n: usize, receptive_field: usize, stride: usize) -> usize {
    if n < receptive_field {
        0
    } else {
        (n - receptive_field) / stride + 1
    }
}

/// Layer norm (optional for HuBERT) and linear map from the last
/// convolution's channels to the transformer's width.
pub(crate) struct FeatureProjection {
    layer_norm: Option<LayerNorm>,
    projection: Linear,
}

impl FeatureProjection {
    /// Loads `feature_projection.layer_norm.*` and `feature_projection.projection.*`.
    pub fn load(w: &Weights, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let channels = cfg.conv.last().map_or(1, |c| c.channels);
        let layer_norm = if cfg.feat_proj_layer_norm {
            Some(LayerNorm::load(
                w,
                "feature_projection.layer_norm",
                channels,
                cfg.layer_norm_eps,
            )?)
        } else {
            None
        };
        let projection = Linear::load(
            w,
            "feature_projection.projection",
            channels,
            cfg.hidden_size,
        )?;
        Ok(Self {
            layer_norm,
            projection,
        })
    }

    /// `[B, C, T]` conv features → `[B, T, hidden]`.
    pub fn forward(&self, features: &Tensor) -> Tensor {
        let x = features.transpose(1, 2);
        let x = match &self.layer_norm {
            Some(norm) => norm.forward(&x),
            None => x,
        };
        self.projection.forward(&x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_of_the_standard_feature_encoder() {
        let conv: Vec<ConvSpec> = [(10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2)]
            .iter()
            .map(|&(kernel, stride)| ConvSpec {
                channels: 512,
                kernel,
                stride,
            })
            .collect();
        assert_eq!(receptive_field(&conv), 400);
        // transformers' `_get_feat_extract_output_lengths` for one second at 16 kHz.
        assert_eq!(frames_for(16_000, 400, 320), 49);
        assert_eq!(frames_for(399, 400, 320), 0);
        assert_eq!(frames_for(400, 400, 320), 1);
    }
}
