//! Pretrained-encoder features end to end, with the tiny WavLM fixture of
//! emoshift-learn's parity tests standing in for a downloaded model: an
//! experiment trains the embedding probe on the encoder's hidden states,
//! `features extract --encoder` fills the cache, `predict` computes the same
//! embeddings for new files, and a model whose encoder weights changed is
//! refused.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{check, emoshift};

/// A copy of the tiny WavLM fixture (so the test may change its weights).
fn encoder_copy(dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../emoshift-learn/tests/fixtures/encoders/wavlm_base");
    let copy = dir.join("wavlm_tiny");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    copy
}

#[test]
fn the_probe_trains_on_encoder_states_and_predict_recomputes_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let encoder = encoder_copy(root);
    let data = root.join("data");
    check(
        emoshift()
            .args(["synth", "--seed", "3", "--scale", "0.2"])
            .args(["--corpus", "ravdess", "--corpus", "emodb", "--out"])
            .arg(&data)
            .output()
            .unwrap(),
        "synth",
    );
    let exp = root.join("probe.toml");
    std::fs::write(
        &exp,
        format!(
            r#"
name = "probe"
seed = 2
trials = 1
threads = 1
out_dir = "{runs}"
cache_dir = "{cache}"

[data]
roots = ["{data}"]

[features]
encoder = "{encoder}"
encoder_layer = 1
crop_seconds = 0.5

[model]
name = "mlp"
hidden = [16]

[protocol]
name = "loco:ravdess,emodb@common4"
only = ["emodb"]

[train]
steps = 6
batch_size = 8
eval_every = 3
class_balanced = true

[[methods]]
name = "probe"
"#,
            runs = root.join("runs").display(),
            cache = root.join("cache").display(),
            data = data.display(),
            encoder = encoder.display(),
        ),
    )
    .unwrap();
    check(emoshift().arg("run").arg(&exp).output().unwrap(), "run");

    let run_dir = root.join("runs/probe");
    let metrics: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("metrics.json")).unwrap())
            .unwrap();
    let trials = metrics["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 1);
    let accuracy = trials[0]["targets"]["emodb"]["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy), "accuracy {accuracy}");
    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(
        report.contains(r"wavlm\_tiny"),
        "the report names the encoder"
    );
    let cached: Vec<String> = std::fs::read_dir(root.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        cached.iter().any(|n| n.starts_with("encoder-")),
        "cache folders: {cached:?}"
    );

    // The CLI extraction fills a cache the same way.
    let extracted = root.join("extracted");
    let out = check(
        emoshift()
            .args(["features", "extract"])
            .arg(data.join("EmoDB"))
            .arg("--encoder")
            .arg(&encoder)
            .args(["--layer", "1", "--cache"])
            .arg(&extracted)
            .output()
            .unwrap(),
        "features extract --encoder",
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("layer 1 of the encoder"));
    let folders: Vec<String> = std::fs::read_dir(&extracted)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        folders.iter().all(|f| cached.contains(f)),
        "extract wrote {folders:?}, the run {cached:?}"
    );

    // Predict recomputes the embeddings for a file.
    let model = run_dir.join("models/emodb/probe__trial0");
    let file = std::fs::read_dir(data.join("EmoDB/wav"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let out = check(
        emoshift()
            .arg("predict")
            .arg(&model)
            .arg(&file)
            .args(["--format", "json"])
            .output()
            .unwrap(),
        "predict",
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let probs: Vec<f64> = v["predictions"][0]["probs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .collect();
    assert_eq!(probs.len(), 4);
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-4);

    // Other weights in the encoder folder: predict refuses and says why.
    let other = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../emoshift-learn/tests/fixtures/encoders/wavlm_large/model.safetensors");
    std::fs::copy(other, encoder.join("model.safetensors")).unwrap();
    let out = emoshift()
        .arg("predict")
        .arg(&model)
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("weights changed"), "{stderr}");
}

#[test]
fn preset_and_encoder_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("both.toml");
    std::fs::write(
        &exp,
        r#"
name = "both"
[data]
roots = ["data"]
[features]
preset = "da_mldg"
encoder = "wavlm"
crop_seconds = 1.0
[model]
name = "mlp"
[protocol]
name = "loco:ravdess,emodb"
[[methods]]
name = "probe"
"#,
    )
    .unwrap();
    let out = emoshift().arg("run").arg(&exp).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`features.preset` and `features.encoder`"),
        "{stderr}"
    );
}
