//! The transformer encoder of wav2vec2, HuBERT and WavLM: a grouped,
//! weight-normalised positional convolution, then self-attention layers,
//! post-norm (base models) or pre-norm with a final layer norm
//! (`do_stable_layer_norm`, large models). WavLM adds a gated relative
//! position bias to the attention scores.

use tch::{Kind, Tensor};

use super::config::{Activation, Architecture, EncoderConfig};
use super::parts::{LayerNorm, Linear};
use super::weights::Weights;
use crate::error::LearnError;

/// Convolution over time whose output is added to the input (`pos_conv_embed`).
struct PositionalConv {
    weight: Tensor,
    bias: Tensor,
    kernel: i64,
    groups: i64,
    activation: Activation,
}

impl PositionalConv {
    fn load(w: &Weights, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let h = cfg.hidden_size;
        let groups = cfg.num_conv_pos_embedding_groups;
        let kernel = cfg.num_conv_pos_embeddings;
        let prefix = "encoder.pos_conv_embed.conv";
        Ok(Self {
            weight: w.weight_normed_conv(prefix, [h, h / groups, kernel])?,
            bias: w.get(&format!("{prefix}.bias"), &[h])?,
            kernel: kernel as i64,
            groups: groups as i64,
            activation: cfg.feat_extract_activation,
        })
    }

    /// `[B, T, H]` → `[B, T, H]`: padding `k/2` on both sides, the last
    /// frame dropped for an even kernel (`SamePadLayer`).
    fn forward(&self, x: &Tensor) -> Tensor {
        let frames = x.size()[1];
        let y = x.transpose(1, 2).conv1d(
            &self.weight,
            Some(&self.bias),
            [1i64],
            [self.kernel / 2],
            [1i64],
            self.groups,
        );
        let y = if self.kernel % 2 == 0 {
            y.narrow(2, 0, frames)
        } else {
            y
        };
        self.activation.apply(&y).transpose(1, 2)
    }
}

/// WavLM's relative position bias: a learned value per head for each
/// bucket of relative distance (exact below a quarter of the buckets,
/// logarithmic up to `max_distance`, one bucket set per direction).
struct RelativePositionBias {
    embedding: Tensor,
    num_buckets: i64,
    max_distance: i64,
}

impl RelativePositionBias {
    /// The bias `[heads, T, T]` for `frames` frames. The bucket arithmetic
    /// runs as libtorch float32 operations in `_relative_positions_bucket`'s
    /// order, so buckets match transformers' exactly at their boundaries.
    fn compute(&self, frames: i64) -> Tensor {
        let device = self.embedding.device();
        let positions = Tensor::arange(frames, (Kind::Int64, device));
        let relative = positions.unsqueeze(0) - positions.unsqueeze(1);
        let half = self.num_buckets / 2;
        let direction = relative.gt(0).to_kind(Kind::Int64) * half;
        let distance = relative.abs();
        let max_exact = half / 2;
        let is_small = distance.lt(max_exact);
        let log_ratio = (distance.to_kind(Kind::Float) / max_exact as f64).log()
            / (self.max_distance as f64 / max_exact as f64).ln()
            * (half - max_exact);
        let large = (log_ratio + max_exact)
            .to_kind(Kind::Int64)
            .clamp_max(half - 1);
        let buckets = direction + distance.where_self(&is_small, &large);
        Tensor::embedding(&self.embedding, &buckets, -1, false, false).permute([2, 0, 1])
    }
}

/// WavLM's gate on the position bias, computed from each head's input.
struct PositionGate {
    linear: Linear,
    constant: Tensor,
}

/// Multi-head self-attention (`q_proj`, `k_proj`, `v_proj`, `out_proj`).
struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    heads: i64,
    gate: Option<PositionGate>,
}

impl Attention {
    fn load(w: &Weights, p: &str, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let h = cfg.hidden_size;
        let gate = if cfg.architecture == Architecture::WavLm {
            let head_dim = h / cfg.num_heads;
            Some(PositionGate {
                linear: Linear::load(w, &format!("{p}.gru_rel_pos_linear"), head_dim, 8)?,
                constant: w.get(&format!("{p}.gru_rel_pos_const"), &[1, cfg.num_heads, 1, 1])?,
            })
        } else {
            None
        };
        Ok(Self {
            q: Linear::load(w, &format!("{p}.q_proj"), h, h)?,
            k: Linear::load(w, &format!("{p}.k_proj"), h, h)?,
            v: Linear::load(w, &format!("{p}.v_proj"), h, h)?,
            out: Linear::load(w, &format!("{p}.out_proj"), h, h)?,
            heads: cfg.num_heads as i64,
            gate,
        })
    }

    /// `[B, T, H]` → `[B, heads, T, H/heads]`.
    fn split_heads(&self, x: &Tensor) -> Tensor {
        let (b, t, h) = x.size3().expect("[B, T, H] hidden states");
        x.view([b, t, self.heads, h / self.heads]).transpose(1, 2)
    }

