//! Every experiment file in `examples/` runs at a tiny size (one trial, a
//! few steps, the first task of each protocol, a narrow network) on the
//! synthetic corpora, and every method in it shows each of its
//! characteristic loss terms at work (`MethodConfig::characteristic_terms`):
//! a method that silently lost an ingredient fails here.
//!
//! MSP-Improv and MSP-Podcast have no synthetic twin; a manifest presents
//! synthetic CREMA-D and RAVDESS files under their names (MSP-Podcast with
//! its Train / Development / Test1 partition) so the protocols that need
//! them run too.

mod common;

use std::path::{Path, PathBuf};

use common::{check, emoshift};
use emoshift_corpus::{Manifest, Utterance};
use emoshift_learn::methods::MethodConfig;

/// Synthetic corpora plus the stand-in manifest; returns (corpora, manifest).
fn data(dir: &Path) -> (PathBuf, PathBuf) {
    let corpora = dir.join("data");
    check(
        emoshift()
            .args(["synth", "--seed", "3", "--scale", "0.5", "--out"])
            .arg(&corpora)
            .args(["--corpus", "iemocap,ravdess,savee,crema_d,emodb,tess"])
            .output()
            .unwrap(),
        "synth",
    );
    let scan = dir.join("scan.jsonl");
    check(
        emoshift()
            .args(["corpora", "scan"])
            .arg(&corpora)
            .arg("--manifest")
            .arg(&scan)
            .output()
            .unwrap(),
        "scan",
    );
    let scanned = Manifest::read(&scan).unwrap().utterances;
    let stand_in = |from: &str, name: &str| -> Vec<Utterance> {
        scanned
            .iter()
            .filter(|u| u.corpus == from)
            .map(|u| {
                let mut v = u.clone();
                v.corpus = name.to_string();
                v.id = format!("{name}-{}", u.id);
                v
            })
            .collect()
    };
    let mut utterances = stand_in("crema_d", "msp_improv");
    let mut speakers: Vec<String> = Vec::new();
    for mut u in stand_in("ravdess", "msp_podcast") {
        if !speakers.contains(&u.speaker) {
            speakers.push(u.speaker.clone());
        }
        let k = speakers.iter().position(|s| s == &u.speaker).unwrap();
        let part = ["Train", "Train", "Development", "Test1"][k % 4];
        u.extra.insert("split".into(), part.into());
        utterances.push(u);
    }
    let manifest = dir.join("stand-ins.jsonl");
    Manifest::new(utterances).write(&manifest).unwrap();
    (corpora, manifest)
}

/// The example at `path`, shrunk to a tiny run writing under `dir`, with
/// features cached in `cache` (shared by the examples).
fn tiny(path: &Path, dir: &Path, cache: &Path, corpora: &Path, manifest: &Path) -> toml::Table {
    let mut exp: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let set = |t: &mut toml::Table, k: &str, v: toml::Value| {
        t.insert(k.to_string(), v);
    };
    set(&mut exp, "trials", 1.into());
    set(&mut exp, "threads", 1.into());
    set(&mut exp, "scrambled_labels", false.into());
    set(
        &mut exp,
        "out_dir",
        dir.join("runs").display().to_string().into(),
    );
    set(&mut exp, "cache_dir", cache.display().to_string().into());
    let mut data = exp["data"].as_table().unwrap().clone();
    set(
        &mut data,
        "roots",
        vec![corpora.display().to_string()].into(),
    );
    set(
        &mut data,
        "manifests",
        vec![manifest.display().to_string()].into(),
    );
    set(&mut exp, "data", data.into());
    let mut features = exp["features"].as_table().unwrap().clone();
    // Long enough for VGG-16's five pools, short enough to stay cheap.
    let crop = features["crop_seconds"].as_float().unwrap().min(0.75);
    set(&mut features, "crop_seconds", crop.into());
    if features.contains_key("encoder") {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../emoshift-learn/tests/fixtures/encoders/wavlm_base");
        set(
            &mut features,
            "encoder",
            fixture.display().to_string().into(),
        );
        features.remove("encoder_layer");
    }
    set(&mut exp, "features", features.into());
    let mut model = exp["model"].as_table().unwrap().clone();
    if model.contains_key("width")
        || ["resnet18", "vgg16"].contains(&model["name"].as_str().unwrap())
    {
        set(&mut model, "width", 0.0625.into());
    }
    if model["name"].as_str() == Some("cnn_blstm") {
        set(&mut model, "channels", vec![4, 8, 8].into());
        set(&mut model, "hidden", 8.into());
    }
    set(&mut exp, "model", model.into());
    let mut train = exp
        .get("train")
        .and_then(|t| t.as_table())
        .cloned()
        .unwrap_or_default();
    for (k, v) in [
        ("steps", 4),
        ("batch_size", 4),
        ("eval_every", 4),
        ("patience", 0),
    ] {
        set(&mut train, k, v.into());
    }
    set(&mut exp, "train", train.into());
    let methods = exp["methods"].as_array().unwrap().clone();
    let methods: Vec<toml::Value> = methods
        .into_iter()
        .map(|m| {
            let mut m = m.as_table().unwrap().clone();
            for key in ["source_steps"] {
                if m.contains_key(key) {
                    set(&mut m, key, 2.into());
                }
            }
            m.into()
        })
        .collect();
    set(&mut exp, "methods", methods.into());
    exp
}

