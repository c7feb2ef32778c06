//! Tests that fail if a path of the engine silently drops what a method
//! needs, leaks a target label or reuses a stale result. They run the
//! runner on in-memory corpora whose features are generated (a class- and
//! corpus-dependent level plus noise), so no audio is decoded.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use emoshift_audio::Features;
use emoshift_corpus::{Emotion, Gender, LabelSet, Utterance};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::Experiment;
use super::results::TrialRecord;
use super::runner::{self, RunData};
use super::split::split_task;
use crate::feature_source::FeatureSource;
use crate::normalize::NormConfig;

const SOURCE: &str = "da_mldg";

/// `speakers` speakers of `corpus`, each saying every emotion `per` times.
fn corpus(
    name: &str,
    language: &str,
    speakers: usize,
    emotions: &[Emotion],
    per: usize,
) -> Vec<Utterance> {
    let mut out = Vec::new();
    for s in 0..speakers {
        for (k, e) in emotions.iter().enumerate() {
            for r in 0..per {
                let id = format!("{name}_s{s}_{k}_{r}");
                out.push(Utterance::new(
                    name,
                    language,
                    id.clone(),
                    PathBuf::from(format!("/mem/{id}.wav")),
                    format!("spk{s}"),
                    Some(if s % 2 == 0 {
                        Gender::Female
                    } else {
                        Gender::Male
                    }),
                    e.name(),
                    Some(*e),
                ));
            }
        }
    }
    out
}

/// Features whose level depends on the emotion and the corpus.
fn features(corpora: &BTreeMap<String, Vec<Utterance>>) -> HashMap<PathBuf, Features> {
    let source = FeatureSource::preset(SOURCE).unwrap();
    let n_bins = source.n_bins();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut out = HashMap::new();
    for (c, utts) in corpora.values().enumerate() {
        for u in utts {
            let class = u.emotion.map_or(0, |e| e as usize) as f32;
            let n_frames = 40;
            let data = (0..n_bins * n_frames)
                .map(|i| {
                    let bin = (i / n_frames) as f32 / n_bins as f32;
                    class * bin + c as f32 * 0.5 + rng.random_range(-1.0f32..1.0)
                })
                .collect();
            out.insert(
                u.path.clone(),
                Features {
                    n_bins,
                    n_frames,
                    data,
                },
            );
        }
    }
    out
}

fn data(corpora: BTreeMap<String, Vec<Utterance>>) -> RunData {
    RunData {
        features: features(&corpora),
        corpora,
        failures: Vec::new(),
        scan_table: String::new(),
    }
}

/// An experiment over in-memory data writing into `dir`.
fn experiment(dir: &Path, protocol: &str, methods: &str) -> Experiment {
    let text = format!(
        r#"
name = "t"
seed = 1
trials = 1
threads = 1
out_dir = "{out}"
cache_dir = "{out}/cache"

[data]
roots = ["/mem"]

[features]
preset = "{SOURCE}"
crop_seconds = 0.3

[model]
name = "resnet18"
width = 0.0625

[protocol]
name = "{protocol}"

[train]
steps = 6
batch_size = 4
eval_every = 2
patience = 0

{methods}
"#,
        out = dir.display(),
    );
    let exp: Experiment = toml::from_str(&text).unwrap();
    exp.validate().unwrap();
    exp
}

/// Held while a test trains: libtorch's random generator and thread count
/// are process-wide, and the test harness runs tests in parallel threads.
static TRAINING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(exp: &Experiment, data: &RunData, only: &str) -> Vec<TrialRecord> {
    let _one_at_a_time = TRAINING.lock().unwrap_or_else(|e| e.into_inner());
    let mut tasks = runner::tasks(exp).unwrap();
    tasks.retain(|t| t.name == only);
    assert_eq!(tasks.len(), 1, "no task `{only}`");
    runner::drop_missing_targets(&mut tasks, &data.corpora).unwrap();
    let source = FeatureSource::preset(SOURCE).unwrap();
    runner::run_all(exp, data, &tasks, source, runner::Work::All)
        .unwrap()
        .records
}

