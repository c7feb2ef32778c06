//! The parts of a Hugging Face model folder's `config.json` and
//! `preprocessor_config.json` that the encoders need. A missing key takes
//! the default of the transformers configuration class, as transformers
//! itself does; values this implementation cannot run are errors naming the
//! file and the key.

use std::path::Path;

use serde::Deserialize;

use crate::error::LearnError;

/// The architectures [`super::SpeechEncoder`] runs, by `model_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// `wavlm`: `WavLMModel`, self-attention with a gated relative position bias.
    WavLm,
    /// `wav2vec2`: `Wav2Vec2Model`.
    Wav2Vec2,
    /// `hubert`: `HubertModel` (wav2vec2's network; the feature projection's
    /// layer norm is optional).
    Hubert,
}

impl Architecture {
    /// The `model_type` values accepted, for messages.
    pub const NAMES: &'static str = "wavlm, wav2vec2, hubert";

    fn from_model_type(name: &str) -> Option<Self> {
        match name {
            "wavlm" => Some(Self::WavLm),
            "wav2vec2" => Some(Self::Wav2Vec2),
            "hubert" => Some(Self::Hubert),
            _ => None,
        }
    }

    /// The `model_type` string.
    pub fn name(self) -> &'static str {
        match self {
            Self::WavLm => "wavlm",
            Self::Wav2Vec2 => "wav2vec2",
            Self::Hubert => "hubert",
        }
    }

    /// The prefix of the base model's parameter names in a task model's
    /// checkpoint (`WavLMForCTC` stores `wavlm.encoder…`).
    pub fn weight_prefix(self) -> &'static str {
        match self {
            Self::WavLm => "wavlm.",
            Self::Wav2Vec2 => "wav2vec2.",
            Self::Hubert => "hubert.",
        }
    }
}

/// An activation function named as in transformers' `ACT2FN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `gelu`: the exact (erf) GELU.
    Gelu,
    /// `gelu_new`, `gelu_pytorch_tanh`: the tanh approximation.
    GeluTanh,
    /// `relu`.
    Relu,
    /// `silu`, `swish`.
    Silu,
}

impl Activation {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "gelu" => Some(Self::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" => Some(Self::GeluTanh),
            "relu" => Some(Self::Relu),
            "silu" | "swish" => Some(Self::Silu),
            _ => None,
        }
    }

    /// Applies the function elementwise.
    pub fn apply(self, x: &tch::Tensor) -> tch::Tensor {
        match self {
            Self::Gelu => x.gelu("none"),
            Self::GeluTanh => x.gelu("tanh"),
            Self::Relu => x.relu(),
            Self::Silu => x.silu(),
        }
    }
}

/// Normalisation inside the convolutional feature encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureNorm {
    /// `group`: a group norm with one group per channel after the first
    /// convolution only (base models).
    Group,
    /// `layer`: a layer norm over channels after every convolution (large models).
    Layer,
}

/// `config.json` as written by transformers; only the keys used here.
#[derive(Debug, Clone, Deserialize)]
struct RawConfig {
    model_type: Option<String>,
    #[serde(default = "d_hidden_size")]
    hidden_size: usize,
    #[serde(default = "d_num_hidden_layers")]
    num_hidden_layers: usize,
    #[serde(default = "d_num_attention_heads")]
    num_attention_heads: usize,
    #[serde(default = "d_intermediate_size")]
    intermediate_size: usize,
    #[serde(default = "d_gelu")]
    hidden_act: String,
    #[serde(default = "d_layer_norm_eps")]
    layer_norm_eps: f64,
    #[serde(default = "d_feat_extract_norm")]
    feat_extract_norm: String,
    #[serde(default = "d_gelu")]
    feat_extract_activation: String,
    #[serde(default = "d_conv_dim")]
    conv_dim: Vec<usize>,
    #[serde(default = "d_conv_kernel")]
    conv_kernel: Vec<usize>,
    #[serde(default = "d_conv_stride")]
    conv_stride: Vec<usize>,
    #[serde(default)]
    conv_bias: bool,
    #[serde(default = "d_num_conv_pos_embeddings")]
    num_conv_pos_embeddings: usize,
    #[serde(default = "d_num_conv_pos_embedding_groups")]
    num_conv_pos_embedding_groups: usize,
    #[serde(default)]
    do_stable_layer_norm: bool,
    #[serde(default = "d_num_buckets")]
    num_buckets: usize,
    #[serde(default = "d_max_bucket_distance")]
    max_bucket_distance: usize,
    #[serde(default = "d_true")]
    feat_proj_layer_norm: bool,
    #[serde(default)]
    conv_pos_batch_norm: bool,
    #[serde(default)]
    adapter_attn_dim: Option<usize>,
}