/// Each method entry's label and configuration.
fn methods(exp: &toml::Table) -> Vec<(String, MethodConfig)> {
    exp["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let mut m = m.as_table().unwrap().clone();
            let label = m.remove("label").map(|l| l.as_str().unwrap().to_string());
            // The entry's own normalisation is the engine's, not the method's.
            m.remove("normalization");
            let cfg: MethodConfig = toml::Value::Table(m).try_into().unwrap();
            (label.unwrap_or_else(|| cfg.name().to_string()), cfg)
        })
        .collect()
}

/// The first task of each protocol the example names (among its
/// `protocol.only` tasks when it lists some).
fn first_tasks(exp: &toml::Table) -> Vec<String> {
    let protocol = exp["protocol"].as_table().unwrap();
    let names: Vec<&str> = match &protocol["name"] {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(a) => a.iter().map(|v| v.as_str().unwrap()).collect(),
        other => panic!("protocol name {other}"),
    };
    let only: Vec<&str> = protocol
        .get("only")
        .and_then(|o| o.as_array())
        .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    names
        .iter()
        .map(|n| {
            emoshift_corpus::Protocol::by_name(n)
                .unwrap()
                .tasks
                .into_iter()
                .map(|t| t.name)
                .find(|t| only.is_empty() || only.contains(&t.as_str()))
                .unwrap()
        })
        .collect()
}

#[test]
fn every_example_runs_and_every_ingredient_of_its_methods_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let (corpora, manifest) = data(dir.path());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let work = dir.path().join(&name);
        std::fs::create_dir_all(&work).unwrap();
        let mut exp = tiny(&path, &work, &dir.path().join("cache"), &corpora, &manifest);
        let only = first_tasks(&exp);
        let mut protocol = exp["protocol"].as_table().unwrap().clone();
        protocol.insert("only".into(), only.clone().into());
        exp.insert("protocol".into(), protocol.into());
        let file = work.join("exp.toml");
        std::fs::write(&file, toml::to_string(&exp).unwrap()).unwrap();
        let plan = check(
            emoshift()
                .arg("run")
                .arg(&file)
                .arg("--dry-run")
                .output()
                .unwrap(),
            &format!("dry run of {name}"),
        );
        let listed = String::from_utf8_lossy(&plan.stdout).to_string();
        assert!(
            listed.contains(&only[0]) && listed.contains(" new,"),
            "{name}: {listed}"
        );
        check(
            emoshift().arg("run").arg(&file).output().unwrap(),
            &format!("example {name}"),
        );
        let run_name = exp["name"].as_str().unwrap();
        let trials = work.join("runs").join(run_name).join("trials");
        for (label, cfg) in methods(&exp) {
            let records: Vec<serde_json::Value> = walk_json(&trials)
                .into_iter()
                .filter(|(file, _)| file.starts_with(&format!("{label}__trial")))
                .map(|(_, v)| v)
                .collect();
            assert!(
                !records.is_empty(),
                "{name}: no record of {label} (tasks {only:?})"
            );
            for r in &records {
                for term in cfg.characteristic_terms() {
                    let values = r["loss_terms"][&term].as_array().unwrap_or_else(|| {
                        panic!("{name}: {label} logged no `{term}`: {}", r["loss_terms"])
                    });
                    assert!(
                        values.iter().any(|p| p[1].as_f64().unwrap().abs() > 0.0),
                        "{name}: {label}'s `{term}` stayed 0"
                    );
                }
            }
        }
    }
}

/// Every JSON file under `dir` (one level of task folders), by file name.
fn walk_json(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(task.unwrap().path()).unwrap() {
            let f = f.unwrap().path();
            let text = std::fs::read_to_string(&f).unwrap();
            out.push((
                f.file_name().unwrap().to_string_lossy().to_string(),
                serde_json::from_str(&text).unwrap(),
            ));
        }
    }
    out
}
