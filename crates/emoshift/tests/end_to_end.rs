//! End-to-end tests of the `emoshift` binary on small synthetic corpora:
//! `run` writes a complete report whose numbers match `metrics.json`, runs
//! are deterministic, an interrupted run resumes without recomputing
//! finished trials, and `predict` gives a distribution per unseen file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn emoshift() -> Command {
    Command::new(env!("CARGO_BIN_EXE_emoshift"))
}

/// Synthetic corpora shared by every test of this file (written once).
fn corpora() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = emoshift()
            .args(["synth", "--seed", "7", "--scale", "0.25", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "synth failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

/// Writes a small experiment into `dir` and returns its path.
fn experiment(dir: &Path, name: &str, trials: usize) -> PathBuf {
    let text = format!(
        r#"
name = "{name}"
seed = 3
trials = {trials}
threads = 1
out_dir = "{out}"
cache_dir = "{cache}"

[data]
roots = ["{data}"]

[features]
preset = "da_mldg"
crop_seconds = 0.5

[model]
name = "resnet18"
width = 0.0625

[protocol]
# Three corpora: MLDG-style methods need two source domains per task.
name = "loco:ravdess,crema_d,emodb@common4"
only = ["ravdess", "emodb"]

[train]
steps = 6
batch_size = 4
eval_every = 3
patience = 0

[[methods]]
name = "erm"

[[methods]]
name = "da_mldg"
"#,
        out = dir.join("runs").display(),
        cache = dir.join("cache").display(),
        data = corpora().display(),
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run(exp: &Path) {
    let out = emoshift().arg("run").arg(exp).output().unwrap();
    assert!(
        out.status.success(),
        "run failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn metrics(run_dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run_dir.join("metrics.json")).unwrap()).unwrap()
}

/// Per-trial accuracies keyed by task, method, trial and target.
fn trial_accuracies(m: &Value) -> Vec<(String, f64)> {
    m["trials"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let key = format!("{}/{}/{}", t["task"], t["method"], t["trial"]);
            t["targets"]
                .as_object()
                .unwrap()
                .iter()
                .map(move |(corpus, r)| {
                    (format!("{key}/{corpus}"), r["accuracy"].as_f64().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn run_writes_a_report_matching_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "e2e", 2);
    let text = std::fs::read_to_string(&exp).unwrap();
    std::fs::write(
        &exp,
        text.replace("trials = 2", "trials = 2\nscrambled_labels = true"),
    )
    .unwrap();
    run(&exp);
    let run_dir = dir.path().join("runs/e2e");
    for file in [
        "metrics.json",
        "predictions.csv",
        "report.md",
        "report.html",
        "experiment.json",
    ] {
        assert!(run_dir.join(file).is_file(), "{file} missing");
    }
    let m = metrics(&run_dir);
    // Two tasks (each corpus held out once) × two methods, each also with
    // scrambled labels, × two trials.
    assert_eq!(m["trials"].as_array().unwrap().len(), 16);
    assert_eq!(
        m["summary"]["methods"],
        serde_json::json!(["erm", "erm+scrambled", "da_mldg", "da_mldg+scrambled"])
    );
    let md = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    for section in [
        "Results",
        "Confusion matrices",
        "Training",
        "Embedding map",
        "Data",
    ] {
        assert!(md.contains(section), "report.md lacks section {section}");
        assert!(
            html.contains(section),
            "report.html lacks section {section}"
        );
    }
    assert!(html.contains("<svg"), "report.html has no inline figure");
    assert!(
        md.contains("bootstrap interval"),
        "report.md lacks the confidence intervals"
    );
    // Every aggregated accuracy in metrics.json appears in the report as mean ± std (percent).
    let cells = m["summary"]["cells"].as_object().unwrap();
    for (method, row) in cells {
        for cell in row.as_array().unwrap() {
            let acc = &cell["metrics"]["accuracy"];
            let mean = acc["mean"].as_f64().unwrap() * 100.0;
            let std = acc["std"].as_f64().unwrap() * 100.0;
            let text = format!("{mean:.2} ± {std:.2}");
            assert!(
                md.contains(&text),
                "report.md lacks {method}'s accuracy {text}"
            );
        }
    }
    // predictions.csv: a header and one row per test utterance per trial.
    let csv = std::fs::read_to_string(run_dir.join("predictions.csv")).unwrap();
    let rows = csv.lines().count() - 1;
    let expected: u64 = m["trials"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t["targets"]
                .as_object()
                .unwrap()
                .values()
                .map(|r| r["n_samples"].as_u64().unwrap())
        })
        .sum();
    assert_eq!(rows as u64, expected);
}

#[test]
fn same_seed_gives_the_same_numbers() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run(&experiment(a.path(), "det", 1));
    run(&experiment(b.path(), "det", 1));
    let ma = trial_accuracies(&metrics(&a.path().join("runs/det")));
    let mb = trial_accuracies(&metrics(&b.path().join("runs/det")));
    assert_eq!(ma, mb);
    let pa = std::fs::read_to_string(a.path().join("runs/det/predictions.csv")).unwrap();
    let pb = std::fs::read_to_string(b.path().join("runs/det/predictions.csv")).unwrap();
    assert_eq!(pa, pb, "predictions differ between identical runs");
}

#[test]
fn shards_and_parallel_jobs_merge_to_the_numbers_of_one_process() {
    let whole = tempfile::tempdir().unwrap();
    run(&experiment(whole.path(), "grid", 1));
    let expected = trial_accuracies(&metrics(&whole.path().join("runs/grid")));
    let predictions =
        |dir: &Path| std::fs::read_to_string(dir.join("runs/grid/predictions.csv")).unwrap();

    // Two shards, then the merge; before the second, the report lists
    // what is missing and says so in its exit status.
    let sharded = tempfile::tempdir().unwrap();
    let exp = experiment(sharded.path(), "grid", 1);
    let shard = |i: usize| {
        let out = emoshift()
            .arg("run")
            .arg(&exp)
            .args(["--shard", &format!("{i}/2")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = shard(0);
    assert!(
        first.contains("2 trial(s) computed, 0 already stored, 2 left to other shards"),
        "{first}"
    );
    let run_dir = sharded.path().join("runs/grid");
    let early = emoshift().arg("report").arg(&run_dir).output().unwrap();
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("2 trial(s) have no record"));
    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(report.contains("Trials not computed yet"), "{report}");
    assert!(shard(1).contains("2 trial(s) computed"));
    // A duplicated shard is harmless: it finds every trial stored.
    let again = shard(1);
    assert!(
        again.contains("0 trial(s) computed, 4 already stored, 0 left"),
        "{again}"
    );
    let merged = emoshift().arg("report").arg(&run_dir).output().unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(trial_accuracies(&metrics(&run_dir)), expected);
    assert_eq!(predictions(sharded.path()), predictions(whole.path()));

    // Two jobs side by side give the same numbers too.
    let jobs = tempfile::tempdir().unwrap();
    let out = emoshift()
        .arg("run")
        .arg(experiment(jobs.path(), "grid", 1))
        .args(["--jobs", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        trial_accuracies(&metrics(&jobs.path().join("runs/grid"))),
        expected
    );
    assert_eq!(predictions(jobs.path()), predictions(whole.path()));
}

#[test]
fn features_extract_shards_fill_one_cache_with_what_one_process_writes() {
    let files: Vec<PathBuf> = walk_wavs(&emodb_dir()).into_iter().take(6).collect();
    let audio = tempfile::tempdir().unwrap();
    for (i, f) in files.iter().enumerate() {
        std::fs::copy(f, audio.path().join(format!("f{i}.wav"))).unwrap();
    }
    let extract = |cache: &Path, shard: Option<&str>| {
        let mut cmd = emoshift();
        cmd.args(["features", "extract", "--cache"])
            .arg(cache)
            .arg(audio.path());
        if let Some(s) = shard {
            cmd.args(["--shard", s]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let one = tempfile::tempdir().unwrap();
    extract(one.path(), None);
    let two = tempfile::tempdir().unwrap();
    assert!(extract(two.path(), Some("0/2")).contains("3 files: 3 computed"));
    assert!(extract(two.path(), Some("1/2")).contains("3 files: 3 computed"));
    let listing = |dir: &Path| {
        let mut entries: Vec<(PathBuf, Vec<u8>)> = walk_files(dir)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        entries.sort();
        entries
    };
    assert_eq!(listing(one.path()), listing(two.path()));
}

#[test]
fn an_experiment_file_named_without_a_folder_is_read_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    experiment(dir.path(), "bare", 1);
    let out = emoshift()
        .current_dir(dir.path())
        .args(["run", "bare.toml", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("trials:"));
}

#[test]
fn interrupted_run_resumes_without_recomputing_finished_trials() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "resume", 2);
    run(&exp);
    let run_dir = dir.path().join("runs/resume");
    let before = trial_accuracies(&metrics(&run_dir));
    // Simulate an interruption after the first trial of one task and method:
    // the second trial's record and model are gone.
    let trials_dir = run_dir.join("trials/emodb");
    let kept = trials_dir.join("erm__trial0.json");
    let lost = trials_dir.join("erm__trial1.json");
    assert!(kept.is_file() && lost.is_file());
    std::fs::remove_file(&lost).unwrap();
    std::fs::remove_dir_all(run_dir.join("models/emodb/erm__trial1")).unwrap();
    let kept_time = std::fs::metadata(&kept).unwrap().modified().unwrap();
    run(&exp);
    assert!(lost.is_file(), "the missing trial was not rerun");
    assert_eq!(
        std::fs::metadata(&kept).unwrap().modified().unwrap(),
        kept_time,
        "a finished trial was recomputed"
    );
    assert_eq!(trial_accuracies(&metrics(&run_dir)), before);
}

#[test]
fn predict_gives_a_distribution_per_unseen_file() {
    let dir = tempfile::tempdir().unwrap();
    run(&experiment(dir.path(), "pred", 1));
    let model = dir.path().join("runs/pred/models/emodb/erm__trial0");
    // Files the model never saw: freshly synthesised with another seed.
    let unseen = tempfile::tempdir().unwrap();
    let out = emoshift()
        .args(["synth", "--seed", "99", "--scale", "0.1", "--out"])
        .arg(unseen.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let folder = unseen.path().join("EmoDB");
    let out = emoshift()
        .arg("predict")
        .arg(&model)
        .arg(&folder)
        .args(["--format", "json", "--segments"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "predict failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let classes = v["classes"].as_array().unwrap().len();
    assert_eq!(classes, 4);
    let rows = v["predictions"].as_array().unwrap();
    let files: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert!(files.len() >= 5, "only {} files predicted", files.len());
    for r in rows {
        let p: Vec<f64> = r["probs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(p.len(), classes);
        assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
        assert!(
            (p.iter().sum::<f64>() - 1.0).abs() < 1e-4,
            "probabilities sum to {}",
            p.iter().sum::<f64>()
        );
        let arousal = r["p_high_arousal"].as_f64().unwrap();
        assert!((0.0..=1.0 + 1e-6).contains(&arousal));
    }

    // A file name that is not UTF-8 keeps the JSON valid, and a named path
    // that does not exist fails the command only after the others are printed.
    use std::os::unix::ffi::OsStrExt;
    let odd = unseen
        .path()
        .join(std::ffi::OsStr::from_bytes(b"take-\xff.wav"));
    let some_wav = walk_wavs(&folder).remove(0);
    std::fs::copy(&some_wav, &odd).unwrap();
    let missing = unseen.path().join("not-there.wav");
    let out = emoshift()
        .arg("predict")
        .arg(&model)
        .arg(&odd)
        .arg(&missing)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a missing named path is an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not-there.wav"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let row = &v["predictions"][0];
    assert_eq!(
        row["file_escaped"].as_str().unwrap(),
        format!("{}/take-\\xff.wav", unseen.path().display())
    );
    assert!(row["file"].as_str().unwrap().ends_with("take-\u{fffd}.wav"));
    let out = emoshift()
        .arg("predict")
        .arg(&model)
        .arg(&odd)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).expect("CSV output is UTF-8");
    let last_line = csv.lines().last().unwrap();
    assert!(
        last_line.ends_with(&format!(",{}/take-\\xff.wav", unseen.path().display())),
        "{csv}"
    );

    // Adapting the standardisation to the deployment domain's recordings
    // changes the numbers, and says so.
    let out = emoshift()
        .arg("predict")
        .arg(&model)
        .arg(&some_wav)
        .args(["--format", "json", "--adapt-on"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("(transductive)"));
    let adapted: Value = serde_json::from_slice(&out.stdout).unwrap();
    let plain: Value = serde_json::from_slice(
        &emoshift()
            .arg("predict")
            .arg(&model)
            .arg(&some_wav)
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_ne!(
        adapted["predictions"][0]["probs"],
        plain["predictions"][0]["probs"]
    );

    // Digital silence gets an error naming the gate, not a confident label,
    // unless the gate is moved.
    let silent = unseen.path().join("silent.wav");
    std::fs::write(&silent, silent_wav(16_000, 16_000)).unwrap();
    let predict_silent = |flags: &[&str]| {
        emoshift()
            .arg("predict")
            .arg(&model)
            .arg(&silent)
            .args(flags)
            .output()
            .unwrap()
    };
    let out = predict_silent(&[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("silent.wav: rejected: silent"), "{stderr}");
    let out = predict_silent(&["--silence-dbfs", "-400"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A mono 16-bit WAV of `frames` zero samples at `rate`.
fn silent_wav(rate: u32, frames: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * frames).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    for v in [16u32, 1 | (1 << 16), rate, rate * 2, 2 | (16 << 16)] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * frames).to_le_bytes());
    out.resize(out.len() + 2 * frames as usize, 0);
    out
}

#[test]
fn experiment_errors_name_the_key_and_the_allowed_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(dir.path(), "bad", 1);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("preset = \"da_mldg\"", "preset = \"nope\"");
    std::fs::write(&path, text).unwrap();
    let out = emoshift().arg("run").arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("features.preset"), "{err}");
    assert!(err.contains("da_mldg"), "valid presets not listed: {err}");
}

#[test]
fn scan_and_feature_extraction_report_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.csv");
    let out = emoshift()
        .args(["corpora", "scan"])
        .arg(corpora())
        .arg("--manifest")
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    for corpus in ["RAVDESS", "CREMA-D", "EmoDB", "TESS", "SAVEE", "IEMOCAP"] {
        assert!(
            table.contains(corpus),
            "scan table lacks {corpus}:\n{table}"
        );
    }
    let rows = std::fs::read_to_string(&manifest).unwrap().lines().count() - 1;
    assert!(rows > 100, "manifest has only {rows} utterances");

    // A folder with two good files and a broken one: the run goes on,
    // caches the good ones and names the bad one.
    let audio = dir.path().join("audio");
    std::fs::create_dir(&audio).unwrap();
    let wavs: Vec<PathBuf> = walk_wavs(&emodb_dir()).into_iter().take(2).collect();
    for (i, wav) in wavs.iter().enumerate() {
        std::fs::copy(wav, audio.join(format!("good{i}.wav"))).unwrap();
    }
    std::fs::write(audio.join("broken.wav"), b"RIFF\x10\0\0\0WAVEfmt ").unwrap();
    std::fs::write(audio.join("silent.wav"), silent_wav(16_000, 8_000)).unwrap();
    let cache = dir.path().join("cache");
    let extract = || {
        emoshift()
            .args(["features", "extract", "--preset", "da_mldg", "--cache"])
            .arg(&cache)
            .arg(&audio)
            .output()
            .unwrap()
    };
    let out = extract();
    assert!(
        !out.status.success(),
        "a failed file must make the exit status non-zero"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 computed"), "{text}");
    assert!(
        text.contains("broken.wav"),
        "the failure is not named: {text}"
    );
    assert!(
        text.contains("silent.wav: rejected: silent"),
        "the quality gate is not named: {text}"
    );
    let out = extract();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 reused"),
        "the cache was not reused: {text}"
    );
}

/// Every file under `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn emodb_dir() -> PathBuf {
    corpora().join("EmoDB")
}

fn walk_wavs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk_files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    out.sort();
    out
}

/// `run` on `exp`, expected to fail; returns its stderr.
fn run_failing(exp: &Path) -> String {
    let out = emoshift().arg("run").arg(exp).output().unwrap();
    assert!(!out.status.success(), "run should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unwritable_cache_or_run_folder_stops_the_run_before_any_work_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "nowrite", 1);
    // Tests run as root, where permissions do not stop writes: a regular
    // file where a folder must be stands for the unwritable place.
    let cache = dir.path().join("cache");
    std::fs::write(&cache, "not a folder").unwrap();
    let err = run_failing(&exp);
    assert!(
        err.contains(&cache.display().to_string()) && err.contains("cannot create folder"),
        "{err}"
    );
    assert!(!err.contains("extracting features"), "{err}");
    std::fs::remove_file(&cache).unwrap();

    let runs = dir.path().join("runs");
    if runs.exists() {
        std::fs::remove_dir_all(&runs).unwrap();
    }
    std::fs::write(&runs, "not a folder").unwrap();
    let err = run_failing(&exp);
    assert!(err.contains(&runs.display().to_string()), "{err}");
    assert!(!err.contains("extracting features"), "{err}");
    assert!(!cache.exists(), "nothing is cached before the check");
}

#[test]
fn a_result_that_cannot_be_written_stops_the_run_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "norecord", 1);
    let trials = dir.path().join("runs/norecord/trials");
    std::fs::create_dir_all(trials.parent().unwrap()).unwrap();
    std::fs::write(&trials, "not a folder").unwrap();
    let err = run_failing(&exp);
    assert!(
        err.contains(&trials.display().to_string()) && err.contains("cannot create folder"),
        "{err}"
    );
    assert!(
        !dir.path().join("runs/norecord/metrics.json").exists(),
        "no summary of an incomplete run"
    );
}

#[test]
fn outputs_and_cache_entries_are_readable_by_the_group_the_umask_allows() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "modes", 1);
    run(&exp);
    let want = 0o666 & !emoshift_fs::umask();
    let mut checked = 0;
    let mut stack = vec![dir.path().join("runs"), dir.path().join("cache")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, want, "{}: mode {mode:o}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} files checked");
}