fn d_hidden_size() -> usize {
    768
}
fn d_num_hidden_layers() -> usize {
    12
}
fn d_num_attention_heads() -> usize {
    12
}
fn d_intermediate_size() -> usize {
    3072
}
fn d_gelu() -> String {
    "gelu".into()
}
fn d_layer_norm_eps() -> f64 {
    1e-5
}
fn d_feat_extract_norm() -> String {
    "group".into()
}
fn d_conv_dim() -> Vec<usize> {
    vec![512; 7]
}
fn d_conv_kernel() -> Vec<usize> {
    vec![10, 3, 3, 3, 3, 2, 2]
}
fn d_conv_stride() -> Vec<usize> {
    vec![5, 2, 2, 2, 2, 2, 2]
}
fn d_num_conv_pos_embeddings() -> usize {
    128
}
fn d_num_conv_pos_embedding_groups() -> usize {
    16
}
fn d_num_buckets() -> usize {
    320
}
fn d_max_bucket_distance() -> usize {
    800
}
fn d_true() -> bool {
    true
}

/// One convolution of the feature encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Output channels.
    pub channels: usize,
    /// Kernel width in input steps.
    pub kernel: usize,
    /// Stride in input steps.
    pub stride: usize,
}

/// A checked encoder configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderConfig {
    /// Which network.
    pub architecture: Architecture,
    /// Width of every transformer layer.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_layers: usize,
    /// Attention heads per layer.
    pub num_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Activation of the feed-forward block.
    pub hidden_act: Activation,
    /// Epsilon of the transformer's and the projection's layer norms.
    pub layer_norm_eps: f64,
    /// Normalisation in the convolutional feature encoder.
    pub feat_extract_norm: FeatureNorm,
    /// Activation of the convolutions (also of the positional convolution).
    pub feat_extract_activation: Activation,
    /// The convolutions, first to last.
    pub conv: Vec<ConvSpec>,
    /// Whether the convolutions have biases.
    pub conv_bias: bool,
    /// Kernel width of the positional convolution.
    pub num_conv_pos_embeddings: usize,
    /// Groups of the positional convolution.
    pub num_conv_pos_embedding_groups: usize,
    /// Pre-norm layers with a final layer norm (large models) instead of post-norm layers.
    pub do_stable_layer_norm: bool,
    /// Relative-position buckets (WavLM).
    pub num_buckets: usize,
    /// Distance beyond which relative positions share a bucket (WavLM).
    pub max_bucket_distance: usize,
    /// Whether the feature projection starts with a layer norm (always for
    /// WavLM and wav2vec2, configurable for HuBERT).
    pub feat_proj_layer_norm: bool,
}

impl EncoderConfig {
    /// Reads and checks `path` (a `config.json`).
    pub fn load(path: &Path) -> Result<Self, LearnError> {
        let fail = |reason: String| LearnError::Io {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(format!("cannot read the encoder configuration: {e}")))?;
        let raw: RawConfig = serde_json::from_str(&text)
            .map_err(|e| fail(format!("not a transformers config.json: {e}")))?;
        Self::from_raw(raw).map_err(fail)
    }

