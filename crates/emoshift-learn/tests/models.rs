//! Model tests: forward parity with PyTorch (fixtures from
//! `scripts/gen_model_fixtures.py`), names and parameter counts like
//! torchvision, output shapes, gradients, the spec parser and strict
//! weight loading.

use std::path::Path;

use emoshift_learn::models::{self, ModelSpec};
use emoshift_learn::LearnError;
use serde_json::Value;
use tch::{Device, Kind, Tensor};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/models.json");
/// Agreement asked of every output: absolute plus relative, float32 paths.
const TOL: f64 = 1e-4;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture present"))
        .expect("valid JSON")
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The generator's formula for the `index`-th state tensor (see the script).
fn formula(index: usize, shape: &[i64], kind: &str) -> Tensor {
    let n: i64 = shape.iter().product();
    if kind == "num_batches_tracked" {
        return Tensor::zeros(shape, (Kind::Int64, Device::Cpu));
    }
    let fan_in: i64 = if shape.len() > 1 {
        shape[1..].iter().product()
    } else {
        1
    };
    let values: Vec<f32> = (0..n)
        .map(|i| {
            let wave = (2.4 * i as f64 + 1.3 * index as f64 + 0.5).sin();
            (match kind {
                "running_var" => 0.5 + wave * wave,
                "running_mean" => 0.1 * wave,
                "bn_weight" => 1.0 + 0.2 * wave,
                "bias" => 0.05 * wave,
                _ => wave * (2.0 / fan_in as f64).sqrt(),
            }) as f32
        })
        .collect();
    Tensor::from_slice(&values).view(shape)
}

fn input(shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|i| ((0.37 * i as f64).sin() + 0.5 * (0.11 * i as f64).cos()) as f32)
        .collect();
    Tensor::from_slice(&values).view(shape)
}

fn assert_close(label: &str, what: &str, got: &Tensor, want: &[f64]) {
    let got: Vec<f32> = Vec::try_from(got.detach().contiguous().view([-1])).unwrap();
    assert_eq!(got.len(), want.len(), "{label} {what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(g) - w).abs();
        assert!(
            err <= TOL * (1.0 + w.abs()),
            "{label} {what}[{i}]: {g} vs PyTorch {w}"
        );
    }
}

#[test]
fn forward_matches_pytorch() {
    let fx = fixture();
    for case in fx["cases"].as_array().unwrap() {
        let label = case["label"].as_str().unwrap();
        let spec: ModelSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let in_shape = usizes(&case["in_shape"]);
        let classes = case["num_classes"].as_u64().unwrap() as usize;
        let model = models::build(&spec, &in_shape, classes, Device::Cpu).unwrap();
        let store = model.store();

        let want_params: Vec<String> = serde_json::from_value(case["parameters"].clone()).unwrap();
        assert_eq!(
            store.names(),
            want_params.as_slice(),
            "{label}: parameter names and order"
        );
        let named: Vec<(String, Tensor)> = case["state"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let shape: Vec<i64> = usizes(&e["shape"]).iter().map(|&d| d as i64).collect();
                (
                    e["name"].as_str().unwrap().to_string(),
                    formula(k, &shape, e["kind"].as_str().unwrap()),
                )
            })
            .collect();
        store.load_named(Path::new(FIXTURE), named).unwrap();

        let batch = case["batch"].as_i64().unwrap();
        let mut shape = vec![batch];
        shape.extend(in_shape.iter().map(|&d| d as i64));
        let x = input(&shape);
        let params = store.values();
        assert_close(
            label,
            "eval logits",
            &model.forward(params, &x, false),
            &floats(&case["eval_logits"]),
        );
        let feats = model.features(params, &x, false);
        assert_eq!(
            feats.size()[1] as u64,
            case["feature_dim"].as_u64().unwrap()
        );
        assert_eq!(
            model.feature_dim() as u64,
            case["feature_dim"].as_u64().unwrap()
        );
        assert_close(
            label,
            "eval features",
            &feats,
            &floats(&case["eval_features"]),
        );
        assert_close(
            label,
            "train logits",
            &model.forward(params, &x, true),
            &floats(&case["train_logits"]),
        );

        let watch = case["watch"].as_str().unwrap();
        let watched = store
            .names()
            .iter()
            .zip(store.values())
            .chain(store.buffer_names().iter().zip(store.buffers()))
            .find(|(n, _)| *n == watch)
            .map(|(_, t)| t.shallow_clone())
            .unwrap();
        assert_close(label, watch, &watched, &floats(&case["watch_after_train"]));
    }
}