    /// Attends over `x` `[B, T, H]`; `position_bias` `[heads, T, T]` is
    /// gated per head and frame (WavLM) and added to the scores.
    fn forward(&self, x: &Tensor, position_bias: Option<&Tensor>) -> Tensor {
        let (b, t, h) = x.size3().expect("[B, T, H] hidden states");
        let head_dim = h / self.heads;
        let scale = 1.0 / (head_dim as f64).sqrt();
        let q = self.split_heads(&self.q.forward(x)) * scale;
        let k = self.split_heads(&self.k.forward(x));
        let v = self.split_heads(&self.v.forward(x));
        let mut scores = q.matmul(&k.transpose(-2, -1));
        if let (Some(gate), Some(bias)) = (&self.gate, position_bias) {
            // transformers: the input per head through a [head_dim → 8] map,
            // summed in fours into two gates a, b; gate = a (b c − 1) + 2.
            let proj = gate
                .linear
                .forward(&self.split_heads(x))
                .view([b, self.heads, t, 2, 4])
                .sum_dim_intlist(&[-1i64][..], false, Kind::Float)
                .sigmoid();
            let gate_a = proj.narrow(-1, 0, 1);
            let gate_b = proj.narrow(-1, 1, 1);
            let gate_value = gate_a * (gate_b * &gate.constant - 1.0) + 2.0;
            scores += gate_value * bias.unsqueeze(0);
        }
        let context = scores.softmax(-1, Kind::Float).matmul(&v);
        self.out
            .forward(&context.transpose(1, 2).contiguous().view([b, t, h]))
    }
}

/// Position-wise feed-forward block.
struct FeedForward {
    intermediate: Linear,
    output: Linear,
    activation: Activation,
}

impl FeedForward {
    fn load(w: &Weights, p: &str, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        Ok(Self {
            intermediate: Linear::load(
                w,
                &format!("{p}.intermediate_dense"),
                cfg.hidden_size,
                cfg.intermediate_size,
            )?,
            output: Linear::load(
                w,
                &format!("{p}.output_dense"),
                cfg.intermediate_size,
                cfg.hidden_size,
            )?,
            activation: cfg.hidden_act,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        self.output
            .forward(&self.activation.apply(&self.intermediate.forward(x)))
    }
}

/// One transformer layer.
struct EncoderLayer {
    attention: Attention,
    layer_norm: LayerNorm,
    feed_forward: FeedForward,
    final_layer_norm: LayerNorm,
    pre_norm: bool,
}

impl EncoderLayer {
    fn load(w: &Weights, i: usize, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let p = format!("encoder.layers.{i}");
        let (h, eps) = (cfg.hidden_size, cfg.layer_norm_eps);
        Ok(Self {
            attention: Attention::load(w, &format!("{p}.attention"), cfg)?,
            layer_norm: LayerNorm::load(w, &format!("{p}.layer_norm"), h, eps)?,
            feed_forward: FeedForward::load(w, &format!("{p}.feed_forward"), cfg)?,
            final_layer_norm: LayerNorm::load(w, &format!("{p}.final_layer_norm"), h, eps)?,
            pre_norm: cfg.do_stable_layer_norm,
        })
    }

    fn forward(&self, x: &Tensor, position_bias: Option<&Tensor>) -> Tensor {
        if self.pre_norm {
            let x = x + self
                .attention
                .forward(&self.layer_norm.forward(x), position_bias);
            &x + self
                .feed_forward
                .forward(&self.final_layer_norm.forward(&x))
        } else {
            let x = self
                .layer_norm
                .forward(&(x + self.attention.forward(x, position_bias)));
            self.final_layer_norm
                .forward(&(&x + self.feed_forward.forward(&x)))
        }
    }
}

/// The transformer encoder.
pub(crate) struct TransformerEncoder {
    positional: PositionalConv,
    /// Applied before the first layer (post-norm models); the final norm of
    /// stable-layer-norm models never reaches a hidden state.
    input_norm: Option<LayerNorm>,
    layers: Vec<EncoderLayer>,
    relative_bias: Option<RelativePositionBias>,
}

impl TransformerEncoder {
    /// Loads `encoder.*`.
    pub fn load(w: &Weights, cfg: &EncoderConfig) -> Result<Self, LearnError> {
        let input_norm = if cfg.do_stable_layer_norm {
            None
        } else {
            Some(LayerNorm::load(
                w,
                "encoder.layer_norm",
                cfg.hidden_size,
                cfg.layer_norm_eps,
            )?)
        };
        let relative_bias = if cfg.architecture == Architecture::WavLm {
            Some(RelativePositionBias {
                embedding: w.get(
                    "encoder.layers.0.attention.rel_attn_embed.weight",
                    &[cfg.num_buckets, cfg.num_heads],
                )?,
                num_buckets: cfg.num_buckets as i64,
                max_distance: cfg.max_bucket_distance as i64,
            })
        } else {
            None
        };
        let layers = (0..cfg.num_layers)
            .map(|i| EncoderLayer::load(w, i, cfg))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            positional: PositionalConv::load(w, cfg)?,
            input_norm,
            layers,
            relative_bias,
        })
    }

    /// The hidden states `0..=upto` of `x` `[B, T, H]` as transformers'
    /// `output_hidden_states` lists them: the input of the first layer,
    /// then each layer's output (for stable-layer-norm models the last one
    /// before the encoder's final layer norm, as transformers 5 returns it).
    pub fn forward(&self, x: &Tensor, upto: usize) -> Vec<Tensor> {
        let x = x + self.positional.forward(x);
        let mut x = match &self.input_norm {
            Some(norm) => norm.forward(&x),
            None => x,
        };
        let bias = self.relative_bias.as_ref().map(|r| r.compute(x.size()[1]));
        let mut states = Vec::with_capacity(upto + 1);
        for layer in self.layers.iter().take(upto) {
            let next = layer.forward(&x, bias.as_ref());
            states.push(x);
            x = next;
        }
        states.push(x);
        states
    }
}
