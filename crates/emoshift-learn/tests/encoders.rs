//! Pretrained speech encoders: parity with Hugging Face transformers and
//! error handling.
//!
//! The fixtures (`scripts/gen_encoder_fixtures.py`, transformers 5.23.0 on
//! torch 2.13.0) are tiny randomly initialised WavLM, wav2vec2 and HuBERT
//! model folders, base and large style, with an input waveform and every
//! hidden state transformers returns for it. Tolerance: every value of every
//! hidden state within `1e-4 + 1e-4·|reference|` (float32 on both sides).

use std::path::{Path, PathBuf};

use emoshift_learn::checkpoint;
use emoshift_learn::encoders::{Architecture, Pooling, SpeechEncoder};
use emoshift_learn::LearnError;
use tch::{Device, Kind, Tensor};

/// Absolute and relative tolerance of the parity checks.
const TOL: f64 = 1e-4;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoders")
}

fn load(name: &str) -> SpeechEncoder {
    SpeechEncoder::load(&fixtures().join(name), Device::Cpu)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The reference input and hidden states of fixture `name`.
fn reference(name: &str) -> (Vec<f32>, Vec<Tensor>) {
    let (tensors, _) =
        checkpoint::load(&fixtures().join(format!("{name}.reference.safetensors"))).unwrap();
    let get = |key: &str| {
        tensors
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, t)| t.shallow_clone())
            .unwrap_or_else(|| panic!("{name}: no `{key}` in the reference"))
    };
    let input = Vec::<f32>::try_from(get("input")).unwrap();
    let count = tensors
        .iter()
        .filter(|(n, _)| n.starts_with("hidden_states."))
        .count();
    let states = (0..count)
        .map(|i| get(&format!("hidden_states.{i}")))
        .collect();
    (input, states)
}

/// Largest `|a − b| − TOL·|b|` over all values (≤ TOL passes).
fn excess(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    let diff = (a - b).abs() - b.abs() * TOL;
    diff.max().double_value(&[])
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

fn check_parity(name: &str, architecture: Architecture) {
    let encoder = load(name);
    assert_eq!(encoder.config().architecture, architecture);
    let (input, expected) = reference(name);
    let states = encoder.hidden_states(&input).unwrap();
    assert_eq!(states.len(), encoder.num_layers() + 1, "{name}");
    assert_eq!(states.len(), expected.len(), "{name}");
    for (i, (got, want)) in states.iter().zip(&expected).enumerate() {
        let e = excess(got, want);
        assert!(
            e <= TOL,
            "{name}: hidden state {i} differs by up to {:.3e} (max |diff|)",
            max_abs_diff(got, want)
        );
    }
}

#[test]
fn wavlm_base_matches_transformers() {
    check_parity("wavlm_base", Architecture::WavLm);
}

#[test]
fn wavlm_large_matches_transformers() {
    check_parity("wavlm_large", Architecture::WavLm);
}

#[test]
fn wav2vec2_base_matches_transformers() {
    check_parity("wav2vec2_base", Architecture::Wav2Vec2);
}

#[test]
fn hubert_large_matches_transformers() {
    check_parity("hubert_large", Architecture::Hubert);
}

#[test]
fn embed_pools_the_chosen_layer() {
    let encoder = load("wavlm_base");
    let (input, expected) = reference("wavlm_base");
    let frames = encoder.embed(&input, Some(1), Pooling::Frames).unwrap();
    assert_eq!(
        (frames.n_bins, frames.n_frames),
        (encoder.hidden_size(), encoder.frames_for(input.len()))
    );
    let got = Tensor::from_slice(&frames.to_frame_major())
        .view([frames.n_frames as i64, frames.n_bins as i64]);
    assert!(excess(&got, &expected[1]) <= TOL);
    let mean = encoder.embed(&input, None, Pooling::Mean).unwrap();
    assert_eq!((mean.n_bins, mean.n_frames), (encoder.hidden_size(), 1));
    let want = expected[2].mean_dim(&[0i64][..], false, Kind::Float);
    assert!(excess(&Tensor::from_slice(&mean.data), &want) <= TOL);
    let err = encoder.embed(&input, Some(3), Pooling::Mean).unwrap_err();
    assert!(err.to_string().contains("encoder_layer"), "{err}");
}

#[test]
fn input_normalisation_follows_the_preprocessor_config() {
    let (input, _) = reference("wav2vec2_base");
    let louder: Vec<f32> = input.iter().map(|v| 3.0 * v).collect();
    let normalising = load("wav2vec2_base");
    assert!(normalising.normalizes_input());
    let a = normalising.layer(&input, 2).unwrap();
    let b = normalising.layer(&louder, 2).unwrap();
    assert!(
        max_abs_diff(&a, &b) < 1e-4,
        "standardised input is gain-invariant"
    );
    let raw = load("hubert_large");
    assert!(!raw.normalizes_input());
    let a = raw.layer(&input, 2).unwrap();
    let b = raw.layer(&louder, 2).unwrap();
    assert!(max_abs_diff(&a, &b) > 1e-2, "raw input is not rescaled");
}

#[test]
fn long_inputs_are_encoded_window_by_window() {
    // hubert_large does not standardise its input, so each window can be
    // checked against encoding its samples alone.
    let encoder = load("hubert_large").with_chunk_seconds(0.02);
    let n = 2_500;
    let samples: Vec<f32> = (0..n)
        .map(|i| (0.05 * i as f64).sin() as f32 * 0.4 + (0.013 * i as f64).cos() as f32 * 0.1)
        .collect();
    let chunks = encoder.chunks(n);
    assert!(chunks.len() > 1, "the test needs several windows");
    let states = encoder.hidden_states(&samples).unwrap();
    assert_eq!(states[0].size()[0] as usize, encoder.frames_for(n));
    let whole = load("hubert_large");
    for chunk in &chunks {
        let alone = whole
            .hidden_states(&samples[chunk.samples.clone()])
            .unwrap();
        for (l, part) in alone.iter().enumerate() {
            let window = states[l].narrow(0, chunk.frames.start as i64, chunk.frames.len() as i64);
            assert!(
                max_abs_diff(&window, part) < 1e-5,
                "layer {l}, frames {:?}",
                chunk.frames
            );
        }
    }
    // An input within one window (0.02 s = 16 frames of this tiny model's
    // 20-sample stride) is encoded whole, exactly as without windows.
    let short = &samples[..300];
    assert_eq!(encoder.chunks(short.len()).len(), 1);
    let a = whole.hidden_states(short).unwrap();
    let b = encoder.hidden_states(short).unwrap();
    assert_eq!(max_abs_diff(&a[2], &b[2]), 0.0);
}

#[test]
fn too_short_or_non_finite_input_is_an_error() {
    let encoder = load("wav2vec2_base");
    let err = encoder.hidden_states(&[0.1; 20]).unwrap_err();
    assert!(matches!(err, LearnError::Data(_)), "{err}");
    assert!(err.to_string().contains("40"), "{err}");
    let mut samples = vec![0.1f32; 500];
    samples[7] = f32::NAN;
    let err = encoder.hidden_states(&samples).unwrap_err();
    assert!(err.to_string().contains("sample 7"), "{err}");
}

/// A copy of fixture `name` in a temporary folder, for breaking it.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures().join(name)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// Rewrites `model.safetensors` in `dir` through `edit`.
fn edit_weights(dir: &Path, edit: impl FnOnce(&mut Vec<(String, Tensor)>)) {
    let path = dir.join("model.safetensors");
    let (mut tensors, meta) = checkpoint::load(&path).unwrap();
    edit(&mut tensors);
    checkpoint::save(&path, &tensors, &meta).unwrap();
}

#[test]
fn a_missing_tensor_is_named_with_its_shape() {
    let dir = copy_fixture("wav2vec2_base");
    edit_weights(dir.path(), |t| {
        t.retain(|(n, _)| n != "encoder.layers.1.feed_forward.output_dense.weight")
    });
    let err = SpeechEncoder::load(dir.path(), Device::Cpu).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LearnError::Checkpoint { .. }), "{msg}");
    assert!(
        msg.contains("model.safetensors")
            && msg.contains("encoder.layers.1.feed_forward.output_dense.weight")
            && msg.contains("[16, 24]")
            && msg.contains("missing"),
        "{msg}"
    );
}

