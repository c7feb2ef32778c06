"""Parity fixtures for emoshift-learn's pretrained speech encoders.

Builds TINY randomly initialised WavLM, wav2vec2 and HuBERT models with
Hugging Face transformers (constructed from a config: nothing is downloaded),
perturbs every parameter so that no layer is close to the identity, and saves
each one as the model folder a user would bring (config.json,
model.safetensors, preprocessor_config.json) beside a reference file holding
an input waveform and every hidden state transformers returns for it
(`output_hidden_states=True`, after the feature extractor's normalisation).
In transformers 5 the last hidden state of a stable-layer-norm model is the
last layer's output before the encoder's final layer norm.

The variants cover what the Rust implementation distinguishes:
- wavlm_base: WavLM, group-norm feature encoder, post-norm layers; weights
  stored with the `wavlm.` prefix of a task model and the positional
  convolution's weight norm as `weight_g`/`weight_v` (the older layout);
- wavlm_large: WavLM, layer-norm feature encoder with conv bias, stable
  layer norm (pre-norm layers, as WavLM Large);
- wav2vec2_base: wav2vec2, group norm, post-norm, an even positional kernel,
  weight norm as `parametrizations.weight.original0/1` (as saved today);
- hubert_large: HuBERT, layer norm, stable layer norm, no feature-projection
  layer norm, an odd positional kernel, `hubert.` prefix, no input
  normalisation (`do_normalize` false).

Run: .venv/bin/python scripts/gen_encoder_fixtures.py
Writes crates/emoshift-learn/tests/fixtures/encoders/<name>/ and <name>.reference.safetensors.
"""

import json
from pathlib import Path

import numpy as np
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (
    HubertConfig,
    HubertModel,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2Model,
    WavLMConfig,
    WavLMModel,
)

OUT = Path(__file__).resolve().parent.parent / "crates/emoshift-learn/tests/fixtures/encoders"
SAMPLES = 640

COMMON = dict(
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=24,
    conv_dim=(8, 8, 16),
    conv_kernel=(10, 3, 3),
    conv_stride=(5, 2, 2),
    num_conv_pos_embedding_groups=4,
    hidden_dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    feat_proj_dropout=0.0,
    final_dropout=0.0,
    layerdrop=0.0,
    mask_time_prob=0.0,
    vocab_size=4,
)

VARIANTS = {
    "wavlm_base": dict(
        model=(WavLMConfig, WavLMModel),
        config=dict(
            feat_extract_norm="group",
            do_stable_layer_norm=False,
            conv_bias=False,
            num_conv_pos_embeddings=8,
            num_buckets=16,
            max_bucket_distance=24,
        ),
        prefix="wavlm.",
        weight_norm_names="g_v",
        do_normalize=True,
        seed=11,
    ),
    "wavlm_large": dict(
        model=(WavLMConfig, WavLMModel),
        config=dict(
            feat_extract_norm="layer",
            do_stable_layer_norm=True,
            conv_bias=True,
            num_conv_pos_embeddings=8,
            num_buckets=16,
            max_bucket_distance=24,
        ),
        prefix="",
        weight_norm_names="parametrizations",
        do_normalize=True,
        seed=12,
    ),
    "wav2vec2_base": dict(
        model=(Wav2Vec2Config, Wav2Vec2Model),
        config=dict(
            feat_extract_norm="group",
            do_stable_layer_norm=False,
            conv_bias=False,
            num_conv_pos_embeddings=8,
        ),
        prefix="",
        weight_norm_names="parametrizations",
        do_normalize=True,
        seed=13,
    ),
    "hubert_large": dict(
        model=(HubertConfig, HubertModel),
        config=dict(
            feat_extract_norm="layer",
            do_stable_layer_norm=True,
            conv_bias=True,
            feat_proj_layer_norm=False,
            num_conv_pos_embeddings=5,
        ),
        prefix="hubert.",
        weight_norm_names="g_v",
        do_normalize=False,
        seed=14,
    ),
}


def perturb(model, seed):
    """Adds noise to every parameter so that layer norms, gates and biases all matter."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 0.5 if "rel_attn_embed" in name else 0.25
            p.add_(torch.randn(p.shape, generator=gen) * scale)


def rename(tensors, prefix, weight_norm_names):
    """The state dict under the names a checkpoint of this layout uses."""
    out = {}
    for name, t in tensors.items():
        if weight_norm_names == "g_v":
            name = name.replace("parametrizations.weight.original0", "weight_g")
            name = name.replace("parametrizations.weight.original1", "weight_v")
        out[prefix + name] = t.contiguous()
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, v in VARIANTS.items():
        torch.manual_seed(v["seed"])
        config_cls, model_cls = v["model"]
        config = config_cls(**COMMON, **v["config"])
        model = model_cls(config).eval()
        perturb(model, v["seed"])
        folder = OUT / name
        folder.mkdir(exist_ok=True)
        model.save_pretrained(folder, safe_serialization=True)
        saved = load_file(folder / "model.safetensors")
        # Reload what was saved to make sure the reference comes from those exact weights.
        reloaded = model_cls.from_pretrained(folder).eval()
        save_file(rename(saved, v["prefix"], v["weight_norm_names"]), folder / "model.safetensors")
        extractor = Wav2Vec2FeatureExtractor(
            feature_size=1,
            sampling_rate=16000,
            padding_value=0.0,
            do_normalize=v["do_normalize"],
            return_attention_mask=False,
        )
        extractor.save_pretrained(folder)
        rng = np.random.default_rng(v["seed"])
        t = np.arange(SAMPLES) / 16000.0
        wave = (0.3 * np.sin(2 * np.pi * 220.0 * t) + 0.1 * rng.standard_normal(SAMPLES) + 0.05).astype(np.float32)
        inputs = extractor(wave, sampling_rate=16000, return_tensors="pt")
        with torch.no_grad():
            out = reloaded(inputs["input_values"], output_hidden_states=True)
        reference = {"input": torch.from_numpy(wave)}
        for i, h in enumerate(out.hidden_states):
            reference[f"hidden_states.{i}"] = h[0].contiguous()
        save_file(reference, OUT / f"{name}.reference.safetensors", metadata={"transformers": transformers.__version__})
        cfg = json.loads((folder / "config.json").read_text())
        print(
            f"{name}: {cfg['model_type']}, {len(out.hidden_states)} hidden states of "
            f"{tuple(out.hidden_states[0].shape)}; tensors: {sorted(saved)[:3]}..."
        )


if __name__ == "__main__":
    main()
