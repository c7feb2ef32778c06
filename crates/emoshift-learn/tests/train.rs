//! Trainer tests: determinism, exact resume from a checkpoint (and a fresh
//! start when the checkpoint's fingerprint or seed differs), early stopping
//! and model selection on each validation metric, the first selectable step,
//! the learning-rate schedule, checkpoint files, device selection and a
//! learning sanity check.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use emoshift_audio::Features;
use emoshift_learn::batcher::{BatcherConfig, DomainBatcher};
use emoshift_learn::checkpoint;
use emoshift_learn::data::{Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::erm::{Erm, ErmConfig};
use emoshift_learn::models::{self, ModelSpec};
use emoshift_learn::predict::{predict_proba, PredictConfig, WindowConfig};
use emoshift_learn::runtime;
use emoshift_learn::train::{
    evaluate, train, EvalLog, TrainConfig, TrainOutcome, ValMetric, FINGERPRINT_KEY,
};
use emoshift_learn::{LearnError, Method};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

const BINS: usize = 4;

/// libtorch's generator is process-wide: tests that seed it and compare
/// runs must not interleave, so each takes this lock.
static TORCH: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    TORCH.lock().unwrap_or_else(|e| e.into_inner())
}

/// `per_class` examples per class in each of `domains` domains: class `c`
/// raises bin `c`, plus noise and a per-domain offset.
fn synthetic(domains: usize, per_class: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let domains = (0..domains)
        .map(|d| {
            let examples = (0..3 * per_class)
                .map(|i| {
                    let label = i % 3;
                    let frames = 6 + rng.random_range(0..4);
                    let data = (0..BINS * frames)
                        .map(|k| {
                            let signal = if k / frames == label { 1.5 } else { 0.0 };
                            signal + 0.3 * d as f32 + rng.random_range(-1.0f32..1.0)
                        })
                        .collect();
                    Example::new(Features::new(BINS, frames, data).unwrap(), label)
                })
                .collect();
            Domain::labelled(format!("d{d}"), examples)
        })
        .collect();
    Dataset::new(domains, 3).unwrap()
}

