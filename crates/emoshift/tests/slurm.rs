//! A real single-node Slurm cluster (Debian's slurm-wlm and munge, started
//! by `scripts/slurm_cluster.sh` and stopped after) runs an experiment as
//! array jobs written by `emoshift slurm`: extraction shards, training
//! shards after them, the report after those. The merged metrics and
//! predictions equal a single-process run with the same seeds. Where a
//! cluster cannot start (no root, no apt, no Slurm), the test says so on
//! stderr and passes without checking anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{check, emoshift};

/// The test cluster, stopped when dropped.
struct Cluster {
    state: PathBuf,
    conf: String,
}

impl Cluster {
    fn start(state: &Path) -> Result<Cluster, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slurm_cluster.sh");
        let out = Command::new(script)
            .arg("start")
            .arg(state)
            .output()
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        match stdout.trim().strip_prefix("export SLURM_CONF=") {
            Some(conf) if out.status.success() => Ok(Cluster {
                state: state.to_path_buf(),
                conf: conf.to_string(),
            }),
            _ => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slurm_cluster.sh");
        let _ = Command::new(script).arg("stop").arg(&self.state).status();
    }
}

fn experiment(dir: &Path, data: &Path) -> PathBuf {
    let path = dir.join("grid.toml");
    std::fs::write(
        &path,
        format!(
            r#"
name = "grid"
seed = 4
trials = 2
threads = 1
out_dir = "{dir}/runs"
cache_dir = "{dir}/cache"

[data]
roots = ["{data}"]

[features]
preset = "da_mldg"
crop_seconds = 0.5

[model]
name = "resnet18"
width = 0.0625

[protocol]
name = "loco:ravdess,crema_d,emodb@common4"
only = ["emodb"]

[train]
steps = 4
batch_size = 4
eval_every = 2
patience = 0

[[methods]]
name = "erm"

[[methods]]
name = "mldg"

[slurm]
extract_shards = 2
train_shards = 2
cpus_per_task = 1
mem = "1G"
time = "00:20:00"
"#,
            dir = dir.display(),
            data = data.display()
        ),
    )
    .unwrap();
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn slurm_array_jobs_merge_to_the_numbers_of_one_process() {
    let root = tempfile::tempdir().unwrap();
    let cluster = match Cluster::start(&root.path().join("slurm")) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED slurm_array_jobs_merge_to_the_numbers_of_one_process: no Slurm cluster could start here ({why})");
            return;
        }
    };
    let data = root.path().join("data");
    check(
        emoshift()
            .args(["synth", "--seed", "2", "--scale", "0.2"])
            .args([
                "--corpus", "ravdess", "--corpus", "crema_d", "--corpus", "emodb", "--out",
            ])
            .arg(&data)
            .output()
            .unwrap(),
        "synth",
    );
    let single = root.path().join("single");
    std::fs::create_dir_all(&single).unwrap();
    check(
        emoshift()
            .arg("run")
            .arg(experiment(&single, &data))
            .output()
            .unwrap(),
        "single-process run",
    );

    let cluster_dir = root.path().join("cluster");
    std::fs::create_dir_all(&cluster_dir).unwrap();
    let out = check(
        emoshift()
            .arg("slurm")
            .arg(experiment(&cluster_dir, &data))
            .arg("--submit")
            .env("SLURM_CONF", &cluster.conf)
            .output()
            .unwrap(),
        "emoshift slurm --submit",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("submitted (extract, train, report)"),
        "{stdout}"
    );
    let started = Instant::now();
    loop {
        let queue = Command::new("squeue")
            .args(["-h", "-o", "%i %j %T"])
            .env("SLURM_CONF", &cluster.conf)
            .output()
            .unwrap();
        let queue = String::from_utf8_lossy(&queue.stdout).to_string();
        if queue.trim().is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "jobs still queued after 15 minutes:\n{queue}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let run = cluster_dir.join("runs/grid");
    let logs = run.join("slurm/logs");
    let report_log = read(&logs.join("report.log"));
    assert!(report_log.contains("report:"), "{report_log}");
    for shard in 0..2 {
        let log = read(&logs.join(format!("train_{shard}.log")));
        assert!(
            log.contains(&format!("shard {shard}/2: 2 trial(s) computed")),
            "{log}"
        );
    }
    // Every number of every trial, less its wall time.
    let trials = |dir: &Path| -> serde_json::Value {
        let mut m: serde_json::Value =
            serde_json::from_str(&read(&dir.join("runs/grid/metrics.json"))).unwrap();
        for t in m["trials"].as_array_mut().unwrap() {
            t.as_object_mut().unwrap().remove("seconds");
        }
        m["trials"].take()
    };
    assert_eq!(trials(&single), trials(&cluster_dir));
    assert_eq!(
        read(&single.join("runs/grid/predictions.csv")),
        read(&cluster_dir.join("runs/grid/predictions.csv"))
    );
}
