//! Trainer tests: determinism, exact resume from a checkpoint, early
//! stopping with the best state restored, the learning-rate schedule,
//! checkpoint files, device selection and a learning sanity check.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use emoshift_audio::Features;
use emoshift_learn::batcher::{BatcherConfig, DomainBatcher};
use emoshift_learn::checkpoint;
use emoshift_learn::data::{Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::erm::{Erm, ErmConfig};
use emoshift_learn::models::{self, ModelSpec};
use emoshift_learn::runtime;
use emoshift_learn::train::{train, TrainConfig, TrainOutcome};
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

fn method(spec: &str, layout: InputLayout, seed: u64) -> Erm {
    runtime::configure(seed, Some(1)).unwrap();
    let spec: ModelSpec = serde_json::from_str(spec).unwrap();
    let shape = layout.example_shape(BINS, 6);
    let model = models::build(&spec, &shape, 3, Device::Cpu).unwrap();
    Erm::new(&ErmConfig::default(), model, 2).unwrap()
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

    // A fresh process: new method (other initial weights even), same checkpoint.
    let mut resumed = method(CNN, InputLayout::Spectrogram, 77);
    let second = TrainConfig {
        checkpoint: Some(path.clone()),
        ..base.clone()
    };
    let out = run(&mut resumed, &batcher, &val, &second);
    assert_eq!(out, full, "same history, best and flags");
    assert!(params_equal(&straight, &resumed), "same final state");

    // A finished run resumes to nothing new; another seed is refused.
    let again = run(&mut resumed, &batcher, &val, &second);
    assert_eq!(again.history, full.history);
    let wrong = TrainConfig { seed: 10, ..second };
    let err = train(&mut resumed, &batcher, Some(&val), &wrong).unwrap_err();
    assert!(
        matches!(err, LearnError::Checkpoint { .. }) && err.to_string().contains("seed 9"),
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
