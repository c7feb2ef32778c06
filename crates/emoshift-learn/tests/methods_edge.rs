//! Edge cases of the methods (a single domain, batches of one sample, a
//! class absent from the batch), configuration errors and defaults,
//! checkpoint round trips and the probe's augmentations.

use std::path::Path;

use emoshift_learn::methods::{self, MethodConfig, Probe, ProbeConfig};
use emoshift_learn::models::mlp::Mlp;
use emoshift_learn::optim::OptimConfig;
use emoshift_learn::{DomainBatch, LearnError, Method};
use tch::{Device, Kind, Tensor};

const CLASSES: usize = 3;
const DIM: i64 = 6;

fn batch(domain: usize, labels: &[i64], frames: bool) -> DomainBatch {
    let n = labels.len() as i64;
    let x = if frames {
        Tensor::randn([n, 3, DIM], (Kind::Float, Device::Cpu))
    } else {
        Tensor::randn([n, DIM], (Kind::Float, Device::Cpu))
    };
    DomainBatch {
        x,
        y: Tensor::from_slice(labels),
        domain,
        aux: Default::default(),
        labelled: true,
    }
}

fn method(name: &str, num_domains: usize) -> Box<dyn Method> {
    let model = Box::new(Mlp::new(Device::Cpu, DIM as usize, &[8, 5], CLASSES, 0.2));
    let cfg = MethodConfig::default_for(name).unwrap();
    methods::build(&cfg, model, num_domains).unwrap()
}

fn assert_finite_update(name: &str, batches: &[DomainBatch]) {
    let mut m = method(name, 3);
    let report = m.update(batches).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(report.total.is_finite(), "{name}: total {}", report.total);
    for (k, v) in &report.terms {
        assert!(v.is_finite(), "{name}: term {k} = {v}");
    }
    for (n, t) in m.state_dict() {
        let finite = t.to_kind(Kind::Double).isfinite().all().int64_value(&[]) == 1;
        assert!(finite, "{name}: `{n}` is not finite after the update");
    }
}

/// Scenarios every method must survive with finite losses and weights.
fn scenarios(frames: bool) -> Vec<(&'static str, Vec<DomainBatch>)> {
    vec![
        ("single domain", vec![batch(0, &[0, 1, 2, 1, 0], frames)]),
        (
            "one sample per domain",
            vec![
                batch(0, &[1], frames),
                batch(1, &[0], frames),
                batch(2, &[2], frames),
            ],
        ),
        ("single sample", vec![batch(1, &[2], frames)]),
        (
            "class 2 absent",
            vec![
                batch(0, &[0, 1, 1], frames),
                batch(2, &[0, 0, 1, 1], frames),
            ],
        ),
    ]
}

#[test]
fn every_method_gives_finite_losses_in_edge_cases() {
    tch::manual_seed(7);
    for name in ["erm", "mldg", "da_mldg", "rsc", "dann", "coral"] {
        for (case, batches) in scenarios(false) {
            eprintln!("{name}: {case}");
            assert_finite_update(name, &batches);
        }
    }
    for (case, batches) in scenarios(true) {
        eprintln!("probe: {case}");
        assert_finite_update("probe", &batches);
    }
    for (case, batches) in scenarios(false) {
        if batches.len() >= 2 {
            eprintln!("mmd_transfer: {case}");
            assert_finite_update("mmd_transfer", &batches);
        }
    }
}

#[test]
fn mmd_transfer_without_a_target_batch_is_an_error() {
    let mut m = method("mmd_transfer", 3);
    let err = m.update(&[batch(0, &[0, 1], false)]).unwrap_err();
    assert!(err.to_string().contains("target"), "{err}");
}

#[test]
fn bad_batches_are_errors_not_panics() {
    let mut m = method("erm", 2);
    assert!(matches!(m.update(&[]), Err(LearnError::Data(_))));
    let out_of_range = batch(0, &[0, 3], false);
    let err = m.update(&[out_of_range]).unwrap_err();
    assert!(err.to_string().contains("label 3"), "{err}");
    let mut wrong_len = batch(1, &[0, 1], false);
    wrong_len.y = Tensor::from_slice(&[0i64]);
    assert!(matches!(m.update(&[wrong_len]), Err(LearnError::Data(_))));
    let err = m.update(&[batch(5, &[0], false)]).unwrap_err();
    assert!(err.to_string().contains("domain index 5"), "{err}");
}

