//! Gradient checks of the optimisers, losses and methods against PyTorch.
//!
//! `scripts/gen_method_fixtures.py` runs the same updates in PyTorch
//! (`torch.optim`, `torch.autograd`, a true autograd Function for gradient
//! reversal, `create_graph` for second-order MLDG) on tiny networks with the
//! same parameter names; every value here must match within
//! `|actual − expected| ≤ 1e-4·|expected| + 1e-6`, element by element.
//! The `bn_*` fixtures use a conv net with batch norm ([`common::ConvBn`])
//! and also check the running statistics and train/eval-mode outputs.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use emoshift_learn::losses::{
    center_loss, coral, cross_entropy, energy_score, grad_reverse, mmd, update_centers,
    MmdEstimate, MmdKernels,
};
use emoshift_learn::methods::{self, DaMldg, DomainInfo, MethodConfig, Mldg, Rsc};
use emoshift_learn::models::mlp::Mlp;
use emoshift_learn::optim::{clip_grad_norm, OptimConfig, Optimizer};
use emoshift_learn::{DomainBatch, LossReport, Method, Model, ParamStore};
use serde_json::Value;
use tch::{Device, Kind, Tensor};

const RTOL: f64 = 1e-4;
const ATOL: f64 = 1e-6;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/methods")
}

/// One fixture: its tensors and its JSON metadata.
struct Fixture {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
    meta: Value,
}

impl Fixture {
    fn load(name: &str) -> Fixture {
        let path = fixture_dir().join(format!("{name}.safetensors"));
        let tensors = Tensor::read_safetensors(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .into_iter()
            .collect();
        let json = std::fs::read_to_string(fixture_dir().join(format!("{name}.json")))
            .expect("fixture json");
        Fixture {
            path,
            tensors,
            meta: serde_json::from_str(&json).expect("fixture json parses"),
        }
    }

    fn get(&self, key: &str) -> &Tensor {
        self.tensors
            .get(key)
            .unwrap_or_else(|| panic!("{}: no tensor `{key}`", self.path.display()))
    }

    fn scalar(&self, key: &str) -> f64 {
        self.meta[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no number `{key}`"))
    }

    fn config(&self) -> MethodConfig {
        serde_json::from_value(self.meta["config"].clone())
            .expect("fixture config is a MethodConfig")
    }

    /// Whether batch `i` is labelled (`labelled` in the metadata; all are by default).
    fn labelled(&self, i: usize) -> bool {
        self.meta["labelled"]
            .as_array()
            .is_none_or(|l| l[i].as_bool().expect("labelled flags"))
    }

    /// The domain count and auxiliary class counts the method is built for.
    fn domain_info(&self) -> DomainInfo {
        let aux_classes = self.meta["aux_classes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().expect("class count") as usize))
                    .collect()
            })
            .unwrap_or_default();
        DomainInfo {
            num_domains: self.num_domains(),
            aux_classes,
        }
    }

    fn batches(&self) -> Vec<DomainBatch> {
        let domains = self.meta["domains"].as_array().expect("domains");
        domains
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let prefix = format!("aux.{i}.");
                let aux = self
                    .tensors
                    .iter()
                    .filter_map(|(k, t)| {
                        k.strip_prefix(&prefix)
                            .map(|n| (n.to_string(), t.shallow_clone()))
                    })
                    .collect();
                DomainBatch {
                    x: self.get(&format!("x.{i}")).shallow_clone(),
                    y: self.get(&format!("y.{i}")).shallow_clone(),
                    domain: d.as_u64().expect("domain index") as usize,
                    aux,
                    labelled: self.labelled(i),
                }
            })
            .collect()
    }

    fn model(&self) -> Box<dyn Model> {
        let m = &self.meta["model"];
        let classes = m["classes"].as_u64().unwrap() as usize;
        match m["kind"].as_str().unwrap() {
            "mlp" => {
                let hidden: Vec<usize> = m["hidden"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect();
                Box::new(Mlp::new(
                    Device::Cpu,
                    m["in_dim"].as_u64().unwrap() as usize,
                    &hidden,
                    classes,
                    0.0,
                ))
            }
            "tiny_conv" => Box::new(TinyConv::new(classes)),
            "conv_bn" => Box::new(common::ConvBn::new(4, classes)),
            other => panic!("unknown fixture model {other}"),
        }
    }

    fn num_domains(&self) -> usize {
        self.meta["num_domains"].as_u64().unwrap() as usize
    }

    fn steps(&self) -> usize {
        self.meta["steps"].as_u64().unwrap() as usize
    }

    /// Loads every `init.*` tensor into the method through its state dict;
    /// every network and head parameter must be given.
    fn init<M: Method + ?Sized>(&self, method: &mut M) {
        let named: Vec<(String, Tensor)> = method
            .state_dict()
            .into_iter()
            .map(
                |(name, t)| match self.tensors.get(&format!("init.{name}")) {
                    Some(v) => (name, v.shallow_clone()),
                    None => {
                        assert!(
                            !name.starts_with("model.") && !name.starts_with("head."),
                            "fixture gives no initial value for `{name}`"
                        );
                        (name, t)
                    }
                },
            )
            .collect();
        method
            .load_state_dict(&self.path, named)
            .expect("fixture weights fit");
    }

    /// Compares the method's state with every `expected.*` tensor.
    fn check_expected<M: Method + ?Sized>(&self, method: &M) {
        let state: HashMap<String, Tensor> = method.state_dict().into_iter().collect();
        let mut checked = 0;
        for (key, expected) in &self.tensors {
            if let Some(name) = key.strip_prefix("expected.") {
                let actual = state
                    .get(name)
                    .unwrap_or_else(|| panic!("method has no `{name}`"));
                assert_close(actual, expected, name);
                checked += 1;
            }
        }
        assert!(checked > 0, "fixture has no expected tensors");
    }

    /// Compares the loss reports with the recorded ones.
    fn check_reports(&self, reports: &[LossReport]) {
        let expected = self.meta["reports"].as_array().expect("reports");
        assert_eq!(reports.len(), expected.len());
        for (step, (r, e)) in reports.iter().zip(expected).enumerate() {
            for (key, value) in e.as_object().unwrap() {
                let actual = if key == "total" {
                    r.total
                } else {
                    r.terms[key.as_str()]
                };
                assert_scalar(
                    actual,
                    value.as_f64().unwrap(),
                    &format!("step {step} {key}"),
                );
            }
        }
    }
}