#[test]
fn a_mis_shaped_tensor_is_named_with_both_shapes() {
    let dir = copy_fixture("wavlm_base");
    edit_weights(dir.path(), |t| {
        for (name, tensor) in t.iter_mut() {
            if name == "wavlm.encoder.layers.0.attention.q_proj.weight" {
                *tensor = Tensor::zeros([16, 8], (Kind::Float, Device::Cpu));
            }
        }
    });
    let msg = SpeechEncoder::load(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("model.safetensors")
            && msg.contains("encoder.layers.0.attention.q_proj.weight")
            && msg.contains("[16, 8]")
            && msg.contains("expected [16, 16]"),
        "{msg}"
    );
}

#[test]
fn a_missing_weight_norm_pair_names_both_layouts() {
    let dir = copy_fixture("wav2vec2_base");
    edit_weights(dir.path(), |t| {
        t.retain(|(n, _)| !n.contains("parametrizations"))
    });
    let msg = SpeechEncoder::load(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("encoder.pos_conv_embed.conv.weight_g")
            && msg.contains("parametrizations.weight.original0"),
        "{msg}"
    );
}

#[test]
fn an_unknown_model_type_is_named_with_the_file() {
    let dir = copy_fixture("hubert_large");
    let config = dir.path().join("config.json");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("\"model_type\": \"hubert\"", "\"model_type\": \"whisper\"");
    std::fs::write(&config, text).unwrap();
    let msg = SpeechEncoder::load(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("config.json")
            && msg.contains("whisper")
            && msg.contains("wavlm, wav2vec2, hubert"),
        "{msg}"
    );
}

#[test]
fn a_folder_without_config_is_refused() {
    let dir = copy_fixture("hubert_large");
    std::fs::remove_file(dir.path().join("config.json")).unwrap();
    let msg = SpeechEncoder::load(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("config.json") && msg.contains("missing"),
        "{msg}"
    );
    let msg = SpeechEncoder::load(&dir.path().join("nope"), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("nope") && msg.contains("not a folder"),
        "{msg}"
    );
}

#[test]
fn without_a_preprocessor_config_the_input_is_standardised() {
    let dir = copy_fixture("hubert_large");
    std::fs::remove_file(dir.path().join("preprocessor_config.json")).unwrap();
    let encoder = SpeechEncoder::load(dir.path(), Device::Cpu).unwrap();
    assert!(encoder.normalizes_input());
    assert_eq!(encoder.sample_rate(), 16_000);
}