/// `data` with only the examples whose label is in `keep`, as a set of
/// `num_classes` classes.
fn only_classes(data: &Dataset, keep: &[usize], num_classes: usize) -> Dataset {
    let domains = data
        .domains()
        .iter()
        .map(|d| {
            Domain::labelled(
                d.name.clone(),
                d.examples
                    .iter()
                    .filter(|e| keep.contains(&e.label))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    Dataset::new(domains, num_classes).unwrap()
}

fn method_with_classes(spec: &str, layout: InputLayout, seed: u64, classes: usize) -> Erm {
    runtime::configure(seed, Some(1)).unwrap();
    let spec: ModelSpec = serde_json::from_str(spec).unwrap();
    let shape = layout.example_shape(BINS, 6);
    let model = models::build(&spec, &shape, classes, Device::Cpu).unwrap();
    Erm::new(&ErmConfig::default(), model, 2).unwrap()
}

fn method(spec: &str, layout: InputLayout, seed: u64) -> Erm {
    method_with_classes(spec, layout, seed, 3)
}

/// The validation windows the trainer uses with [`cnn_batcher`].
fn cnn_predict() -> PredictConfig {
    PredictConfig {
        layout: InputLayout::Spectrogram,
        window: Some(WindowConfig {
            frames: 6,
            hop: 3,
            aggregation: Default::default(),
        }),
        batch_size: 64,
        device: Device::Cpu,
    }
}

/// Labels and class probabilities of `val` under `m`.
fn scores(m: &Erm, val: &Dataset, cfg: &PredictConfig) -> (Vec<usize>, Vec<Vec<f32>>) {
    let examples: Vec<_> = val.examples().map(|(_, e)| e).collect();
    let feats: Vec<_> = examples.iter().map(|e| &e.features).collect();
    let probs = predict_proba(m, &feats, cfg).unwrap();
    (examples.iter().map(|e| e.label).collect(), probs)
}

const CNN: &str = r#"{"name": "cnn_blstm", "channels": [2], "hidden": 3, "dropout": 0.3}"#;

fn cnn_batcher(data: &Dataset) -> DomainBatcher<'_> {
    let cfg = BatcherConfig {
        batch_size: 4,
        class_balanced: true,
        crop_frames: Some(6),
    };
    DomainBatcher::new(data, cfg, InputLayout::Spectrogram, 11, Device::Cpu).unwrap()
}

fn params_equal(a: &dyn Method, b: &dyn Method) -> bool {
    let (sa, sb) = (a.state_dict(), b.state_dict());
    sa.len() == sb.len()
        && sa
            .iter()
            .zip(&sb)
            .all(|((na, ta), (nb, tb))| na == nb && ta.equal(tb))
}

fn run(m: &mut Erm, batcher: &DomainBatcher, val: &Dataset, cfg: &TrainConfig) -> TrainOutcome {
    train(m, batcher, Some(val), cfg).unwrap()
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 2, 2);
    let batcher = cnn_batcher(&data);
    let cfg = TrainConfig {
        steps: Some(6),
        eval_every: Some(3),
        seed: 5,
        ..Default::default()
    };
    let (mut a, mut b) = (
        method(CNN, InputLayout::Spectrogram, 3),
        method(CNN, InputLayout::Spectrogram, 3),
    );
    let (ha, hb) = (
        run(&mut a, &batcher, &val, &cfg),
        run(&mut b, &batcher, &val, &cfg),
    );
    assert_eq!(ha, hb);
    assert!(params_equal(&a, &b));
    assert_eq!(ha.history.steps.len(), 6);
    assert_eq!(
        ha.history.evals.iter().map(|e| e.step).collect::<Vec<_>>(),
        [3, 6]
    );
    let mut c = method(CNN, InputLayout::Spectrogram, 3);
    let other = TrainConfig { seed: 6, ..cfg };
    let hc = run(&mut c, &batcher, &val, &other);
    assert_ne!(
        ha.history.steps, hc.history.steps,
        "another seed, other dropout and batches"
    );
}

#[test]
fn resumed_training_continues_bit_for_bit() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 2, 2);
    let batcher = cnn_batcher(&data);
    let base = TrainConfig {
        steps: Some(12),
        eval_every: Some(4),
        lr_decay: Some(0.7),
        seed: 9,
        fingerprint: Some("trial-a".into()),
        ..Default::default()
    };
    let mut straight = method(CNN, InputLayout::Spectrogram, 4);
    let full = run(&mut straight, &batcher, &val, &base);

    // The "interrupted" run stops after 8 steps, leaving its checkpoint.
    let path = dir.path().join("run/ckpt.safetensors");
    let first = TrainConfig {
        steps: Some(8),
        checkpoint: Some(path.clone()),
        ..base.clone()
    };
    let mut interrupted = method(CNN, InputLayout::Spectrogram, 4);
    assert_eq!(run(&mut interrupted, &batcher, &val, &first).steps_done, 8);
    assert!(path.exists());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left");
    let (_, meta) = checkpoint::load(&path).unwrap();
    assert_eq!(meta[FINGERPRINT_KEY], "trial-a");

    // A fresh process: new method (other initial weights even), same checkpoint.
    let mut resumed = method(CNN, InputLayout::Spectrogram, 77);
    let second = TrainConfig {
        checkpoint: Some(path.clone()),
        ..base.clone()
    };
    let out = run(&mut resumed, &batcher, &val, &second);
    assert_eq!(out, full, "same history, best and flags");
    assert!(params_equal(&straight, &resumed), "same final state");

    // A finished run resumes to nothing new.
    let again = run(&mut resumed, &batcher, &val, &second);
    assert_eq!(again.history, full.history);

    // Another seed is not resumed: the run starts from its own initial
    // weights, exactly like a run without a checkpoint, and overwrites it.
    let reseeded = TrainConfig { seed: 10, ..second };
    let mut fresh = method(CNN, InputLayout::Spectrogram, 4);
    let out = run(&mut fresh, &batcher, &val, &reseeded);
    let mut reference = method(CNN, InputLayout::Spectrogram, 4);
    let expected = run(
        &mut reference,
        &batcher,
        &val,
        &TrainConfig {
            checkpoint: None,
            ..reseeded.clone()
        },
    );
    assert_eq!(out, expected);
    assert_ne!(out.history, full.history);
    assert!(params_equal(&fresh, &reference));
    let mut again = method(CNN, InputLayout::Spectrogram, 77);
    let out = run(&mut again, &batcher, &val, &reseeded);
    assert_eq!(out, expected, "the checkpoint now holds the seed-10 run");
    assert!(params_equal(&again, &reference));
}

