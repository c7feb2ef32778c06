//! Batch norm under the meta-learning methods: forwards at adapted
//! parameters θ′ never move the running statistics of θ, and DA-MLDG's γ
//! is measured in evaluation mode, where a shift between domains survives.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use emoshift_learn::losses::energy_score;
use emoshift_learn::methods::{
    DaMldg, DaMldgConfig, Erm, ErmConfig, Mldg, MldgConfig, Rsc, RscConfig,
};
use emoshift_learn::models::{ResNet18, ResNetConfig};
use emoshift_learn::optim::OptimConfig;
use emoshift_learn::{DomainBatch, Method, Model};
use tch::{Device, Kind, Tensor};

const CLASSES: usize = 3;

/// libtorch's generator is global: the tests seed it, so they run one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A ResNet-18 with 4 base channels, initialised from `seed`.
fn resnet(seed: i64) -> Box<dyn Model> {
    tch::manual_seed(seed);
    Box::new(ResNet18::new(&ResNetConfig { width: 0.0625 }, 1, CLASSES, Device::Cpu).unwrap())
}

/// Three domains of `[16, 1, 16, 16]` inputs; domain `d` is offset by `levels[d]`.
fn domains(levels: [f64; 3]) -> Vec<DomainBatch> {
    tch::manual_seed(7);
    levels
        .iter()
        .enumerate()
        .map(|(d, level)| DomainBatch {
            x: Tensor::randn([16, 1, 16, 16], (Kind::Float, Device::Cpu)) + *level,
            y: Tensor::arange(16, (Kind::Int64, Device::Cpu)).remainder(CLASSES as i64),
            domain: d,
            aux: BTreeMap::new(),
            labelled: true,
        })
        .collect()
}

fn buffers(model: &dyn Model) -> Vec<(String, Tensor)> {
    let store = model.store();
    store
        .buffer_names()
        .iter()
        .cloned()
        .zip(store.buffers().iter().map(Tensor::copy))
        .collect()
}

/// The buffers of a fresh network from `seed` after one training-mode
/// forward at θ of the batches at `positions`, joined into one batch.
fn after_one_forward(
    seed: i64,
    batches: &[DomainBatch],
    positions: &[usize],
) -> Vec<(String, Tensor)> {
    let model = resnet(seed);
    let xs: Vec<&Tensor> = positions.iter().map(|&i| &batches[i].x).collect();
    let _ = tch::no_grad(|| model.forward(model.store().values(), &Tensor::cat(&xs, 0), true));
    buffers(model.as_ref())
}

fn assert_same_buffers(actual: &[(String, Tensor)], expected: &[(String, Tensor)], what: &str) {
    assert_eq!(actual.len(), expected.len());
    for ((name, a), (_, e)) in actual.iter().zip(expected) {
        assert!(a.equal(e), "{what}: buffer `{name}` differs\n{a}\n{e}");
    }
}

fn sgd() -> OptimConfig {
    OptimConfig::sgd_momentum(0.05, 0.9)
}

#[test]
fn mldg_and_da_mldg_updates_keep_only_the_statistics_of_one_meta_train_forward_at_theta() {
    let _serial = serial();
    let batches = domains([0.0, 2.0, -1.0]);
    let split = [1usize];
    let expected = after_one_forward(3, &batches, &[0, 2]);
    let initial = buffers(resnet(3).as_ref());
    for order in [1u8, 2] {
        let cfg = MldgConfig {
            order,
            optimizer: sgd(),
            ..MldgConfig::default()
        };
        let mut mldg = Mldg::new(&cfg, resnet(3), 3).unwrap();
        mldg.update_with_split(&batches, &split).unwrap();
        assert_same_buffers(
            &buffers(mldg.model()),
            &expected,
            &format!("MLDG order {order}"),
        );
        let cfg = DaMldgConfig {
            order,
            optimizer: sgd(),
            ..DaMldgConfig::default()
        };
        let mut da = DaMldg::new(&cfg, resnet(3), 3).unwrap();
        da.update_with_split(&batches, &split).unwrap();
        assert_same_buffers(
            &buffers(da.model()),
            &expected,
            &format!("DA-MLDG order {order}"),
        );
    }
    // Not vacuous: the meta-train forward did move the statistics.
    let moved = initial
        .iter()
        .zip(&expected)
        .filter(|((_, a), (_, b))| !a.equal(b))
        .count();
    assert_eq!(moved, initial.len(), "every buffer moves in one forward");
}

