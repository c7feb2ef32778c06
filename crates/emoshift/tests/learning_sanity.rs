//! Learning sanity on the built-in synthetic corpora with fixed seeds: a
//! model learns within a corpus well above chance, and a model trained on
//! three corpora is above chance on the fourth, unseen one.

use std::process::Command;

use serde_json::Value;

#[test]
fn learns_within_a_corpus_and_transfers_partly_to_an_unseen_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_emoshift");
    let out = Command::new(bin)
        .args(["synth", "--seed", "11", "--scale", "0.5", "--out"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let exp = dir.path().join("sanity.toml");
    std::fs::write(
        &exp,
        format!(
            r#"
name = "sanity"
seed = 1
trials = 1
threads = 2
out_dir = "{runs}"
cache_dir = "{cache}"

[data]
roots = ["{data}"]

[features]
preset = "da_mldg"
crop_seconds = 1.0

[model]
name = "mlp"
hidden = [128, 256]

[protocol]
name = ["matrix:crema_d@common4", "loco:ravdess,crema_d,tess,emodb@common4"]
only = ["crema_d->all", "emodb"]

[train]
steps = 150
batch_size = 16
eval_every = 50
patience = 0

[[methods]]
name = "erm"
"#,
            runs = dir.path().join("runs").display(),
            cache = dir.path().join("cache").display(),
            data = data.display(),
        ),
    )
    .unwrap();
    let out = Command::new(bin).arg("run").arg(&exp).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metrics: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("runs/sanity/metrics.json")).unwrap(),
    )
    .unwrap();
    let accuracy = |task: &str, target: &str| -> f64 {
        metrics["trials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == task)
            .unwrap()["targets"][target]["accuracy"]
            .as_f64()
            .unwrap()
    };
    let chance = 0.25;
    let within = accuracy("crema_d->all", "crema_d");
    let unseen = accuracy("emodb", "emodb");
    println!("within-corpus accuracy {within:.3}, unseen-corpus accuracy {unseen:.3}");
    assert!(
        within >= 0.5,
        "within-corpus accuracy {within} is not well above chance {chance}"
    );
    assert!(
        unseen >= 0.35,
        "unseen-corpus accuracy {unseen} is not above chance {chance}"
    );
}