#[test]
fn a_checkpoint_with_another_fingerprint_is_not_resumed() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 2, 2);
    let batcher = cnn_batcher(&data);
    let path = dir.path().join("ckpt.safetensors");
    let a = TrainConfig {
        steps: Some(8),
        eval_every: Some(4),
        seed: 3,
        checkpoint: Some(path.clone()),
        fingerprint: Some("a".into()),
        ..Default::default()
    };
    let mut first = method(CNN, InputLayout::Spectrogram, 4);
    let out_a = run(&mut first, &batcher, &val, &a);
    assert_eq!(out_a.steps_done, 8);

    // Fingerprint `b`, 12 steps: were `a`'s checkpoint resumed, only 4 steps
    // would run, from `a`'s weights; instead all 12 run from the new
    // method's own initial weights (seed 5).
    let b = TrainConfig {
        steps: Some(12),
        fingerprint: Some("b".into()),
        ..a.clone()
    };
    let mut m = method(CNN, InputLayout::Spectrogram, 5);
    let out_b = run(&mut m, &batcher, &val, &b);
    let mut reference = method(CNN, InputLayout::Spectrogram, 5);
    let expected = run(
        &mut reference,
        &batcher,
        &val,
        &TrainConfig {
            checkpoint: None,
            ..b.clone()
        },
    );
    assert_eq!(out_b, expected);
    assert!(params_equal(&m, &reference));
    let (_, meta) = checkpoint::load(&path).unwrap();
    assert_eq!(meta[FINGERPRINT_KEY], "b", "overwritten by the new run");

    // No fingerprint configured: `b`'s checkpoint is not resumed either.
    let none = TrainConfig {
        fingerprint: None,
        ..b.clone()
    };
    let mut m = method(CNN, InputLayout::Spectrogram, 5);
    assert_eq!(run(&mut m, &batcher, &val, &none), expected);
    let (_, meta) = checkpoint::load(&path).unwrap();
    assert!(!meta.contains_key(FINGERPRINT_KEY));

    // A file that is not a training checkpoint is never overwritten.
    let weights = [(
        "w".to_string(),
        Tensor::zeros([2], (Kind::Float, Device::Cpu)),
    )];
    checkpoint::save(&path, &weights, &BTreeMap::new()).unwrap();
    let err = train(&mut m, &batcher, Some(&val), &b).unwrap_err();
    assert!(
        matches!(err, LearnError::Checkpoint { .. })
            && err.to_string().contains("not a training checkpoint"),
        "{err}"
    );
}

#[test]
fn early_stopping_restores_the_best_state() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 2, 2);
    let batcher = cnn_batcher(&data);
    // No later validation can beat the first by 2.0: stop after `patience` more.
    let cfg = TrainConfig {
        steps: Some(40),
        eval_every: Some(2),
        patience: Some(2),
        min_delta: 2.0,
        seed: 1,
        ..Default::default()
    };
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let mut reference = method(CNN, InputLayout::Spectrogram, 2);
    let out = run(&mut m, &batcher, &val, &cfg);
    assert!(out.stopped_early && out.restored_best);
    assert_eq!(out.steps_done, 6);
    assert_eq!(out.best.unwrap().0, 2);
    // The restored state is the state after step 2.
    let two = TrainConfig {
        steps: Some(2),
        ..cfg
    };
    run(&mut reference, &batcher, &val, &two);
    assert!(params_equal(&m, &reference));
}

