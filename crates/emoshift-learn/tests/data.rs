//! Data set checks, the domain batcher (one batch per domain, class
//! balance, crops, determinism) and windowed prediction.

use std::collections::BTreeMap;

use emoshift_audio::Features;
use emoshift_learn::batcher::{random_crop, BatcherConfig, DomainBatcher};
use emoshift_learn::data::{stack, Dataset, Domain, Example, InputLayout};
use emoshift_learn::methods::erm::{Erm, ErmConfig};
use emoshift_learn::models::{self, ModelSpec};
use emoshift_learn::predict::{self, Aggregation, PredictConfig, WindowConfig};
use emoshift_learn::{LearnError, Method};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

/// Features whose value at (bin, frame) is `offset + 1000·bin + frame`.
fn ramp(bins: usize, frames: usize, offset: f32) -> Features {
    let data = (0..bins)
        .flat_map(|b| (0..frames).map(move |t| offset + 1000.0 * b as f32 + t as f32))
        .collect();
    Features::new(bins, frames, data).unwrap()
}

fn example(frames: usize, label: usize, gender: usize) -> Example {
    let mut e = Example::new(ramp(3, frames, 0.0), label);
    e.aux.insert("gender".into(), gender);
    e
}

/// Two domains: the first 90 % class 0, the second all classes evenly.
fn two_domains() -> Dataset {
    let a = (0..50)
        .map(|i| example(20 + i % 7, usize::from(i % 10 == 0), i % 2))
        .collect();
    let b = (0..30).map(|i| example(8 + i % 5, i % 3, 1)).collect();
    Dataset::new(vec![Domain::labelled("a", a), Domain::labelled("b", b)], 3).unwrap()
}

fn values(t: &Tensor) -> Vec<f32> {
    Vec::try_from(t.contiguous().view([-1])).unwrap()
}

fn labels(t: &Tensor) -> Vec<i64> {
    Vec::try_from(t).unwrap()
}

#[test]
fn dataset_rejects_bad_examples() {
    let good = || Domain::labelled("d", vec![example(4, 0, 0)]);
    let check = |domains: Vec<Domain>, needle: &str| {
        let err = Dataset::new(domains, 2).unwrap_err();
        assert!(matches!(err, LearnError::Data(_)), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
    };
    check(
        vec![good(), Domain::labelled("empty", vec![])],
        "domain `empty` has no examples",
    );
    check(
        vec![Domain::labelled("d", vec![example(4, 2, 0)])],
        "label 2",
    );
    check(
        vec![
            good(),
            Domain::labelled("x", vec![Example::new(ramp(5, 4, 0.0), 0)]),
        ],
        "5 bins",
    );
    check(
        vec![
            good(),
            Domain::labelled("x", vec![Example::new(ramp(3, 4, 0.0), 0)]),
        ],
        "auxiliary labels",
    );
    check(vec![], "no examples");
    let data = Dataset::new(vec![good(), good()], 2).unwrap();
    assert_eq!(
        data.aux_classes(),
        &BTreeMap::from([("gender".to_string(), 1)])
    );
    assert_eq!(data.len(), 2);
}

#[test]
fn one_batch_per_domain_with_crops_and_aux_labels() {
    let data = two_domains();
    let cfg = BatcherConfig {
        batch_size: 6,
        class_balanced: false,
        crop_frames: Some(10),
    };
    let batcher = DomainBatcher::new(&data, cfg, InputLayout::Spectrogram, 7, Device::Cpu).unwrap();
    assert_eq!(batcher.example_shape(), [1, 3, 10]);
    assert_eq!(batcher.steps_per_epoch(), 9, "50 examples / 6 per batch");
    let batches = batcher.batches(0).unwrap();
    assert_eq!(batches.len(), 2);
    for (d, batch) in batches.iter().enumerate() {
        assert_eq!(batch.domain, d);
        assert_eq!(batch.x.size(), [6, 1, 3, 10]);
        assert_eq!(batch.y.size(), [6]);
        assert_eq!(batch.y.kind(), Kind::Int64);
        assert_eq!(batch.aux["gender"].size(), [6]);
        // Every row of every crop is a run of consecutive frames (a crop of
        // a long example) or a cyclic run (a tiled short one, domain b).
        let x = values(&batch.x);
        for row in x.chunks(10) {
            let steps = row.windows(2).filter(|w| w[1] - w[0] != 1.0).count();
            assert!(steps <= usize::from(d == 1), "domain {d}: {row:?}");
        }
    }
    assert!(labels(&batches[1].aux["gender"]).iter().all(|&g| g == 1));
}

#[test]
fn batches_are_a_function_of_seed_and_step() {
    let data = two_domains();
    let cfg = BatcherConfig {
        batch_size: 4,
        class_balanced: true,
        crop_frames: Some(6),
    };
    let a =
        DomainBatcher::new(&data, cfg.clone(), InputLayout::Spectrogram, 1, Device::Cpu).unwrap();
    let b =
        DomainBatcher::new(&data, cfg.clone(), InputLayout::Spectrogram, 1, Device::Cpu).unwrap();
    let c = DomainBatcher::new(&data, cfg, InputLayout::Spectrogram, 2, Device::Cpu).unwrap();
    let (a5, b5) = (a.batches(5).unwrap(), b.batches(5).unwrap());
    let _ = b.batches(4).unwrap();
    assert!(a5
        .iter()
        .zip(&b5)
        .all(|(p, q)| p.x.equal(&q.x) && p.y.equal(&q.y)));
    assert!(
        a.batches(5).unwrap()[0].x.equal(&a5[0].x),
        "drawing again changes nothing"
    );
    assert!(!a.batches(6).unwrap()[0].x.equal(&a5[0].x));
    assert!(!c.batches(5).unwrap()[0].x.equal(&a5[0].x));
}

#[test]
fn class_balanced_draws_equalise_classes() {
    let data = two_domains();
    let count_minority = |balanced: bool| {
        let cfg = BatcherConfig {
            batch_size: 50,
            class_balanced: balanced,
            crop_frames: Some(4),
        };
        let batcher = DomainBatcher::new(&data, cfg, InputLayout::Vector, 3, Device::Cpu).unwrap();
        (0..20)
            .flat_map(|s| labels(&batcher.batches(s).unwrap()[0].y))
            .filter(|&y| y == 1)
            .count() as f64
            / 1000.0
    };
    let plain = count_minority(false);
    let balanced = count_minority(true);
    assert!(
        (plain - 0.1).abs() < 0.04,
        "uniform draws keep the 10 % minority: {plain}"
    );
    assert!(
        (balanced - 0.5).abs() < 0.05,
        "a class, then a file: {balanced}"
    );
}

#[test]
fn layouts_and_crops() {
    let f = ramp(2, 3, 0.0);
    let g = ramp(2, 3, 10.0);
    let seq = stack(&[&f, &g], InputLayout::Sequence, Device::Cpu).unwrap();
    assert_eq!(seq.size(), [2, 3, 2]);
    assert_eq!(values(&seq)[..6], [0.0, 1000.0, 1.0, 1001.0, 2.0, 1002.0]);
    let vec = stack(&[&f, &g], InputLayout::Vector, Device::Cpu).unwrap();
    assert_eq!(values(&vec), [1.0, 1001.0, 11.0, 1011.0]);
    let short = ramp(2, 3, 0.0);
    assert!(stack(
        &[&f, &ramp(2, 4, 0.0)],
        InputLayout::Spectrogram,
        Device::Cpu
    )
    .is_err());
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let tiled = random_crop(&short, 7, &mut rng);
    let row: Vec<f32> = tiled.row(0).unwrap().to_vec();
    assert!(
        row.windows(2).all(|w| w[1] == (w[0] + 1.0) % 3.0),
        "{row:?}"
    );
    let unequal = two_domains();
    let cfg = BatcherConfig {
        batch_size: 2,
        class_balanced: false,
        crop_frames: None,
    };
    let err = DomainBatcher::new(&unequal, cfg, InputLayout::Vector, 0, Device::Cpu)
        .err()
        .unwrap();
    assert!(err.to_string().contains("crop_frames"), "{err}");
}

#[test]
fn windows_cover_the_whole_input() {
    let f = ramp(1, 25, 0.0);
    let ws = predict::windows(&f, 10, 6);
    let starts: Vec<f32> = ws.iter().map(|w| w.data[0]).collect();
    assert_eq!(
        starts,
        [0.0, 6.0, 12.0, 15.0],
        "the last window ends at the last frame"
    );
    assert!(ws.iter().all(|w| w.n_frames == 10));
    let one = predict::windows(&ramp(1, 4, 0.0), 10, 5);
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0].data,
        [0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0]
    );
}