fn transfer_corpora() -> BTreeMap<String, Vec<Utterance>> {
    use Emotion::*;
    let four = [Anger, Happiness, Neutral, Sadness];
    BTreeMap::from([
        ("ravdess".to_string(), corpus("ravdess", "en", 5, &four, 2)),
        ("emodb".to_string(), corpus("emodb", "de", 5, &four, 2)),
    ])
}

/// Three corpora of four speakers saying four emotions once each, for
/// leave-one-corpus-out (`loco:ravdess,crema_d,emodb`).
fn loco_corpora() -> BTreeMap<String, Vec<Utterance>> {
    use Emotion::*;
    let four = [Anger, Happiness, Neutral, Sadness];
    BTreeMap::from([
        ("ravdess".to_string(), corpus("ravdess", "en", 4, &four, 1)),
        ("crema_d".to_string(), corpus("crema_d", "en", 4, &four, 1)),
        ("emodb".to_string(), corpus("emodb", "de", 4, &four, 1)),
    ])
}

#[test]
fn permuting_the_target_labels_leaves_unsupervised_transfer_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(
        &dir.path().join("a"),
        "mmd_transfer_unsupervised",
        "[[methods]]\nname = \"mmd_transfer\"\nsource_steps = 2",
    );
    let task_name = "task3: ravdess->emodb";
    let original = data(transfer_corpora());
    let first = run(&exp, &original, task_name);

    // Permute the emotions of the target's adaptation utterances.
    let task = runner::tasks(&exp)
        .unwrap()
        .into_iter()
        .find(|t| t.name == task_name)
        .unwrap();
    let labels = LabelSet::by_name(&task.label_set).unwrap();
    let split = split_task(
        &task,
        &labels,
        &original.corpora,
        exp.data.val_fraction,
        exp.seed,
    )
    .unwrap();
    let adapt: Vec<String> = split.targets[0]
        .adapt
        .iter()
        .map(|(u, _)| u.id.clone())
        .collect();
    assert!(!adapt.is_empty());
    let mut corpora = original.corpora.clone();
    let changed = rotate_labels(&mut corpora, "emodb", |u| adapt.contains(&u.id));
    assert!(
        changed > adapt.len() / 2,
        "the permutation changed only {changed} labels"
    );
    let permuted = RunData {
        corpora,
        ..data(transfer_corpora())
    };
    let exp_b = experiment(
        &dir.path().join("b"),
        "mmd_transfer_unsupervised",
        "[[methods]]\nname = \"mmd_transfer\"\nsource_steps = 2",
    );
    let second = run(&exp_b, &permuted, task_name);

    let (a, b) = (&first[0], &second[0]);
    assert_eq!(
        a.inputs.as_ref().unwrap().target_use(),
        "unlabelled audio (transductive)"
    );
    assert!(a.loss_terms["mmd"].iter().any(|&(_, v)| v > 0.0));
    assert_eq!(a.targets.len(), b.targets.len());
    for (ta, tb) in a.targets.iter().zip(&b.targets) {
        assert_eq!(ta.metrics, tb.metrics);
        for (pa, pb) in ta.predictions.iter().zip(&tb.predictions) {
            assert_eq!((&pa.utterance, &pa.probs), (&pb.utterance, &pb.probs));
        }
    }
    assert_eq!(a.train_loss, b.train_loss);
}