#[test]
fn validation_records_every_metric_as_emoshift_eval_computes_it() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 3, 2);
    let batcher = cnn_batcher(&data);
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let cfg = TrainConfig {
        steps: Some(6),
        eval_every: Some(3),
        restore_best: false,
        seed: 4,
        ..Default::default()
    };
    let out = run(&mut m, &batcher, &val, &cfg);
    let last = out.history.evals.last().unwrap();
    let (y, probs) = scores(&m, &val, &cnn_predict());
    let report = emoshift_eval::metrics::evaluate(&y, &probs, &["a", "b", "c"]).unwrap();
    let expected = EvalLog {
        step: 6,
        uar: report.uar,
        accuracy: report.accuracy,
        macro_f1: report.macro_f1,
        auroc: report.auroc.value,
    };
    assert_eq!(*last, expected);
    assert_eq!(evaluate(&m, &val, &cnn_predict(), 6).unwrap(), expected);
    assert!(report.auroc.skipped.is_empty() && last.auroc.is_some());
}

#[test]
fn auroc_averages_the_classes_present_and_needs_two() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let batcher = cnn_batcher(&data);
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let cfg = TrainConfig {
        steps: Some(3),
        seed: 4,
        ..Default::default()
    };
    train(&mut m, &batcher, None, &cfg).unwrap();

    // Class 2 absent: the mean of the one-vs-rest AUROCs of classes 0 and 1.
    let two = only_classes(&synthetic(1, 3, 2), &[0, 1], 3);
    let (y, probs) = scores(&m, &two, &cnn_predict());
    let auroc = |class: usize| {
        let positive: Vec<bool> = y.iter().map(|&l| l == class).collect();
        let s: Vec<f64> = probs.iter().map(|p| f64::from(p[class])).collect();
        emoshift_eval::metrics::roc_auc_binary(&positive, &s).unwrap()
    };
    let log = evaluate(&m, &two, &cnn_predict(), 3).unwrap();
    assert_eq!(log.auroc, Some((auroc(0) + auroc(1)) / 2.0));
    assert_eq!(log, evaluate(&m, &two, &cnn_predict(), 3).unwrap());

    // One class only: AUROC is undefined, and selecting on it is refused
    // before any step; the other metrics still select.
    let one = only_classes(&synthetic(1, 3, 2), &[1], 3);
    assert_eq!(evaluate(&m, &one, &cnn_predict(), 3).unwrap().auroc, None);
    let on_auroc = TrainConfig {
        metric: ValMetric::Auroc,
        ..cfg.clone()
    };
    let err = train(&mut m, &batcher, Some(&one), &on_auroc).unwrap_err();
    assert!(err.to_string().contains("at least two classes"), "{err}");
    let out = train(&mut m, &batcher, Some(&one), &cfg).unwrap();
    assert_eq!(out.history.evals.len(), 1);
    assert_eq!(out.history.evals[0].auroc, None);
}

#[test]
fn binary_auroc_is_class_ones() {
    let _serial = serial();
    let data = only_classes(&synthetic(2, 6, 1), &[0, 1], 2);
    let val = only_classes(&synthetic(1, 4, 2), &[0, 1], 2);
    let batcher = cnn_batcher(&data);
    let mut m = method_with_classes(CNN, InputLayout::Spectrogram, 2, 2);
    let cfg = TrainConfig {
        steps: Some(4),
        metric: ValMetric::Auroc,
        restore_best: false,
        seed: 4,
        ..Default::default()
    };
    let out = run(&mut m, &batcher, &val, &cfg);
    let (y, probs) = scores(&m, &val, &cnn_predict());
    let positive: Vec<bool> = y.iter().map(|&l| l == 1).collect();
    let s: Vec<f64> = probs.iter().map(|p| f64::from(p[1])).collect();
    let expected = emoshift_eval::metrics::roc_auc_binary(&positive, &s).unwrap();
    let last = out.history.evals.last().unwrap();
    assert_eq!(last.auroc, Some(expected));
    assert_eq!(
        out.best.unwrap().1,
        out.history
            .evals
            .iter()
            .map(|e| e.auroc.unwrap())
            .fold(f64::MIN, f64::max)
    );
}