#[test]
fn resnet18_has_torchvision_parameter_count() {
    let fx = fixture();
    let spec = ModelSpec::default_for("resnet18").unwrap();
    let model = models::build(&spec, &[3, 224, 224], 1000, Device::Cpu).unwrap();
    assert_eq!(
        model.store().numel() as u64,
        fx["resnet18_full_3ch_1000_params"].as_u64().unwrap()
    );
    assert_eq!(
        model.store().numel(),
        11_689_512,
        "torchvision's published resnet18 size"
    );
}

#[test]
fn output_shapes() {
    tch::manual_seed(1);
    let cases: [(&str, Vec<usize>, usize); 3] = [
        (
            r#"{"name": "resnet18", "width": 0.125}"#,
            vec![1, 40, 50],
            64,
        ),
        (
            r#"{"name": "vgg16", "width": 0.0625, "fc_dim": 24}"#,
            vec![1, 32, 40],
            24,
        ),
        (
            r#"{"name": "cnn_blstm", "channels": [4, 8], "hidden": 5}"#,
            vec![1, 20, 12],
            10,
        ),
    ];
    for (json, in_shape, dim) in cases {
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        let model = models::build(&spec, &in_shape, 4, Device::Cpu).unwrap();
        let x = Tensor::randn(
            [
                3,
                in_shape[0] as i64,
                in_shape[1] as i64,
                in_shape[2] as i64,
            ],
            (Kind::Float, Device::Cpu),
        );
        let params = model.store().values();
        assert_eq!(
            model.features(params, &x, false).size(),
            [3, dim as i64],
            "{json}"
        );
        assert_eq!(model.forward(params, &x, true).size(), [3, 4], "{json}");
        assert_eq!(model.feature_dim(), dim);
        assert_eq!(model.num_classes(), 4);
    }
    let resnet = models::build(
        &ModelSpec::Resnet18(Default::default()),
        &[1, 64, 64],
        2,
        Device::Cpu,
    )
    .unwrap();
    let map = resnet.feature_map(
        resnet.store().values(),
        &Tensor::zeros([2, 1, 64, 64], (Kind::Float, Device::Cpu)),
        false,
    );
    assert_eq!(map.size(), [2, 512, 2, 2], "layer4 map: 64 / 32");
    for (json, in_shape) in [
        (r#"{"name": "mlp", "hidden": [8, 6]}"#, [10usize]),
        (r#"{"name": "linear"}"#, [10]),
    ] {
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        let model = models::build(&spec, &in_shape, 3, Device::Cpu).unwrap();
        let x = Tensor::randn([5, 10], (Kind::Float, Device::Cpu));
        assert_eq!(
            model.forward(model.store().values(), &x, false).size(),
            [5, 3],
            "{json}"
        );
    }
}

#[test]
fn second_order_gradients_reach_every_parameter() {
    // What exact MLDG needs: differentiate a function of the gradient.
    tch::manual_seed(2);
    for json in [
        r#"{"name": "resnet18", "width": 0.0625}"#,
        r#"{"name": "cnn_blstm", "channels": [3], "hidden": 4}"#,
    ] {
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        let model = models::build(&spec, &[1, 16, 12], 3, Device::Cpu).unwrap();
        let params = model.store().values();
        let x = Tensor::randn([4, 1, 16, 12], (Kind::Float, Device::Cpu));
        let y = Tensor::from_slice(&[0i64, 1, 2, 1]);
        let loss = model.forward(params, &x, true).cross_entropy_for_logits(&y);
        let grads = Tensor::run_backward(&[&loss], params, true, true);
        let adapted: Vec<Tensor> = params
            .iter()
            .zip(&grads)
            .map(|(p, g)| p - g * 0.1)
            .collect();
        let outer = model
            .forward(&adapted, &x, true)
            .cross_entropy_for_logits(&y);
        let second = Tensor::run_backward(&[&outer], params, false, false);
        for ((name, g), p) in model.store().names().iter().zip(&second).zip(params) {
            assert_eq!(g.size(), p.size(), "{json}: {name}");
            assert!(
                f64::try_from(g.abs().sum(Kind::Double)).unwrap() > 0.0,
                "{json}: no gradient for {name}"
            );
        }
    }
}

#[test]
fn spec_errors_name_the_problem() {
    let err = serde_json::from_str::<ModelSpec>(r#"{"name": "resnet50"}"#)
        .unwrap_err()
        .to_string();
    for name in models::MODEL_NAMES {
        assert!(err.contains(name), "{err}");
    }
    let err = serde_json::from_str::<ModelSpec>(r#"{"name": "resnet18", "widht": 2}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("widht"), "{err}");
    let err = ModelSpec::default_for("alexnet").unwrap_err().to_string();
    assert!(
        err.contains("alexnet") && err.contains("cnn_blstm"),
        "{err}"
    );
    let spec: ModelSpec = serde_json::from_str(r#"{"name": "vgg16"}"#).unwrap();
    let err = models::build(&spec, &[1, 16, 100], 4, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("32 bins"), "{err}");
    let spec: ModelSpec =
        serde_json::from_str(r#"{"name": "cnn_blstm", "channels": [2, 2, 2, 2, 2]}"#).unwrap();
    let err = models::build(&spec, &[1, 16, 10], 4, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("at most 4 blocks"), "{err}");
    let err = models::build(&ModelSpec::Linear, &[1, 16, 10], 4, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("[dim]"), "{err}");
    let spec: ModelSpec = serde_json::from_str(r#"{"name": "resnet18", "width": 0}"#).unwrap();
    assert!(matches!(
        models::build(&spec, &[1, 8, 8], 4, Device::Cpu),
        Err(LearnError::Config { .. })
    ));
}

#[test]
fn initial_weights_load_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let spec: ModelSpec =
        serde_json::from_str(r#"{"name": "cnn_blstm", "channels": [2], "hidden": 3}"#).unwrap();
    tch::manual_seed(3);
    let a = models::build(&spec, &[1, 8, 6], 4, Device::Cpu).unwrap();
    tch::manual_seed(4);
    let b = models::build(&spec, &[1, 8, 6], 4, Device::Cpu).unwrap();
    let path = dir.path().join("pretrained.safetensors");
    a.store().save(&path).unwrap();
    models::load_weights(b.as_ref(), &path).unwrap();
    let x = Tensor::randn([2, 1, 8, 6], (Kind::Float, Device::Cpu));
    let (ya, yb) = (
        a.forward(a.store().values(), &x, false),
        b.forward(b.store().values(), &x, false),
    );
    assert!(ya.equal(&yb), "same weights, same outputs");

    // Another class count: the classifier no longer fits.
    let c = models::build(&spec, &[1, 8, 6], 5, Device::Cpu).unwrap();
    let err = models::load_weights(c.as_ref(), &path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pretrained.safetensors") && err.contains("classifier.weight"),
        "{err}"
    );

    // A checkpoint lacking a tensor names it.
    let mut named = a.store().named_tensors();
    named.retain(|(n, _)| n != "lstm.bias_hh_l0_reverse");
    let partial = dir.path().join("partial.safetensors");
    Tensor::write_safetensors(&named, &partial).unwrap();
    let err = models::load_weights(b.as_ref(), &partial)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing tensor `lstm.bias_hh_l0_reverse`"),
        "{err}"
    );
}

#[test]
fn batch_norm_updates_running_statistics_only_in_training() {
    let spec: ModelSpec = serde_json::from_str(r#"{"name": "resnet18", "width": 0.0625}"#).unwrap();
    let model = models::build(&spec, &[1, 16, 16], 2, Device::Cpu).unwrap();
    let store = model.store();
    let before: Vec<Tensor> = store.buffers().iter().map(|b| b.copy()).collect();
    let x = Tensor::randn([3, 1, 16, 16], (Kind::Float, Device::Cpu)) * 3.0 + 1.0;
    let _ = model.forward(store.values(), &x, false);
    assert!(
        store.buffers().iter().zip(&before).all(|(a, b)| a.equal(b)),
        "eval leaves buffers"
    );
    let _ = model.forward(store.values(), &x, true);
    let mean = store
        .buffer_names()
        .iter()
        .position(|n| n == "bn1.running_mean")
        .unwrap();
    assert!(
        !store.buffers()[mean].equal(&before[mean]),
        "training updates running mean"
    );
    let count = store
        .buffer_names()
        .iter()
        .position(|n| n == "bn1.num_batches_tracked")
        .unwrap();
    assert_eq!(store.buffers()[count].int64_value(&[]), 1);
}

#[test]
fn a_single_value_per_channel_in_training_keeps_the_running_statistics_finite() {
    // One example of 16x16: layer4's 1x1 maps leave one value per channel.
    let spec: ModelSpec = serde_json::from_str(r#"{"name": "resnet18", "width": 0.0625}"#).unwrap();
    let model = models::build(&spec, &[1, 16, 16], 2, Device::Cpu).unwrap();
    let store = model.store();
    let x = Tensor::randn([1, 1, 16, 16], (Kind::Float, Device::Cpu));
    let logits = model.forward(store.values(), &x, true);
    assert!(
        logits.isfinite().all().int64_value(&[]) == 1,
        "finite logits"
    );
    for (name, buffer) in store.buffer_names().iter().zip(store.buffers()) {
        if buffer.kind() == Kind::Float {
            assert!(
                buffer.isfinite().all().int64_value(&[]) == 1,
                "{name} became non-finite"
            );
        }
    }
}