fn assert_scalar(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= RTOL * expected.abs() + ATOL,
        "{what}: {actual} vs PyTorch {expected}"
    );
}

fn assert_close(actual: &Tensor, expected: &Tensor, what: &str) {
    assert_eq!(actual.size(), expected.size(), "{what}: shape");
    let a = actual.to_kind(Kind::Double);
    let e = expected.to_kind(Kind::Double);
    let excess = ((&a - &e).abs() - e.abs() * RTOL).max().double_value(&[]);
    assert!(
        excess <= ATOL,
        "{what}: differs from PyTorch by {excess} beyond tolerance\n{a}\n{e}"
    );
}

/// The fixtures' conv net: conv3x3(1→3, padding 1) → ReLU as the feature
/// map `[N, 3, H, W]`, mean pooling, linear classifier.
struct TinyConv {
    store: ParamStore,
    classes: usize,
}

impl TinyConv {
    fn new(classes: usize) -> Self {
        let mut store = ParamStore::new(Device::Cpu);
        store.add(
            "features.0.weight",
            Tensor::zeros([3, 1, 3, 3], (Kind::Float, Device::Cpu)),
        );
        store.add(
            "features.0.bias",
            Tensor::zeros([3], (Kind::Float, Device::Cpu)),
        );
        store.add(
            "classifier.weight",
            Tensor::zeros([classes as i64, 3], (Kind::Float, Device::Cpu)),
        );
        store.add(
            "classifier.bias",
            Tensor::zeros([classes as i64], (Kind::Float, Device::Cpu)),
        );
        TinyConv { store, classes }
    }
}

impl Model for TinyConv {
    fn store(&self) -> &ParamStore {
        &self.store
    }
    fn feature_map(&self, p: &[Tensor], x: &Tensor, _train: bool) -> Tensor {
        x.conv2d(&p[0], Some(&p[1]), [1, 1], [1, 1], [1, 1], 1)
            .relu()
    }
    fn pool(&self, map: &Tensor) -> Tensor {
        map.mean_dim(&[2i64, 3][..], false, Kind::Float)
    }
    fn classify(&self, p: &[Tensor], f: &Tensor, _train: bool) -> Tensor {
        f.linear(&p[2], Some(&p[3]))
    }
    fn feature_dim(&self) -> usize {
        3
    }
    fn num_classes(&self) -> usize {
        self.classes
    }
}