#[test]
fn the_best_state_is_selected_on_the_configured_metric() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 3, 2);
    let batcher = cnn_batcher(&data);
    for metric in [
        ValMetric::Uar,
        ValMetric::Accuracy,
        ValMetric::MacroF1,
        ValMetric::Auroc,
    ] {
        let cfg = TrainConfig {
            steps: Some(12),
            eval_every: Some(2),
            metric,
            seed: 6,
            ..Default::default()
        };
        let mut m = method(CNN, InputLayout::Spectrogram, 2);
        let out = run(&mut m, &batcher, &val, &cfg);
        // The first validation with the highest value of `metric`.
        let (step, value) = out
            .history
            .evals
            .iter()
            .map(|e| (e.step, e.metric(metric).unwrap()))
            .fold((0, f64::NEG_INFINITY), |b, e| if e.1 > b.1 { e } else { b });
        assert_eq!(out.best, Some((step, value)), "{metric:?}");
        assert!(out.restored_best);
        let mut reference = method(CNN, InputLayout::Spectrogram, 2);
        let until_best = TrainConfig {
            steps: Some(step),
            ..cfg
        };
        run(&mut reference, &batcher, &val, &until_best);
        assert!(params_equal(&m, &reference), "{metric:?}");
    }
    let names: Vec<ValMetric> =
        serde_json::from_str(r#"["uar", "accuracy", "macro_f1", "auroc"]"#).unwrap();
    assert_eq!(
        names,
        [
            ValMetric::Uar,
            ValMetric::Accuracy,
            ValMetric::MacroF1,
            ValMetric::Auroc
        ]
    );
}

#[test]
fn validations_before_select_from_step_are_only_logged() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let val = synthetic(1, 2, 2);
    let batcher = cnn_batcher(&data);
    // As in the early-stopping test nothing beats the first selectable
    // validation by 2.0; here that is the one after step index 6 (7 steps
    // done would be it, validations run every 2: at 8).
    let cfg = TrainConfig {
        steps: Some(40),
        eval_every: Some(2),
        patience: Some(2),
        min_delta: 2.0,
        select_from_step: 6,
        seed: 1,
        ..Default::default()
    };
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let out = run(&mut m, &batcher, &val, &cfg);
    let steps: Vec<usize> = out.history.evals.iter().map(|e| e.step).collect();
    assert_eq!(steps, [2, 4, 6, 8, 10, 12]);
    assert!(out.stopped_early && out.restored_best);
    assert_eq!(out.steps_done, 12);
    assert_eq!(out.best.unwrap(), (8, out.history.evals[3].uar));
    let mut reference = method(CNN, InputLayout::Spectrogram, 2);
    run(
        &mut reference,
        &batcher,
        &val,
        &TrainConfig {
            steps: Some(8),
            ..cfg.clone()
        },
    );
    assert!(params_equal(&m, &reference), "the state after 8 steps");

    // No validation after the first selectable step: the final state stays.
    let late = TrainConfig {
        steps: Some(6),
        select_from_step: 6,
        ..cfg
    };
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let out = run(&mut m, &batcher, &val, &late);
    assert_eq!(out.history.evals.len(), 3);
    assert!(out.best.is_none() && !out.restored_best && !out.stopped_early);
    let mut reference = method(CNN, InputLayout::Spectrogram, 2);
    train(&mut reference, &batcher, None, &late).unwrap();
    assert!(params_equal(&m, &reference), "the state after 6 steps");
}