#[test]
fn erm_and_rsc_updates_move_the_statistics_by_one_forward_of_all_domains() {
    let _serial = serial();
    let batches = domains([0.0, 2.0, -1.0]);
    let expected = after_one_forward(5, &batches, &[0, 1, 2]);
    let mut erm = Erm::new(&ErmConfig::default(), resnet(5), 3).unwrap();
    erm.update(&batches).unwrap();
    assert_same_buffers(&buffers(erm.model()), &expected, "ERM");
    for spatial in [false, true] {
        let mut rsc = Rsc::new(&RscConfig::default(), resnet(5), 3).unwrap();
        rsc.update_with_mode(&batches, spatial).unwrap();
        assert_same_buffers(
            &buffers(rsc.model()),
            &expected,
            &format!("RSC spatial={spatial}"),
        );
    }
}

/// DA-MLDG's γ (with `inner_lr = 0`, so θ′ = θ) and the margin a
/// training-mode energy gives (each domain forwarded on its own, as γ was
/// measured before), for domains offset by `levels`, meta-test domain 1.
fn gammas(levels: [f64; 3]) -> (f64, f64) {
    let batches = domains(levels);
    let cfg = DaMldgConfig {
        inner_lr: 0.0,
        optimizer: sgd(),
        ..DaMldgConfig::default()
    };
    let model = resnet(11);
    let store = model.store();
    let train_energy = |positions: &[usize]| {
        let logits: Vec<Tensor> = positions
            .iter()
            .map(|&i| {
                store.without_statistics_updates(|| {
                    tch::no_grad(|| model.forward(store.values(), &batches[i].x, true))
                })
            })
            .collect();
        energy_score(&Tensor::cat(&logits, 0), 1.0).double_value(&[])
    };
    let train_mode = (train_energy(&[0, 2]) - train_energy(&[1])).abs();
    let mut da = DaMldg::new(&cfg, model, 3).unwrap();
    let report = da.update_with_split(&batches, &[1]).unwrap();
    (report.terms["gamma"], train_mode)
}

#[test]
fn da_mldg_gamma_grows_with_a_level_shift_that_training_mode_energy_normalises_away() {
    let _serial = serial();
    let (gamma_same, train_same) = gammas([0.0, 0.0, 0.0]);
    let (gamma_shifted, train_shifted) = gammas([0.0, 4.0, 0.0]);
    eprintln!("gamma {gamma_same} -> {gamma_shifted}; train-mode {train_same} -> {train_shifted}");
    assert!(
        gamma_shifted > 5.0 * gamma_same.max(1e-3),
        "γ {gamma_same} → {gamma_shifted}: an evaluation-mode energy sees the shifted domain"
    );
    assert!(
        (train_shifted - train_same).abs() < 0.35 * (gamma_shifted - gamma_same),
        "training-mode margin {train_same} → {train_shifted} moves as much as γ \
         {gamma_same} → {gamma_shifted}"
    );
}

#[test]
fn da_mldg_gamma_max_bounds_the_weight_used_and_logs_the_measured_gamma() {
    let _serial = serial();
    let batches = domains([0.0, 4.0, 0.0]);
    let cfg = DaMldgConfig {
        gamma_max: Some(0.05),
        optimizer: sgd(),
        ..DaMldgConfig::default()
    };
    let mut da = DaMldg::new(&cfg, resnet(11), 3).unwrap();
    let report = da.update_with_split(&batches, &[1]).unwrap();
    let (gamma, used) = (report.terms["gamma"], report.terms["gamma_used"]);
    assert!(gamma > 0.05, "the shifted domain gives γ = {gamma}");
    assert_eq!(used, 0.05);
    let expected = report.terms["meta_train"] + used * report.terms["meta_test"];
    assert!(
        (report.total - expected).abs() < 1e-5,
        "{} vs {expected}",
        report.total
    );
    let bad = DaMldgConfig {
        gamma_max: Some(f64::NAN),
        ..DaMldgConfig::default()
    };
    assert!(DaMldg::new(&bad, resnet(11), 3).is_err());
}