/// Runs a fixture through `methods::build` and `Method::update`.
fn check_generic(name: &str) {
    let fx = Fixture::load(name);
    let mut method =
        methods::build(&fx.config(), fx.model(), fx.domain_info()).expect("method builds");
    fx.init(method.as_mut());
    let batches = fx.batches();
    let reports: Vec<LossReport> = (0..fx.steps())
        .map(|_| method.update(&batches).expect("update"))
        .collect();
    fx.check_reports(&reports);
    fx.check_expected(method.as_ref());
    check_probe(&fx, method.as_ref());
}

#[test]
fn erm_sgd_momentum_weight_decay_clipping_matches_pytorch() {
    check_generic("erm");
}

#[test]
fn dann_reversal_heads_center_loss_and_adadelta_match_pytorch() {
    check_generic("dann");
}

/// The dann_cross shape: the unlabelled target batch joins the domain heads
/// (gradient reversal included, as PyTorch's autograd Function does it) and
/// never the emotion loss.
#[test]
fn dann_with_an_unlabelled_target_trains_its_domain_heads_on_it_like_pytorch() {
    check_generic("dann_target");
    let fx = Fixture::load("dann_target");
    for report in fx.meta["reports"].as_array().unwrap() {
        assert!(report["domain_corpus"].as_f64().unwrap() > 0.1, "{report}");
    }
}

#[test]
fn mmd_transfer_both_steps_with_adam_match_pytorch() {
    check_generic("mmd_transfer");
}

#[test]
fn mmd_transfer_unlabelled_target_unbiased_matches_pytorch() {
    check_generic("mmd_transfer_unlabelled");
}

#[test]
fn coral_with_nesterov_matches_pytorch() {
    check_generic("coral");
}

#[test]
fn probe_without_augmentation_averages_frames_and_matches_pytorch() {
    check_generic("probe");
}

/// The meta-test positions of each step: `meta_test_schedule` (one list
/// per step) or the same `meta_test` list at every step.
fn meta_test_schedule(fx: &Fixture) -> Vec<Vec<usize>> {
    let positions = |v: &Value| -> Vec<usize> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap() as usize)
            .collect()
    };
    match fx.meta.get("meta_test_schedule") {
        Some(s) => s.as_array().unwrap().iter().map(positions).collect(),
        None => vec![positions(&fx.meta["meta_test"]); fx.steps()],
    }
}

/// Runs the fixture's steps with its meta-test schedule through `update`.
fn run_meta<M: Method>(
    fx: &Fixture,
    method: &mut M,
    update: impl Fn(&mut M, &[DomainBatch], &[usize]) -> LossReport,
) {
    fx.init(method);
    let batches = fx.batches();
    let reports: Vec<LossReport> = meta_test_schedule(fx)
        .iter()
        .map(|split| update(method, &batches, split))
        .collect();
    fx.check_reports(&reports);
    fx.check_expected(method);
}

fn check_mldg(name: &str) {
    let fx = Fixture::load(name);
    let MethodConfig::Mldg(cfg) = fx.config() else {
        panic!("not an mldg fixture")
    };
    let mut method = Mldg::new(&cfg, fx.model(), fx.num_domains()).unwrap();
    run_meta(&fx, &mut method, |m, b, s| {
        m.update_with_split(b, s).unwrap()
    });
    check_probe(&fx, &method);
}

fn check_da_mldg(name: &str) {
    let fx = Fixture::load(name);
    let MethodConfig::DaMldg(cfg) = fx.config() else {
        panic!("not a da_mldg fixture")
    };
    let mut method = DaMldg::new(&cfg, fx.model(), fx.num_domains()).unwrap();
    run_meta(&fx, &mut method, |m, b, s| {
        m.update_with_split(b, s).unwrap()
    });
    check_probe(&fx, &method);
}

/// Where the fixture has a `probe` input: the updated network's
/// evaluation-mode logits (running statistics) and training-mode logits
/// (batch statistics, the running ones left as they are) match PyTorch's.
fn check_probe(fx: &Fixture, method: &dyn Method) {
    let Some(probe) = fx.tensors.get("probe") else {
        return;
    };
    assert_close(
        &method.predict(probe),
        fx.get("probe.eval"),
        "eval-mode logits",
    );
    let store = method.model().store();
    let train = store.without_statistics_updates(|| {
        tch::no_grad(|| method.model().forward(store.values(), probe, true))
    });
    assert_close(&train, fx.get("probe.train"), "train-mode logits");
}

#[test]
fn mldg_first_order_matches_pytorch() {
    check_mldg("mldg_order1");
}

#[test]
fn mldg_second_order_matches_pytorch() {
    check_mldg("mldg_order2");
}