#[test]
fn dann_on_a_cross_corpus_task_trains_its_domain_heads_on_the_unlabelled_targets() {
    use Emotion::*;
    let four = [Anger, Happiness, Neutral, Sadness];
    let corpora = BTreeMap::from([
        ("iemocap".to_string(), corpus("iemocap", "en", 6, &four, 1)),
        ("savee".to_string(), corpus("savee", "en", 2, &four, 1)),
        ("emodb".to_string(), corpus("emodb", "de", 4, &four, 1)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(
        dir.path(),
        "dann_cross",
        "[[methods]]\nname = \"dann\"\nheads = [\"gender\", \"language\", \"corpus\"]",
    );
    // MSP-Improv is absent: the task runs on the targets present.
    let records = run(&exp, &data(corpora), "cross-arousal");
    let r = &records[0];
    assert_eq!(
        r.targets
            .iter()
            .map(|t| t.corpus.as_str())
            .collect::<Vec<_>>(),
        ["savee", "emodb"]
    );
    let inputs = r.inputs.as_ref().unwrap();
    assert!(inputs.target_audio && !inputs.target_labels);
    for term in exp.methods[0].config.characteristic_terms() {
        let values = &r.loss_terms[&term];
        assert!(values.iter().all(|&(_, v)| v.is_finite()));
        assert!(
            values.iter().any(|&(_, v)| v > 0.0),
            "{term} stayed 0: {values:?}"
        );
    }
}

#[test]
fn a_changed_hyperparameter_recomputes_only_the_affected_trials() {
    let data = data(loco_corpora());
    let dir = tempfile::tempdir().unwrap();
    let methods = |inner: f64| {
        format!(
            "[[methods]]\nname = \"erm\"\n\n[[methods]]\nname = \"da_mldg\"\ninner_lr = {inner}"
        )
    };
    let exp = experiment(dir.path(), "loco:ravdess,crema_d,emodb", &methods(0.01));
    let first = run(&exp, &data, "emodb");
    let again = run(&exp, &data, "emodb");
    assert!(
        again.iter().all(|r| r.reused),
        "nothing changed, everything is reused"
    );
    let changed = experiment(dir.path(), "loco:ravdess,crema_d,emodb", &methods(0.02));
    let second = run(&changed, &data, "emodb");
    let by = |rs: &[TrialRecord], m: &str| rs.iter().find(|r| r.key.method == m).cloned().unwrap();
    assert!(by(&second, "erm").reused);
    assert!(!by(&second, "da_mldg").reused);
    assert_ne!(
        by(&first, "da_mldg").fingerprint,
        by(&second, "da_mldg").fingerprint
    );
    assert_eq!(
        by(&first, "erm").targets[0].metrics,
        by(&second, "erm").targets[0].metrics
    );
}

#[test]
fn a_method_that_cannot_run_on_any_task_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(
        dir.path(),
        "matrix:ravdess,emodb",
        "[[methods]]\nname = \"dann\"",
    );
    let tasks = runner::tasks(&exp).unwrap();
    let source = FeatureSource::preset(SOURCE).unwrap();
    let err =
        super::plan::check(&exp, &tasks, &source).expect_err("dann has one domain everywhere");
    let text = format!("{err:#}");
    assert!(
        text.contains("cannot run on any task") && text.contains("training domains"),
        "{text}"
    );
    let exp = experiment(dir.path(), "mmd_transfer", "[[methods]]\nname = \"erm\"");
    let tasks = runner::tasks(&exp).unwrap();
    let text = format!(
        "{:#}",
        super::plan::check(&exp, &tasks, &source).err().unwrap()
    );
    assert!(
        text.contains("different") || text.contains("classes"),
        "{text}"
    );
}

#[test]
fn bad_settings_are_errors_when_the_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut exp = experiment(
        dir.path(),
        "loco:ravdess,emodb",
        "[[methods]]\nname = \"erm\"",
    );
    exp.train.lr_decay = 2.0;
    assert!(format!("{:#}", exp.validate().unwrap_err()).contains("lr_decay"));
    exp.train.lr_decay = 1.0;
    exp.threads = 100_000;
    assert!(format!("{:#}", exp.validate().unwrap_err()).contains("threads"));
    exp.threads = 1;
    exp.features.crop_seconds = 100.0;
    assert!(format!("{:#}", exp.validate().unwrap_err()).contains("crop_seconds"));
    let bad_lr = experiment(
        dir.path(),
        "loco:ravdess,crema_d,emodb",
        "[[methods]]\nname = \"erm\"\n\n[[methods]]\nname = \"mldg\"\n[methods.optimizer]\nkind = \"sgd\"\nlr = -1.0",
    );
    let tasks = runner::tasks(&bad_lr).unwrap();
    let source = FeatureSource::preset(SOURCE).unwrap();
    let text = format!(
        "{:#}",
        super::plan::check(&bad_lr, &tasks, &source).err().unwrap()
    );
    assert!(text.contains("mldg") && text.contains("lr"), "{text}");
    let mut narrow = bad_lr.clone();
    narrow.methods.truncate(1);
    narrow.model = toml::from_str("name = \"resnet18\"\nwidth = 0.0").unwrap();
    let text = format!(
        "{:#}",
        super::plan::check(&narrow, &tasks, &source).err().unwrap()
    );
    assert!(text.contains("width"), "{text}");
    // The exact MLDG gradient through cuDNN's LSTM cannot run on the GPU.
    let mut lstm_on_gpu = experiment(
        dir.path(),
        "loco:ravdess,crema_d,emodb",
        "[[methods]]\nname = \"mldg\"",
    );
    lstm_on_gpu.model = toml::from_str("name = \"cnn_blstm\"").unwrap();
    assert!(lstm_on_gpu.validate().is_ok(), "fine on the CPU");
    lstm_on_gpu.device = "cuda".into();
    let text = format!("{:#}", lstm_on_gpu.validate().unwrap_err());
    assert!(
        text.contains("no double backward") && text.contains("order = 1"),
        "{text}"
    );
}

/// Loads each trained model folder of `records` and predicts every target
/// test utterance through `inference`: the whole-file probabilities must be
/// the ones the evaluation scored (to float rounding).
fn assert_served_as_scored(exp: &Experiment, data: &RunData, records: &[TrialRecord]) {
    let run_dir = exp.run_dir();
    for record in records {
        let loaded =
            crate::model_dir::load(&record.key.model_dir(&run_dir), tch::Device::Cpu).unwrap();
        let by_id: HashMap<&str, &Utterance> = data
            .corpora
            .values()
            .flatten()
            .map(|u| (u.id.as_str(), u))
            .collect();
        let mut checked = 0;
        for target in &record.targets {
            for p in &target.predictions {
                let u = by_id[p.utterance.as_str()];
                let rows = crate::inference::predict_features(
                    &loaded,
                    &data.features[&u.path],
                    &u.path,
                    None,
                )
                .unwrap();
                // The evaluation batches windows of many utterances, the
                // service one utterance's: float sums may differ in the last bit.
                for (served, scored) in rows[0].probs.iter().zip(&p.probs) {
                    assert!(
                        (served - scored).abs() <= 1e-6,
                        "{}: {} served {:?}, scored {:?}",
                        record.key.method,
                        p.utterance,
                        rows[0].probs,
                        p.probs
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 0, "{}: no prediction checked", record.key.method);
    }
}

#[test]
fn a_served_model_predicts_exactly_what_the_evaluation_scored() {
    let data = data(loco_corpora());
    let dir = tempfile::tempdir().unwrap();
    let protocol = "loco:ravdess,crema_d,emodb";
    let exp = experiment(
        &dir.path().join("cnn"),
        protocol,
        "[[methods]]\nname = \"erm\"",
    );
    let records = run(&exp, &data, "emodb");
    assert_served_as_scored(&exp, &data, &records);

    // The probe pools frame sequences inside its own `predict`: serving it
    // must go through that rule, not through the bare network.
    let mut probe = experiment(
        &dir.path().join("probe"),
        protocol,
        "[[methods]]\nname = \"probe\"",
    );
    probe.model = toml::from_str("name = \"mlp\"\nhidden = [16]").unwrap();
    probe.validate().unwrap();
    let records = run(&probe, &data, "emodb");
    assert_served_as_scored(&probe, &data, &records);
}

/// The emotions of the utterances of `corpus` that `which` picks, rotated
/// by three places among them; returns how many labels changed.
fn rotate_labels(
    corpora: &mut BTreeMap<String, Vec<Utterance>>,
    corpus: &str,
    which: impl Fn(&Utterance) -> bool,
) -> usize {
    let mut picked: Vec<&mut Utterance> = corpora
        .get_mut(corpus)
        .unwrap()
        .iter_mut()
        .filter(|u| which(u))
        .collect();
    let mut emotions: Vec<Option<Emotion>> = picked.iter().map(|u| u.emotion).collect();
    emotions.rotate_left(3);
    let mut changed = 0;
    for (u, e) in picked.iter_mut().zip(emotions) {
        changed += usize::from(u.emotion != e);
        **u = Utterance::new(
            &u.corpus,
            &u.language,
            u.id.clone(),
            u.path.clone(),
            u.speaker.clone(),
            u.gender,
            e.unwrap().name(),
            e,
        );
    }
    changed
}

#[test]
fn transductive_normalisation_reads_target_audio_and_never_target_labels() {
    let dir = tempfile::tempdir().unwrap();
    let norm = |target: &str| {
        format!("[[methods]]\nname = \"erm\"\n\n[normalization]\nscope = \"corpus\"\ntarget = \"{target}\"")
    };
    let exp = experiment(
        &dir.path().join("a"),
        "loco:ravdess,crema_d,emodb",
        &norm("transductive"),
    );
    assert!(exp.normalization.is_transductive());
    let first = run(&exp, &data(loco_corpora()), "emodb");

    let mut permuted = loco_corpora();
    rotate_labels(&mut permuted, "emodb", |_| true);
    let exp_b = experiment(
        &dir.path().join("b"),
        "loco:ravdess,crema_d,emodb",
        &norm("transductive"),
    );
    // The same audio (features), other labels.
    let permuted = RunData {
        corpora: permuted,
        ..data(loco_corpora())
    };
    let second = run(&exp_b, &permuted, "emodb");
    let (a, b) = (&first[0].targets[0], &second[0].targets[0]);
    assert_ne!(
        a.predictions.iter().map(|p| p.label).collect::<Vec<_>>(),
        b.predictions.iter().map(|p| p.label).collect::<Vec<_>>(),
        "the permutation changed no label"
    );
    for (pa, pb) in a.predictions.iter().zip(&b.predictions) {
        assert_eq!((&pa.utterance, &pa.probs), (&pb.utterance, &pb.probs));
    }

    // The stage is active: inductive statistics give other probabilities.
    let exp_c = experiment(
        &dir.path().join("c"),
        "loco:ravdess,crema_d,emodb",
        &norm("inductive"),
    );
    let inductive = run(&exp_c, &data(loco_corpora()), "emodb");
    assert_ne!(
        a.predictions[0].probs, inductive[0].targets[0].predictions[0].probs,
        "transductive and inductive statistics gave the same numbers"
    );
    assert_ne!(first[0].fingerprint, inductive[0].fingerprint);
}

#[test]
fn a_method_entry_can_carry_its_own_normalisation() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(
        dir.path(),
        "loco:ravdess,crema_d,emodb",
        "[[methods]]\nname = \"erm\"\n\n[[methods]]\nname = \"erm\"\nlabel = \"erm_spk\"\n\
         normalization = { scope = \"speaker\", target = \"transductive\" }",
    );
    let runs = runner::method_runs(&exp);
    assert_eq!(runs[0].normalization, NormConfig::default());
    assert!(runs[1].normalization.is_transductive());
    let records = run(&exp, &data(loco_corpora()), "emodb");
    let (plain, spk) = (&records[0], &records[1]);
    assert_eq!(
        (plain.key.method.as_str(), spk.key.method.as_str()),
        ("erm", "erm_spk")
    );
    assert_ne!(plain.fingerprint, spk.fingerprint);
    assert_ne!(
        plain.targets[0].predictions[0].probs,
        spk.targets[0].predictions[0].probs
    );
    // A bad combination is refused when the file is read, naming the entry.
    let text = "[[methods]]\nname = \"erm\"\nnormalization = { scope = \"utterance\", target = \"transductive\" }";
    let bad: Experiment = toml::from_str(&format!(
        "name = \"t\"\n[data]\nroots = [\"/mem\"]\n[model]\nname = \"resnet18\"\n[protocol]\nname = \"loco:ravdess,emodb\"\n{text}"
    ))
    .unwrap();
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("method `erm`, key `normalization`"), "{err}");
}

#[test]
fn a_method_entry_can_start_from_another_models_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(loco_corpora());
    let protocol = "loco:ravdess,crema_d,emodb";
    let base = experiment(
        &dir.path().join("base"),
        protocol,
        "[[methods]]\nname = \"erm\"",
    );
    let plain = run(&base, &data, "emodb");
    let folder = dir.path().join("base/t/models/emodb/erm__trial0");
    assert!(folder.join("weights.safetensors").is_file());

    // Every tensor matches a model of the same kind and classes.
    let from = |init: &Path, sub: &str| {
        experiment(
            &dir.path().join(sub),
            protocol,
            &format!(
                "[[methods]]\nname = \"erm\"\nlabel = \"erm_init\"\ninit = \"{}\"",
                init.display()
            ),
        )
    };
    let exp = from(&folder, "a");
    exp.validate().unwrap();
    let started = run(&exp, &data, "emodb");
    let text = started[0].init.as_deref().unwrap();
    assert!(
        text.contains("tensors loaded") && !text.contains("kept"),
        "{text}"
    );
    assert_ne!(started[0].fingerprint, plain[0].fingerprint);
    assert!(plain[0].init.is_none());

    // A file with one matching tensor: the rest keep their initialisation
    // and are named.
    let weights = tch::Tensor::read_safetensors(folder.join("weights.safetensors")).unwrap();
    let one = dir.path().join("one.safetensors");
    tch::Tensor::write_safetensors(&weights[..1], &one).unwrap();
    let partial = run(&from(&one, "b"), &data, "emodb");
    let text = partial[0].init.as_deref().unwrap();
    assert!(
        text.starts_with(&format!(
            "from {}: 1 tensors loaded; kept as initialised: ",
            one.display()
        )),
        "{text}"
    );

    // A file that matches nothing is an error, never ignored.
    let stranger = dir.path().join("stranger.safetensors");
    tch::Tensor::write_safetensors(
        &[(
            "nothing.like.this",
            tch::Tensor::zeros([2], (tch::Kind::Float, tch::Device::Cpu)),
        )],
        &stranger,
    )
    .unwrap();
    let exp = from(&stranger, "c");
    let _one_at_a_time = TRAINING.lock().unwrap_or_else(|e| e.into_inner());
    let mut tasks = runner::tasks(&exp).unwrap();
    tasks.retain(|t| t.name == "emodb");
    let source = FeatureSource::preset(SOURCE).unwrap();
    let err = runner::run_all(&exp, &data, &tasks, source, runner::Work::All)
        .err()
        .unwrap();
    assert!(
        format!("{err:#}").contains("no tensor of the file matches"),
        "{err:#}"
    );
    // A missing path is refused when the file is read.
    let mut missing = from(&folder, "d");
    missing.methods[0].init = Some(dir.path().join("nowhere"));
    let err = missing.validate().unwrap_err().to_string();
    assert!(err.contains("key `init`"), "{err}");
}