#[test]
fn learning_rate_decays_exponentially_per_epoch() {
    let _serial = serial();
    let data = synthetic(2, 4, 1);
    let batcher = cnn_batcher(&data);
    assert_eq!(batcher.steps_per_epoch(), 3);
    let mut m = method(CNN, InputLayout::Spectrogram, 2);
    let lr0 = m.learning_rate();
    let cfg = TrainConfig {
        epochs: 3,
        lr_decay: Some(0.5),
        ..Default::default()
    };
    let out = train(&mut m, &batcher, None, &cfg).unwrap();
    let lrs: Vec<f64> = out.history.steps.iter().map(|s| s.lr / lr0).collect();
    assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    assert!(out.history.evals.is_empty() && !out.restored_best);
}

#[test]
fn an_mlp_learns_the_synthetic_classes() {
    let _serial = serial();
    let data = synthetic(2, 20, 3);
    let val = synthetic(1, 10, 4);
    let cfg = BatcherConfig {
        batch_size: 16,
        class_balanced: false,
        crop_frames: Some(6),
    };
    let batcher = DomainBatcher::new(&data, cfg, InputLayout::Vector, 0, Device::Cpu).unwrap();
    let mut m = method(r#"{"name": "mlp", "hidden": [16]}"#, InputLayout::Vector, 0);
    let out = train(
        &mut m,
        &batcher,
        Some(&val),
        &TrainConfig {
            steps: Some(60),
            eval_every: Some(20),
            ..Default::default()
        },
    )
    .unwrap();
    let last = out.history.evals.last().unwrap();
    assert!(last.uar > 0.8, "validation UAR {} (chance 0.33)", last.uar);
    let first_loss = out.history.steps[0].loss.total;
    let last_loss = out.history.steps.last().unwrap().loss.total;
    assert!(last_loss < first_loss, "{first_loss} -> {last_loss}");
}

#[test]
fn checkpoint_files_round_trip() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.safetensors");
    let tensors = vec![
        (
            "a".to_string(),
            Tensor::from_slice(&[1.5f32, -2.0, 3.25]).view([3, 1]),
        ),
        ("b.count".to_string(), Tensor::from_slice(&[7i64])),
        (
            "c".to_string(),
            Tensor::arange(6, (Kind::Double, Device::Cpu))
                .view([2, 3])
                .transpose(0, 1),
        ),
    ];
    let meta = BTreeMap::from([("k".to_string(), "{\"x\": 1}".to_string())]);
    checkpoint::save(&path, &tensors, &meta).unwrap();
    let (back, meta_back) = checkpoint::load(&path).unwrap();
    assert_eq!(meta_back, meta);
    assert_eq!(back.len(), 3);
    for ((n, t), (nb, tb)) in tensors.iter().zip(&back) {
        assert_eq!(n, nb);
        assert_eq!(t.kind(), tb.kind());
        assert!(t.equal(tb), "{n}");
    }
    std::fs::write(dir.path().join("junk"), b"not a checkpoint").unwrap();
    let err = checkpoint::load(&dir.path().join("junk"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("junk") && err.contains("safetensors"), "{err}");
    let err = checkpoint::load(&dir.path().join("absent"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("absent"), "{err}");
}

#[test]
fn device_names() {
    let _serial = serial();
    assert_eq!(runtime::select_device("cpu").unwrap(), Device::Cpu);
    assert!(runtime::select_device("tpu")
        .unwrap_err()
        .to_string()
        .contains("cuda:N"));
    match runtime::select_device("cuda") {
        Ok(d) => assert!(tch::Cuda::is_available() && d == Device::Cuda(0)),
        Err(e) => assert!(
            !tch::Cuda::is_available() && e.to_string().contains("no CUDA GPU"),
            "{e}"
        ),
    }
    assert!(runtime::configure(0, Some(0)).is_err());
}