#[test]
fn da_mldg_first_order_gamma_and_update_match_pytorch() {
    check_da_mldg("da_mldg_order1");
}

#[test]
fn da_mldg_second_order_gamma_and_update_match_pytorch() {
    // The fixture generator asserts that the meta-test term changes the
    // gradient by more than 1e-3, so a meta-test loss that did not reach
    // the weights would fail this comparison.
    check_da_mldg("da_mldg_order2");
}

fn check_rsc(name: &str) {
    let fx = Fixture::load(name);
    let MethodConfig::Rsc(cfg) = fx.config() else {
        panic!("not an rsc fixture")
    };
    let spatial = fx.meta["spatial"].as_bool().unwrap();
    let mut method = Rsc::new(&cfg, fx.model(), fx.num_domains()).unwrap();
    fx.init(&mut method);
    let batches = fx.batches();
    let x = Tensor::cat(&batches.iter().map(|b| &b.x).collect::<Vec<_>>(), 0);
    let y = Tensor::cat(&batches.iter().map(|b| &b.y).collect::<Vec<_>>(), 0);
    let map = method
        .model()
        .feature_map(method.model().store().values(), &x, true);
    let mask = method.mask(&map, &y, spatial);
    assert_close(&mask, fx.get("extra.mask"), "RSC mask");
    let reports: Vec<LossReport> = (0..fx.steps())
        .map(|_| method.update_with_mode(&batches, spatial).unwrap())
        .collect();
    fx.check_reports(&reports);
    fx.check_expected(&method);
}

#[test]
fn erm_on_a_batch_norm_net_matches_pytorch_weights_statistics_and_outputs() {
    check_generic("bn_erm");
}

#[test]
fn mldg_first_order_on_a_batch_norm_net_matches_pytorch_weights_statistics_and_outputs() {
    check_mldg("bn_mldg_order1");
}

#[test]
fn mldg_second_order_on_a_batch_norm_net_matches_pytorch_weights_statistics_and_outputs() {
    check_mldg("bn_mldg_order2");
}

#[test]
fn da_mldg_first_order_on_a_batch_norm_net_matches_pytorch_gamma_weights_statistics_and_outputs() {
    check_da_mldg("bn_da_mldg_order1");
}

#[test]
fn da_mldg_second_order_on_a_batch_norm_net_matches_pytorch_gamma_weights_statistics_and_outputs() {
    check_da_mldg("bn_da_mldg_order2");
}

#[test]
fn rsc_vector_features_mask_and_update_match_pytorch() {
    check_rsc("rsc_vector");
}

#[test]
fn rsc_channel_mask_on_conv_map_matches_pytorch() {
    check_rsc("rsc_conv_channel");
}

#[test]
fn rsc_spatial_mask_on_conv_map_matches_pytorch() {
    check_rsc("rsc_conv_spatial");
}

#[test]
fn optimisers_match_torch_optim_over_three_steps_and_resume_from_state() {
    let fx = Fixture::load("optim");
    let init = [fx.get("init.0"), fx.get("init.1")];
    let names = vec!["a".to_string(), "b".to_string()];
    let steps = fx.steps();
    let grads = |s: usize| {
        vec![
            fx.get(&format!("grad.{s}.0")).shallow_clone(),
            fx.get(&format!("grad.{s}.1")).shallow_clone(),
        ]
    };
    for (c, cfg) in fx.meta["configs"].as_array().unwrap().iter().enumerate() {
        let cfg: OptimConfig = serde_json::from_value(cfg.clone()).expect("optimiser config");
        let params: Vec<Tensor> = init.iter().map(|t| t.copy()).collect();
        let mut opt = Optimizer::new(&cfg, &names, &params).unwrap();
        for s in 0..steps - 1 {
            opt.step(&params, &grads(s));
        }
        // Resume the last step from a saved state in a fresh optimiser.
        let mut resumed = Optimizer::new(&cfg, &names, &params).unwrap();
        resumed
            .load_state_dict(Path::new("memory"), &opt.state_dict())
            .unwrap();
        resumed.step(&params, &grads(steps - 1));
        for (i, p) in params.iter().enumerate() {
            assert_close(
                p,
                fx.get(&format!("expected.{c}.{i}")),
                &format!("{cfg:?} parameter {i}"),
            );
        }
    }
}

#[test]
fn clip_grad_norm_matches_torch() {
    let fx = Fixture::load("optim");
    let grads = vec![fx.get("clip.in.0").copy(), fx.get("clip.in.1").copy()];
    let norm = clip_grad_norm(&grads, fx.scalar("clip_max"));
    assert_scalar(norm, fx.scalar("clip_norm"), "total norm");
    assert_close(&grads[0], fx.get("clip.out.0"), "clipped 0");
    assert_close(&grads[1], fx.get("clip.out.1"), "clipped 1");
}

