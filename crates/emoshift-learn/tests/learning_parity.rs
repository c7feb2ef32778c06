//! End-to-end learning parity with plain PyTorch: ERM, MLDG (order 1 and 2)
//! and DA-MLDG (order 1 and 2) trained for N steps on a batch-norm network
//! from the same initial weights, on the same minibatches, with the same
//! meta-test schedule, must end with the same weights and the same
//! evaluation-mode accuracy, and report the same losses at every step.
//!
//! `scripts/parity_train.py` trains the PyTorch side and documents the data
//! formula, which [`domain_data`] and [`batch_indices`] compute here. The
//! committed fixture (`tests/fixtures/parity`) is a small conv net over
//! 60 steps; the ignored test runs any folder the script wrote (the
//! ResNet-18 benchmark in BENCHMARKS.md, "Learning parity").

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use emoshift_learn::methods::{self, DaMldg, MethodConfig, Mldg};
use emoshift_learn::models::{ResNet18, ResNetConfig};
use emoshift_learn::{DomainBatch, LearnError, LossReport, Method, Model};
use serde_json::{json, Value};
use tch::{Device, Kind, Tensor};

fn splitmix64(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The data settings the script records under `data`.
struct Spec {
    domains: usize,
    examples: usize,
    classes: usize,
    size: [usize; 2],
    /// The file holding the domains, when they are not the formula's.
    file: Option<String>,
    amplitude: f64,
    noise: f64,
    levels: Vec<f64>,
    gains: Vec<f64>,
    batch: usize,
    steps: usize,
}

impl Spec {
    fn from_json(v: &Value) -> Spec {
        let n = |k: &str| v[k].as_u64().unwrap() as usize;
        // The formula's settings are absent when the domains come from a file.
        let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
        let list = |k: &str| -> Vec<f64> {
            v[k].as_array()
                .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
                .unwrap_or_default()
        };
        let size = v["size"].as_array().unwrap();
        Spec {
            domains: n("domains"),
            examples: n("examples"),
            classes: n("classes"),
            size: [
                size[0].as_u64().unwrap() as usize,
                size[1].as_u64().unwrap() as usize,
            ],
            file: v["file"].as_str().map(str::to_string),
            amplitude: f("amplitude"),
            noise: f("noise"),
            levels: list("levels"),
            gains: list("gains"),
            batch: n("batch"),
            steps: n("steps"),
        }
    }
}

/// Inputs `[n, 1, H, W]` and labels of domain `d` (see the script's docs).
fn domain_data(d: usize, spec: &Spec) -> (Tensor, Tensor) {
    let [h, w] = spec.size;
    let scale = spec.noise * 12f64.sqrt();
    let mut xs = Vec::with_capacity(spec.examples * h * w);
    let ys: Vec<i64> = (0..spec.examples)
        .map(|i| (i % spec.classes) as i64)
        .collect();
    for (i, &band) in ys.iter().enumerate() {
        for r in 0..h {
            let on = if ((r * spec.classes) / h) as i64 == band {
                spec.amplitude
            } else {
                0.0
            };
            for q in 0..w {
                let key = ((d * 1_000_003 + i) * 65_536 + r * w + q) as u64;
                let u = (splitmix64(key) >> 11) as f64 / (1u64 << 53) as f64;
                xs.push((on + spec.levels[d] + spec.gains[d] * scale * (u - 0.5)) as f32);
            }
        }
    }
    let x = Tensor::from_slice(&xs).reshape([spec.examples as i64, 1, h as i64, w as i64]);
    (x, Tensor::from_slice(&ys))
}

/// The examples domain `d` contributes at `step`.
fn batch_indices(step: usize, d: usize, spec: &Spec) -> Tensor {
    let idx: Vec<i64> = (0..spec.batch)
        .map(|j| ((17 * (step * spec.batch + j) + 5 * d) % spec.examples) as i64)
        .collect();
    Tensor::from_slice(&idx)
}

/// A method, with the meta-learning ones kept concrete for `update_with_split`.
enum Learner {
    Mldg(Mldg),
    DaMldg(DaMldg),
    Other(Box<dyn Method>),
}

impl Learner {
    /// One step; `meta_test` is the meta-test split (unused by the others).
    fn update(
        &mut self,
        batches: &[DomainBatch],
        meta_test: &[usize],
    ) -> Result<LossReport, LearnError> {
        match self {
            Learner::Mldg(m) => m.update_with_split(batches, meta_test),
            Learner::DaMldg(m) => m.update_with_split(batches, meta_test),
            Learner::Other(m) => m.update(batches),
        }
    }

    fn method(&self) -> &dyn Method {
        match self {
            Learner::Mldg(m) => m,
            Learner::DaMldg(m) => m,
            Learner::Other(m) => m.as_ref(),
        }
    }
}

/// What one method did here, beside PyTorch.
struct Outcome {
    accuracy: Vec<f64>,
    max_loss_diff: f64,
    max_weight_diff: f64,
    /// The step whose loss was no longer finite, where training stopped.
    diverged_at: Option<usize>,
}

/// A folder written by `scripts/parity_train.py`.
struct Run {
    meta: Value,
    tensors: HashMap<String, Tensor>,
    spec: Spec,
    data: Vec<(Tensor, Tensor)>,
}

impl Run {
    fn load(dir: &Path) -> Run {
        let json = std::fs::read_to_string(dir.join("pytorch.json")).expect("pytorch.json");
        let meta: Value = serde_json::from_str(&json).unwrap();
        let tensors = Tensor::read_safetensors(dir.join("parity.safetensors"))
            .expect("parity.safetensors")
            .into_iter()
            .collect();
        let spec = Spec::from_json(&meta["data"]);
        let data = match &spec.file {
            Some(file) => {
                let named: HashMap<String, Tensor> = Tensor::read_safetensors(dir.join(file))
                    .expect("the data file")
                    .into_iter()
                    .collect();
                (0..=spec.domains)
                    .map(|d| {
                        (
                            named[&format!("x.{d}")].to_kind(Kind::Float),
                            named[&format!("y.{d}")].to_kind(Kind::Int64),
                        )
                    })
                    .collect()
            }
            None => (0..=spec.domains).map(|d| domain_data(d, &spec)).collect(),
        };
        Run {
            meta,
            tensors,
            spec,
            data,
        }
    }

    /// The network with the run's initial weights.
    fn model(&self) -> Box<dyn Model> {
        let m = &self.meta["model"];
        let classes = m["classes"].as_u64().unwrap() as usize;
        let model: Box<dyn Model> = match m["kind"].as_str().unwrap() {
            "conv_bn" => Box::new(common::ConvBn::new(
                m["channels"].as_u64().unwrap() as usize,
                classes,
            )),
            "resnet18" => Box::new(
                ResNet18::new(
                    &ResNetConfig {
                        width: m["width"].as_f64().unwrap(),
                    },
                    1,
                    classes,
                    Device::Cpu,
                )
                .unwrap(),
            ),
            other => panic!("unknown model {other}"),
        };
        let init = self
            .tensors
            .iter()
            .filter_map(|(k, t)| {
                k.strip_prefix("init.")
                    .map(|n| (n.to_string(), t.shallow_clone()))
            })
            .collect();
        model
            .store()
            .load_named(Path::new("parity.safetensors"), init)
            .expect("initial weights fit");
        model
    }

    fn batches(&self, step: usize) -> Vec<DomainBatch> {
        (0..self.spec.domains)
            .map(|d| {
                let idx = batch_indices(step, d, &self.spec);
                DomainBatch {
                    x: self.data[d].0.index_select(0, &idx),
                    y: self.data[d].1.index_select(0, &idx),
                    domain: d,
                    aux: BTreeMap::new(),
                    labelled: true,
                }
            })
            .collect()
    }

    /// Trains method `key` as the script did and compares with it.
    fn train(&self, key: &str) -> Outcome {
        let reference = &self.meta["methods"][key];
        let cfg: MethodConfig = serde_json::from_value(reference["config"].clone()).unwrap();
        let domains = self.spec.domains;
        let mut learner = match &cfg {
            MethodConfig::Mldg(c) => Learner::Mldg(Mldg::new(c, self.model(), domains).unwrap()),
            MethodConfig::DaMldg(c) => {
                Learner::DaMldg(DaMldg::new(c, self.model(), domains).unwrap())
            }
            other => Learner::Other(methods::build(other, self.model(), domains).unwrap()),
        };
        let mut max_loss_diff = 0f64;
        let expected_losses = reference["losses"].as_array().unwrap();
        assert_eq!(
            expected_losses.len(),
            self.spec.steps,
            "one loss record per step"
        );
        let mut diverged_at = None;
        for (step, expected) in expected_losses.iter().enumerate() {
            let batches = self.batches(step);
            let report = match learner.update(&batches, &[step % domains]) {
                Ok(report) => report,
                // emoshift refuses a non-finite loss instead of applying it.
                Err(LearnError::Data(reason)) if reason.contains("NaN") => {
                    diverged_at = Some(step);
                    break;
                }
                Err(e) => panic!("{key}: step {step}: {e}"),
            };
            for (term, value) in expected.as_object().unwrap() {
                let actual = if term == "total" {
                    report.total
                } else {
                    report.terms[term.as_str()]
                };
                // The script writes null for a loss that is no longer finite:
                // a finite loss here is then as far from it as can be.
                let diff = value
                    .as_f64()
                    .map_or(f64::INFINITY, |expected| (actual - expected).abs());
                max_loss_diff = max_loss_diff.max(diff);
            }
        }
        let method = learner.method();
        let mut max_weight_diff = 0f64;
        let state: HashMap<String, Tensor> = method.state_dict().into_iter().collect();
        let prefix = format!("expected.{key}.");
        for (name, expected) in &self.tensors {
            if let Some(n) = name.strip_prefix(&prefix) {
                let actual = &state[&format!("model.{n}")];
                let diff = (actual.to_kind(Kind::Double) - expected.to_kind(Kind::Double))
                    .abs()
                    .max()
                    .double_value(&[]);
                max_weight_diff = max_weight_diff.max(diff);
            }
        }
        let accuracy = self
            .data
            .iter()
            .map(|(x, y)| {
                method
                    .predict(x)
                    .argmax(1, false)
                    .eq_tensor(y)
                    .to_kind(Kind::Double)
                    .mean(Kind::Double)
                    .double_value(&[])
            })
            .collect();
        Outcome {
            accuracy,
            max_loss_diff,
            max_weight_diff,
            diverged_at,
        }
    }

    fn keys(&self) -> Vec<String> {
        self.meta["methods"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    /// The first step whose loss PyTorch recorded as not finite.
    fn reference_diverged_at(&self, key: &str) -> Option<usize> {
        self.meta["methods"][key]["losses"]
            .as_array()
            .unwrap()
            .iter()
            .position(|l| l["total"].is_null())
    }

    fn reference_accuracy(&self, key: &str) -> Vec<f64> {
        self.meta["methods"][key]["accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    }
}

/// Largest difference from PyTorch allowed in any loss term at any step.
const LOSS_TOL: f64 = 1e-4;
/// Largest difference from PyTorch allowed in any final weight or buffer.
const WEIGHT_TOL: f64 = 1e-4;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity")
}

#[test]
fn erm_mldg_and_da_mldg_on_a_batch_norm_net_train_like_pytorch_for_60_steps() {
    tch::set_num_threads(1);
    let run = Run::load(&fixture_dir());
    let keys = run.keys();
    for key in [
        "erm",
        "mldg_order1",
        "mldg_order2",
        "da_mldg_order1",
        "da_mldg_order2",
    ] {
        assert!(
            keys.iter().any(|k| k == key),
            "{key} missing from the fixture"
        );
    }
    for key in run.keys() {
        let outcome = run.train(&key);
        let reference = run.reference_accuracy(&key);
        eprintln!(
            "{key}: accuracy {:?} (PyTorch {reference:?}), max |Δ loss| {:.1e}, max |Δ weight| {:.1e}",
            outcome.accuracy, outcome.max_loss_diff, outcome.max_weight_diff
        );
        assert_eq!(outcome.diverged_at, None, "{key}: diverged");
        assert!(
            outcome.max_loss_diff < LOSS_TOL,
            "{key}: a loss term differs from PyTorch by {}",
            outcome.max_loss_diff
        );
        assert!(
            outcome.max_weight_diff < WEIGHT_TOL,
            "{key}: a weight differs from PyTorch by {}",
            outcome.max_weight_diff
        );
        // PyTorch's accuracies are float32 means: equal counts, up to rounding.
        let same = outcome
            .accuracy
            .iter()
            .zip(&reference)
            .all(|(a, b)| (a - b).abs() < 1e-6);
        assert!(
            same && outcome.accuracy.len() == reference.len(),
            "{key}: evaluation-mode accuracy {:?}, PyTorch {reference:?}",
            outcome.accuracy
        );
    }
}

/// Runs the folder in `EMOSHIFT_PARITY_DIR` (written by
/// `scripts/parity_train.py`) and writes `emoshift.json` there for the
/// script's `--compare` table.
#[test]
#[ignore = "benchmark: needs EMOSHIFT_PARITY_DIR from scripts/parity_train.py"]
fn learning_parity_benchmark_from_a_folder() {
    let dir = PathBuf::from(std::env::var("EMOSHIFT_PARITY_DIR").expect("EMOSHIFT_PARITY_DIR"));
    tch::set_num_threads(1);
    let run = Run::load(&dir);
    let mut out = serde_json::Map::new();
    for key in run.keys() {
        let started = std::time::Instant::now();
        let o = run.train(&key);
        let reference_diverged_at = run.reference_diverged_at(&key);
        eprintln!(
            "{key}: accuracy {:?} (PyTorch {:?}), max |Δ loss| {:.1e}, max |Δ weight| {:.1e}, \
             diverged at step {:?} (PyTorch {reference_diverged_at:?}), {:.1} s",
            o.accuracy,
            run.reference_accuracy(&key),
            o.max_loss_diff,
            o.max_weight_diff,
            o.diverged_at,
            started.elapsed().as_secs_f64()
        );
        out.insert(
            key,
            json!({"accuracy": o.accuracy, "max_loss_diff": o.max_loss_diff,
                   "max_weight_diff": o.max_weight_diff, "diverged_at": o.diverged_at,
                   "reference_diverged_at": reference_diverged_at}),
        );
    }
    std::fs::write(dir.join("emoshift.json"), Value::Object(out).to_string()).unwrap();
}