#[test]
fn windowed_probabilities_average_the_windows() {
    tch::manual_seed(0);
    let spec: ModelSpec =
        serde_json::from_str(r#"{"name": "cnn_blstm", "channels": [2], "hidden": 3}"#).unwrap();
    let model = models::build(&spec, &[1, 3, 8], 3, Device::Cpu).unwrap();
    let method = Erm::new(&ErmConfig::default(), model, 1).unwrap();
    let long = ramp(3, 20, 0.0);
    let long = Features::new(3, 20, long.data.iter().map(|v| (v * 0.37).sin()).collect()).unwrap();
    let short = Features::new(3, 5, (0..15).map(|i| (i as f32).cos()).collect()).unwrap();
    let cfg = PredictConfig {
        layout: InputLayout::Spectrogram,
        window: Some(WindowConfig {
            frames: 8,
            hop: 4,
            aggregation: Aggregation::MeanProbability,
        }),
        batch_size: 3,
        device: Device::Cpu,
    };
    let probs = predict::predict_proba(&method, &[&long, &short, &long], &cfg).unwrap();
    assert_eq!(probs.len(), 3);
    assert_eq!(probs[0], probs[2]);
    for p in &probs {
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let windows = predict::windows(&long, 8, 4);
    let refs: Vec<&Features> = windows.iter().collect();
    let x = stack(&refs, InputLayout::Spectrogram, Device::Cpu).unwrap();
    let manual = values(
        &method
            .predict(&x)
            .softmax(-1, Kind::Float)
            .mean_dim(0, false, None),
    );
    for (a, b) in probs[0].iter().zip(&manual) {
        assert!((a - b).abs() < 1e-6, "{:?} vs {manual:?}", probs[0]);
    }
    let emb = predict::embed(&method, &[&long, &short], &cfg).unwrap();
    assert_eq!(emb[0].len(), 6);
    assert_eq!(predict::argmax(&[0.1, 0.7, 0.2]), 1);
}