#[test]
fn unknown_names_and_keys_list_the_valid_ones() {
    let err = serde_json::from_str::<MethodConfig>(r#"{"name": "maml"}"#).unwrap_err();
    assert!(err.to_string().contains("da_mldg"), "{err}");
    let err =
        serde_json::from_str::<MethodConfig>(r#"{"name": "da_mldg", "beta": 1.0}"#).unwrap_err();
    assert!(err.to_string().contains("inner_lr"), "{err}");
    let err = MethodConfig::default_for("maml").unwrap_err();
    assert!(err.to_string().contains("mmd_transfer"), "{err}");
}

#[test]
fn defaults_are_the_papers() {
    let MethodConfig::DaMldg(c) = serde_json::from_str(r#"{"name": "da_mldg"}"#).unwrap() else {
        panic!("da_mldg")
    };
    assert_eq!((c.inner_lr, c.temperature, c.order), (0.01, 1.0, 2));
    assert_eq!(c.optimizer, OptimConfig::sgd_momentum(0.05, 0.9));
    let MethodConfig::Dann(c) = serde_json::from_str(r#"{"name": "dann"}"#).unwrap() else {
        panic!("dann")
    };
    assert_eq!(
        (c.reversal, c.center_lambda, c.center_loss),
        (0.3, 0.5, true)
    );
    let MethodConfig::MmdTransfer(c) = serde_json::from_str(r#"{"name": "mmd_transfer"}"#).unwrap()
    else {
        panic!("mmd_transfer")
    };
    assert_eq!(c.optimizer, OptimConfig::adam(1e-4));
}

#[test]
fn invalid_settings_are_config_errors() {
    let model = || Box::new(Mlp::new(Device::Cpu, DIM as usize, &[4], CLASSES, 0.0));
    let cfg: MethodConfig = serde_json::from_str(r#"{"name": "mldg", "order": 3}"#).unwrap();
    assert!(matches!(
        methods::build(&cfg, model(), 2),
        Err(LearnError::Config { .. })
    ));
    let cfg: MethodConfig =
        serde_json::from_str(r#"{"name": "dann", "heads": ["corpus", "gender"]}"#).unwrap();
    let err = methods::build(&cfg, model(), 2)
        .err()
        .expect("missing head_classes");
    assert!(err.to_string().contains("gender"), "{err}");
    let cfg: MethodConfig =
        serde_json::from_str(r#"{"name": "erm", "optimizer": {"kind": "sgd", "lr": -1.0}}"#)
            .unwrap();
    assert!(matches!(
        methods::build(&cfg, model(), 2),
        Err(LearnError::Config { .. })
    ));
}

#[test]
fn learning_rate_can_be_scheduled() {
    let mut m = method("da_mldg", 3);
    assert_eq!(m.learning_rate(), 0.05);
    m.set_learning_rate(0.025);
    assert_eq!(m.learning_rate(), 0.025);
}

/// Two updates in a row equal one update, a checkpoint round trip into a
/// fresh method, and a second update.
fn check_resume(name: &str) {
    tch::manual_seed(3);
    let batches = vec![
        batch(0, &[0, 1, 2], false),
        batch(1, &[2, 1], false),
        batch(2, &[0, 0], false),
    ];
    let build = || {
        let model = Box::new(Mlp::new(Device::Cpu, DIM as usize, &[5], CLASSES, 0.0));
        let cfg = MethodConfig::default_for(name).unwrap();
        methods::build(&cfg, model, 3).unwrap()
    };
    let mut straight = build();
    straight.update(&batches).unwrap();
    let mut resumed = build();
    resumed
        .load_state_dict(Path::new("checkpoint"), straight.state_dict())
        .unwrap();
    straight.update(&batches).unwrap();
    resumed.update(&batches).unwrap();
    for ((n, a), (_, b)) in straight.state_dict().into_iter().zip(resumed.state_dict()) {
        assert!(a.equal(&b), "{name}: `{n}` differs after resuming");
    }
}

#[test]
fn dann_mmd_and_erm_resume_exactly_from_their_state() {
    for name in ["erm", "dann", "mmd_transfer", "coral"] {
        check_resume(name);
    }
}

#[test]
fn load_state_dict_rejects_missing_and_extra_tensors() {
    let mut m = method("dann", 3);
    let mut state = m.state_dict();
    state.retain(|(n, _)| n != "state.centers");
    let err = m
        .load_state_dict(Path::new("ck.safetensors"), state)
        .unwrap_err();
    assert!(err.to_string().contains("state.centers"), "{err}");
    let mut state = m.state_dict();
    state.push((
        "state.bogus".into(),
        Tensor::zeros([1], (Kind::Float, Device::Cpu)),
    ));
    let err = m
        .load_state_dict(Path::new("ck.safetensors"), state)
        .unwrap_err();
    assert!(err.to_string().contains("state.bogus"), "{err}");
}

fn probe(cfg: ProbeConfig) -> Probe {
    let model = Box::new(Mlp::new(Device::Cpu, DIM as usize, &[4], CLASSES, 0.0));
    Probe::new(&cfg, model, 1).unwrap()
}

#[test]
fn frame_masking_averages_only_kept_frames_and_keeps_at_least_one() {
    tch::manual_seed(11);
    let p = probe(ProbeConfig {
        frame_mask: 0.9,
        mix_prob: 0.0,
        noise_std: 0.0,
        ..ProbeConfig::default()
    });
    // Every frame of a sample is the same vector: any non-empty average of
    // kept frames must give that vector back.
    let per_sample = Tensor::randn([4, DIM], (Kind::Float, Device::Cpu));
    let x = per_sample.unsqueeze(1).repeat([1, 5, 1]);
    let y = Tensor::from_slice(&[0i64, 1, 2, 0]);
    for _ in 0..20 {
        let pooled = p.augment(&x, &y).unwrap();
        assert!(pooled.allclose(&per_sample, 1e-6, 1e-6, false));
    }
}

#[test]
fn same_label_mixing_joins_the_frames_of_two_samples() {
    tch::manual_seed(5);
    let p = probe(ProbeConfig {
        frame_mask: 0.0,
        mix_prob: 1.0,
        noise_std: 0.0,
        ..ProbeConfig::default()
    });
    let x = Tensor::randn([3, 2, DIM], (Kind::Float, Device::Cpu));
    // Samples 0 and 2 share class 1; sample 1 has no partner.
    let y = Tensor::from_slice(&[1i64, 0, 1]);
    let pooled = p.augment(&x, &y).unwrap();
    let joined = (x.get(0).mean_dim(0i64, false, Kind::Float)
        + x.get(2).mean_dim(0i64, false, Kind::Float))
        / 2.0;
    assert!(pooled.get(0).allclose(&joined, 1e-5, 1e-6, false));
    assert!(pooled.get(2).allclose(&joined, 1e-5, 1e-6, false));
    let alone = x.get(1).mean_dim(0i64, false, Kind::Float);
    assert!(pooled.get(1).allclose(&alone, 1e-5, 1e-6, false));
}

#[test]
fn gaussian_noise_scales_with_the_batch_spread() {
    tch::manual_seed(9);
    let p = probe(ProbeConfig {
        frame_mask: 0.0,
        mix_prob: 0.0,
        noise_std: 0.5,
        ..ProbeConfig::default()
    });
    let x = Tensor::randn([256, DIM], (Kind::Float, Device::Cpu)) * 10.0;
    let y = Tensor::zeros([256], (Kind::Int64, Device::Cpu));
    let noise = p.augment(&x, &y).unwrap() - &x;
    let ratio = noise.std(true).double_value(&[]) / x.std(true).double_value(&[]);
    assert!((ratio - 0.5).abs() < 0.05, "noise/spread ratio {ratio}");
    // Prediction pools frames the same way training does.
    let frames = Tensor::randn([2, 3, DIM], (Kind::Float, Device::Cpu));
    let pooled = frames.mean_dim(1i64, false, Kind::Float);
    assert!(p
        .predict(&frames)
        .allclose(&p.predict(&pooled), 1e-6, 1e-6, false));
}

/// `batch` with its labels marked as placeholders (unlabelled target audio).
fn unlabelled(domain: usize, placeholder: &[i64]) -> DomainBatch {
    DomainBatch {
        labelled: false,
        ..batch(domain, placeholder, false)
    }
}

/// Two identically initialised methods updated on the same inputs whose
/// unlabelled batch carries different placeholder labels end bit-identical.
fn assert_placeholders_unread(cfg: &str, num_domains: usize) {
    let cfg: MethodConfig = serde_json::from_str(cfg).unwrap();
    let build = || {
        tch::manual_seed(11);
        let model = Box::new(Mlp::new(Device::Cpu, DIM as usize, &[5], CLASSES, 0.0));
        methods::build(&cfg, model, num_domains).unwrap()
    };
    tch::manual_seed(12);
    let sources: Vec<DomainBatch> = (0..num_domains - 1)
        .map(|d| batch(d, &[0, 1, 2, 1], false))
        .collect();
    let target = unlabelled(num_domains - 1, &[0, 0, 0]);
    let permuted = DomainBatch {
        y: Tensor::from_slice(&[2i64, 1, 0]),
        ..target.shallow_copy()
    };
    let mut a = build();
    let mut b = build();
    for _ in 0..3 {
        let mut with_a: Vec<DomainBatch> = sources.iter().map(DomainBatch::shallow_copy).collect();
        with_a.push(target.shallow_copy());
        let mut with_b: Vec<DomainBatch> = sources.iter().map(DomainBatch::shallow_copy).collect();
        with_b.push(permuted.shallow_copy());
        tch::manual_seed(13);
        let ra = a.update(&with_a).unwrap();
        tch::manual_seed(13);
        let rb = b.update(&with_b).unwrap();
        assert_eq!(ra, rb);
    }
    for ((n, x), (_, y)) in a.state_dict().into_iter().zip(b.state_dict()) {
        assert!(x.equal(&y), "{n} differs");
    }
}

#[test]
fn unlabelled_target_labels_never_reach_an_update() {
    assert_placeholders_unread(r#"{"name": "mmd_transfer", "source_steps": 1}"#, 3);
    assert_placeholders_unread(r#"{"name": "dann", "center_loss": true}"#, 3);
}

#[test]
fn methods_that_train_on_labels_refuse_unlabelled_batches() {
    for name in [
        "erm", "mldg", "da_mldg", "rsc", "coral", "probe", "finetune",
    ] {
        let mut m = method(name, 2);
        let err = m
            .update(&[batch(0, &[0, 1], false), unlabelled(1, &[0, 0])])
            .err()
            .unwrap_or_else(|| panic!("{name} accepted an unlabelled batch"));
        assert!(err.to_string().contains("unlabelled"), "{name}: {err}");
    }
}

#[test]
fn finetune_is_mmd_transfer_without_the_mmd_term() {
    let mut m = method("finetune", 2);
    let report = m
        .update(&[batch(0, &[0, 1, 2], false), batch(1, &[2, 2], false)])
        .unwrap();
    assert!(report.terms.contains_key("ce_target"), "{report:?}");
    assert!(!report.terms.contains_key("mmd"), "{report:?}");
    let mut mmd = method("mmd_transfer", 2);
    let report = mmd
        .update(&[batch(0, &[0, 1, 2], false), batch(1, &[2, 2], false)])
        .unwrap();
    assert!(report.terms["mmd"] > 0.0, "{report:?}");
}

#[test]
fn a_domain_head_with_one_class_is_refused() {
    let cfg = MethodConfig::default_for("dann").unwrap();
    let model = Box::new(Mlp::new(Device::Cpu, DIM as usize, &[5], CLASSES, 0.0));
    let err = methods::build(&cfg, model, 1)
        .err()
        .expect("a corpus head over one domain");
    assert!(err.to_string().contains("would always be 0"), "{err}");
}