    fn from_raw(raw: RawConfig) -> Result<Self, String> {
        let model_type = raw
            .model_type
            .ok_or_else(|| format!("no `model_type`; emoshift reads {}", Architecture::NAMES))?;
        let architecture = Architecture::from_model_type(&model_type).ok_or_else(|| {
            format!(
                "unknown model_type `{model_type}`; emoshift reads {}",
                Architecture::NAMES
            )
        })?;
        let activation = |key: &str, name: &str| {
            Activation::from_name(name).ok_or_else(|| {
                format!("`{key}` = `{name}` is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish)")
            })
        };
        let feat_extract_norm = match raw.feat_extract_norm.as_str() {
            "group" => FeatureNorm::Group,
            "layer" => FeatureNorm::Layer,
            other => {
                return Err(format!(
                    "`feat_extract_norm` = `{other}`; allowed values are `group`, `layer`"
                ))
            }
        };
        if raw.conv_dim.is_empty()
            || raw.conv_dim.len() != raw.conv_kernel.len()
            || raw.conv_dim.len() != raw.conv_stride.len()
        {
            return Err(format!(
                "`conv_dim`, `conv_kernel` and `conv_stride` need the same non-zero length (found {}, {}, {})",
                raw.conv_dim.len(),
                raw.conv_kernel.len(),
                raw.conv_stride.len()
            ));
        }
        let conv: Vec<ConvSpec> = raw
            .conv_dim
            .iter()
            .zip(&raw.conv_kernel)
            .zip(&raw.conv_stride)
            .map(|((&channels, &kernel), &stride)| ConvSpec {
                channels,
                kernel,
                stride,
            })
            .collect();
        if conv
            .iter()
            .any(|c| c.channels == 0 || c.kernel == 0 || c.stride == 0)
        {
            return Err("`conv_dim`, `conv_kernel` and `conv_stride` must be positive".into());
        }
        let positive = [
            ("hidden_size", raw.hidden_size),
            ("num_hidden_layers", raw.num_hidden_layers),
            ("num_attention_heads", raw.num_attention_heads),
            ("intermediate_size", raw.intermediate_size),
            ("num_conv_pos_embeddings", raw.num_conv_pos_embeddings),
            (
                "num_conv_pos_embedding_groups",
                raw.num_conv_pos_embedding_groups,
            ),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("`{key}` must be positive"));
        }
        if raw.hidden_size % raw.num_attention_heads != 0 {
            return Err(format!(
                "`hidden_size` {} is not divisible by `num_attention_heads` {}",
                raw.hidden_size, raw.num_attention_heads
            ));
        }
        if raw.hidden_size % raw.num_conv_pos_embedding_groups != 0 {
            return Err(format!(
                "`hidden_size` {} is not divisible by `num_conv_pos_embedding_groups` {}",
                raw.hidden_size, raw.num_conv_pos_embedding_groups
            ));
        }
        if architecture == Architecture::WavLm
            && (raw.num_buckets < 4 || raw.max_bucket_distance < raw.num_buckets / 4)
        {
            return Err(format!(
                "`num_buckets` {} and `max_bucket_distance` {} do not describe WavLM's relative positions (at least 4 buckets, a distance of at least a quarter of them)",
                raw.num_buckets, raw.max_bucket_distance
            ));
        }
        if raw.conv_pos_batch_norm {
            return Err("`conv_pos_batch_norm` = true (a batch-normalised positional convolution) is not supported".into());
        }
        if let Some(dim) = raw.adapter_attn_dim {
            return Err(format!(
                "`adapter_attn_dim` = {dim}: attention adapters (MMS) are not supported"
            ));
        }
        Ok(Self {
            architecture,
            hidden_size: raw.hidden_size,
            num_layers: raw.num_hidden_layers,
            num_heads: raw.num_attention_heads,
            intermediate_size: raw.intermediate_size,
            hidden_act: activation("hidden_act", &raw.hidden_act)?,
            layer_norm_eps: raw.layer_norm_eps,
            feat_extract_norm,
            feat_extract_activation: activation(
                "feat_extract_activation",
                &raw.feat_extract_activation,
            )?,
            conv,
            conv_bias: raw.conv_bias,
            num_conv_pos_embeddings: raw.num_conv_pos_embeddings,
            num_conv_pos_embedding_groups: raw.num_conv_pos_embedding_groups,
            do_stable_layer_norm: raw.do_stable_layer_norm,
            num_buckets: raw.num_buckets,
            max_bucket_distance: raw.max_bucket_distance,
            feat_proj_layer_norm: architecture != Architecture::Hubert || raw.feat_proj_layer_norm,
        })
    }
}

/// `preprocessor_config.json` (a `Wav2Vec2FeatureExtractor`); only the keys used here.
#[derive(Debug, Clone, Deserialize)]
struct RawPreprocessor {
    #[serde(default = "d_true")]
    do_normalize: bool,
    #[serde(default = "d_sampling_rate")]
    sampling_rate: u32,
}

fn d_sampling_rate() -> u32 {
    16_000
}

/// How raw samples are prepared before the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preprocessing {
    /// Standardise each input to zero mean and unit variance.
    pub do_normalize: bool,
    /// The sample rate the model expects.
    pub sampling_rate: u32,
}

impl Preprocessing {
    /// Reads `path` if it exists; without the file, `Wav2Vec2FeatureExtractor`'s
    /// defaults apply (normalise, 16 kHz).
    pub fn load_or_default(path: &Path) -> Result<Self, LearnError> {
        let fail = |reason: String| LearnError::Io {
            path: path.to_path_buf(),
            reason,
        };
        let raw: RawPreprocessor = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| fail(format!("not a feature-extractor configuration: {e}")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RawPreprocessor {
                do_normalize: true,
                sampling_rate: d_sampling_rate(),
            },
            Err(e) => return Err(fail(format!("cannot read: {e}"))),
        };
        if raw.sampling_rate != d_sampling_rate() {
            return Err(fail(format!(
                "`sampling_rate` = {}: the encoders run on 16000 Hz audio",
                raw.sampling_rate
            )));
        }
        Ok(Self {
            do_normalize: raw.do_normalize,
            sampling_rate: raw.sampling_rate,
        })
    }
}
