//! Slurm array jobs for an experiment: feature extraction spread over an
//! array, the task × method × trial grid over a second array that starts
//! when extraction has succeeded, and the report once every training shard
//! has ended (whatever became of it: the report lists missing trials). The
//! scheduling is Slurm's; emoshift only writes the scripts, with the
//! resources of the experiment's `[slurm]` section, and each job runs one
//! independent `emoshift` command (`run --features-only --shard`, `run
//! --shard`, `report`). `squeue` shows progress; `sacct` too where the
//! cluster keeps accounting.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::config::Experiment;

/// The `[slurm]` section: resources of every job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlurmConfig {
    /// Jobs of the extraction array.
    pub extract_shards: usize,
    /// Jobs of the training array.
    pub train_shards: usize,
    /// CPUs per job (`--cpus-per-task`; training shards use as many
    /// libtorch threads).
    pub cpus_per_task: usize,
    /// Memory per job (`--mem`, e.g. `"4G"`).
    pub mem: String,
    /// Wall-clock limit per job (`--time`).
    pub time: String,
    /// GPUs per training job (`--gres=gpu:N`; 0 for none).
    pub gpus: usize,
    /// Partition (`--partition`), or the cluster's default.
    pub partition: Option<String>,
    /// Further `#SBATCH` options, written as given (e.g. `"--account=ser"`).
    pub extra: Vec<String>,
}

impl Default for SlurmConfig {
    fn default() -> Self {
        SlurmConfig {
            extract_shards: 4,
            train_shards: 8,
            cpus_per_task: 1,
            mem: "4G".into(),
            time: "04:00:00".into(),
            gpus: 0,
            partition: None,
            extra: Vec::new(),
        }
    }
}

impl SlurmConfig {
    /// Checks the counts.
    pub fn validate(&self) -> Result<()> {
        if self.extract_shards == 0 || self.train_shards == 0 || self.cpus_per_task == 0 {
            bail!("extract_shards, train_shards and cpus_per_task must be at least 1");
        }
        Ok(())
    }
}

/// The scripts [`write_scripts`] wrote.
#[derive(Debug, Clone)]
pub struct SlurmScripts {
    /// Folder holding them and the jobs' logs.
    pub dir: PathBuf,
    /// Submits the three jobs with their dependencies; prints the job ids.
    pub submit: PathBuf,
}

/// Writes `extract.sbatch`, `train.sbatch`, `report.sbatch` and
/// `submit.sh` for `experiment_file` (already loaded as `exp`) into
/// `<run_dir>/slurm/`, calling the emoshift binary at `exe`.
pub fn write_scripts(exp: &Experiment, experiment_file: &Path, exe: &Path) -> Result<SlurmScripts> {
    let cfg = &exp.slurm;
    cfg.validate()?;
    let dir = exp.run_dir().join("slurm");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let file = std::path::absolute(experiment_file)?;
    let exe = std::path::absolute(exe)?;
    let quoted = |p: &Path| shell_quote(&p.display().to_string());
    let header = |name: &str, array: Option<usize>, gpus: usize| {
        let mut lines = vec![
            "#!/bin/bash".to_string(),
            format!("#SBATCH --job-name=emoshift-{}-{name}", exp.name),
            format!("#SBATCH --cpus-per-task={}", cfg.cpus_per_task),
            format!("#SBATCH --mem={}", cfg.mem),
            format!("#SBATCH --time={}", cfg.time),
        ];
        match array {
            Some(n) => {
                lines.push(format!("#SBATCH --array=0-{}", n - 1));
                lines.push(format!("#SBATCH --output={}/{name}_%a.log", logs.display()));
            }
            None => lines.push(format!("#SBATCH --output={}/{name}.log", logs.display())),
        }
        if gpus > 0 {
            lines.push(format!("#SBATCH --gres=gpu:{gpus}"));
        }
        if let Some(p) = &cfg.partition {
            lines.push(format!("#SBATCH --partition={p}"));
        }
        lines.extend(cfg.extra.iter().map(|e| format!("#SBATCH {e}")));
        lines.push("set -euo pipefail".into());
        lines.join("\n")
    };
    let extract = format!(
        "{}\n{} run {} --features-only --shard \"$SLURM_ARRAY_TASK_ID/{}\"\n",
        header("extract", Some(cfg.extract_shards), 0),
        quoted(&exe),
        quoted(&file),
        cfg.extract_shards
    );
    let train = format!(
        "{}\n{} run {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --threads {}\n",
        header("train", Some(cfg.train_shards), cfg.gpus),
        quoted(&exe),
        quoted(&file),
        cfg.train_shards,
        cfg.cpus_per_task
    );
    let report = format!(
        "{}\n{} report {}\n",
        header("report", None, 0),
        quoted(&exe),
        quoted(&exp.run_dir()),
    );
    let submit = format!(
        "#!/bin/bash\n\
         # Submits extraction, training (after extraction succeeded) and the report\n\
         # (after every training shard ended); prints the three job ids.\n\
         set -euo pipefail\n\
         cd {dir}\n\
         extract=$(sbatch --parsable extract.sbatch)\n\
         train=$(sbatch --parsable --dependency=afterok:$extract train.sbatch)\n\
         report=$(sbatch --parsable --dependency=afterany:$train report.sbatch)\n\
         echo \"$extract $train $report\"\n",
        dir = quoted(&dir)
    );
    for (name, text) in [
        ("extract.sbatch", &extract),
        ("train.sbatch", &train),
        ("report.sbatch", &report),
        ("submit.sh", &submit),
    ] {
        let path = dir.join(name);
        emoshift_fs::write_atomic(&path, text.as_bytes())?;
        if name == "submit.sh" {
            use std::os::unix::fs::PermissionsExt;
            let mut mode = std::fs::metadata(&path)?.permissions();
            mode.set_mode(mode.mode() | 0o111);
            std::fs::set_permissions(&path, mode)?;
        }
    }
    Ok(SlurmScripts {
        submit: dir.join("submit.sh"),
        dir,
    })
}

/// `text` in single quotes for the shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