/// Value and gradients of `f(a, b)` for the two leaves made from `a0`, `b0`.
fn value_and_grads(
    a0: &Tensor,
    b0: &Tensor,
    f: impl Fn(&Tensor, &Tensor) -> Tensor,
) -> (f64, Tensor, Tensor) {
    let a = a0.copy().set_requires_grad(true);
    let b = b0.copy().set_requires_grad(true);
    let v = f(&a, &b);
    let g = Tensor::run_backward(&[&v], &[&a, &b], false, false);
    (
        v.double_value(&[]),
        g[0].shallow_clone(),
        g[1].shallow_clone(),
    )
}

/// Value and gradient of `f(a)` for the leaf made from `a0`.
fn value_and_grad(a0: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> (f64, Tensor) {
    let a = a0.copy().set_requires_grad(true);
    let v = f(&a);
    let g = Tensor::run_backward(&[&v], &[&a], false, false).remove(0);
    (v.double_value(&[]), g)
}

#[test]
fn mmd_values_and_gradients_match_pytorch() {
    let fx = Fixture::load("losses");
    let (s, t) = (fx.get("source"), fx.get("target"));
    for (name, estimate) in [
        ("biased", MmdEstimate::Biased),
        ("unbiased", MmdEstimate::Unbiased),
    ] {
        let kernels = MmdKernels {
            estimate,
            ..MmdKernels::default()
        };
        let (v, gs, gt) = value_and_grads(s, t, |a, b| mmd(a, b, &kernels));
        assert_scalar(v, fx.scalar(&format!("mmd_{name}")), name);
        assert_close(&gs, fx.get(&format!("mmd_{name}.grad_source")), name);
        assert_close(&gt, fx.get(&format!("mmd_{name}.grad_target")), name);
    }
}

#[test]
fn coral_value_and_gradients_match_pytorch() {
    let fx = Fixture::load("losses");
    let (v, gs, gt) = value_and_grads(fx.get("source"), fx.get("target"), coral);
    assert_scalar(v, fx.scalar("coral"), "coral");
    assert_close(&gs, fx.get("coral.grad_source"), "coral source");
    assert_close(&gt, fx.get("coral.grad_target"), "coral target");
}

#[test]
fn energy_and_cross_entropy_match_pytorch() {
    let fx = Fixture::load("losses");
    let logits = fx.get("logits");
    let labels = fx.get("labels");
    for t in [1.0, 2.0] {
        let (v, g) = value_and_grad(logits, |z| energy_score(z, t));
        assert_scalar(v, fx.scalar(&format!("energy_t{t}")), "energy");
        assert_close(&g, fx.get(&format!("energy_t{t}.grad")), "energy gradient");
    }
    let (v, g) = value_and_grad(logits, |z| cross_entropy(z, labels));
    assert_scalar(v, fx.scalar("cross_entropy"), "cross-entropy");
    assert_close(&g, fx.get("cross_entropy.grad"), "cross-entropy gradient");
}

#[test]
fn center_loss_and_center_update_match_pytorch_with_an_absent_class() {
    let fx = Fixture::load("losses");
    let centers = fx.get("centers").copy();
    let labels = fx.get("labels");
    let (v, g) = value_and_grad(fx.get("features"), |f| center_loss(f, labels, &centers));
    assert_scalar(v, fx.scalar("center"), "center loss");
    assert_close(&g, fx.get("center.grad"), "center loss gradient");
    update_centers(&centers, fx.get("features"), labels, 0.5);
    assert_close(&centers, fx.get("center.updated"), "updated centers");
    // Class 3 is absent from the labels: its center must not move.
    assert_close(
        &centers.get(3),
        &fx.get("centers").get(3),
        "absent class center",
    );
}

#[test]
fn gradient_reversal_is_identity_forward_and_negative_lambda_backward() {
    let x = Tensor::from_slice(&[0.5f32, -1.25, 3.0]).set_requires_grad(true);
    let y = grad_reverse(&x, 0.3);
    assert_close(&y, &x.detach(), "GRL value");
    let w = Tensor::from_slice(&[1.0f32, 2.0, -4.0]);
    let g = Tensor::run_backward(&[&(&y * &w).sum(Kind::Float)], &[&x], false, false).remove(0);
    assert_close(&g, &(&w * -0.3), "GRL gradient");
}
