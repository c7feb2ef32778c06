//! What each method gets on each task, decided from the method's declared
//! needs ([`MethodConfig::needs`]) and the task's kind — never from a
//! method's name — and checked before any feature is computed.
//!
//! Rules:
//! - target audio joins training only where the method uses it and the
//!   task is a transfer task (the target may be seen); target labels only
//!   where the method uses them and the task offers them (labelled transfer);
//! - a method that does not train on target labels runs on a task only if
//!   every source corpus and every target share one class list (on `mmd7`
//!   class *i* of RAVDESS and of EmoDB are different emotions, so a source
//!   model scored on the target would be scored against classes it never
//!   learned);
//! - a method that needs more training domains than the task gives, a
//!   target the task does not offer, or an input layout the model does not
//!   produce, is skipped on that task with the reason; a method skipped on
//!   every task is an error before any work starts;
//! - model selection: on the labelled target's validation speakers where
//!   target labels train (supervised transfer), otherwise on the source
//!   validation speakers, and never on a state from before the method's
//!   adaptation phase.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use emoshift_corpus::{LabelSet, Task, TaskKind};
use emoshift_learn::data::InputLayout;
use emoshift_learn::methods::{self, AuxLabel, DomainInfo, MethodConfig, Need};
use emoshift_learn::models;
use serde::{Deserialize, Serialize};
use tch::Device;

use super::config::Experiment;
use super::runner::{method_runs, MethodRun};
use crate::feature_source::FeatureSource;

/// Where a trial's model selection and early stopping look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Held-out speakers of the source corpora.
    SourceSpeakers,
    /// Held-out speakers of the labelled target (supervised transfer).
    TargetSpeakers,
}

/// What one method is given on one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// Target audio joins training, one domain per target corpus.
    pub target_audio: bool,
    /// Target class labels join training (supervised transfer); when
    /// `target_audio` is set without this, the target is unlabelled: no
    /// target label reaches any loss, sampler, selection or stopping rule.
    pub target_labels: bool,
    /// Auxiliary per-sample labels built from the corpus layer.
    pub aux_labels: Vec<AuxLabel>,
    /// Where model selection looks.
    pub selection: Selection,
    /// First step whose validation may be selected as the best state.
    pub select_from_step: usize,
}

impl Inputs {
    /// How the target is used, for reports: `none`, `unlabelled audio
    /// (transductive)` or `labelled`.
    pub fn target_use(&self) -> &'static str {
        match (self.target_audio, self.target_labels) {
            (false, _) => "none",
            (true, false) => "unlabelled audio (transductive)",
            (true, true) => "labelled",
        }
    }
}

/// A method's part in one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Participation {
    /// It runs, with these inputs.
    Run(Inputs),
    /// It is left out, for this reason.
    Skip(String),
}

/// Decides what `method` gets on `task`; `layout` is the model's input layout.
pub fn participation(
    task: &Task,
    labels: &LabelSet,
    method: &MethodConfig,
    layout: InputLayout,
) -> Participation {
    let needs = method.needs();
    let (transfer, labelled_target) = match task.kind {
        TaskKind::Transfer { target_labelled } => (true, target_labelled),
        _ => (false, false),
    };
    let target_audio = match needs.target_audio {
        Need::Never => false,
        Need::WhenOffered => transfer,
        Need::Always if transfer => true,
        Need::Always => {
            return Participation::Skip(format!(
                "{} adapts to a target corpus and needs a transfer task",
                method.name()
            ))
        }
    };
    let target_labels = match needs.target_labels {
        Need::Never => false,
        Need::WhenOffered => target_audio && labelled_target,
        Need::Always if target_audio && labelled_target => true,
        Need::Always => {
            return Participation::Skip(format!(
                "{} needs a labelled target (a supervised transfer task)",
                method.name()
            ))
        }
    };
    if target_audio && needs.target_labels != Need::Never && task.target_corpora.len() != 1 {
        return Participation::Skip(format!(
            "{} adapts to one target corpus; the task has {}",
            method.name(),
            task.target_corpora.len()
        ));
    }
    if !target_labels {
        if let Some(reason) = class_mismatch(task, labels) {
            return Participation::Skip(format!(
                "{reason}: a model that never learns the target's classes cannot be scored on them"
            ));
        }
    }
    let domains = task.train_corpora.len()
        + if target_audio {
            task.target_corpora.len()
        } else {
            0
        };
    if domains < needs.min_domains {
        return Participation::Skip(format!(
            "{} needs at least {} training domains and the task gives {domains} ({} source corpus{}{})",
            method.name(),
            needs.min_domains,
            task.train_corpora.len(),
            if task.train_corpora.len() == 1 { "" } else { "es" },
            if target_audio { ", plus the target" } else { ", no target audio" }
        ));
    }
    if !needs.layouts.contains(&layout) {
        return Participation::Skip(format!(
            "{} cannot train a model that takes {layout:?} inputs",
            method.name()
        ));
    }
    Participation::Run(Inputs {
        target_audio,
        target_labels,
        aux_labels: needs.aux_labels,
        selection: if target_labels {
            Selection::TargetSpeakers
        } else {
            Selection::SourceSpeakers
        },
        select_from_step: if target_audio {
            needs.adaptation_from_step
        } else {
            0
        },
    })
}

/// Why the task's corpora do not share one class list, if they do not.
fn class_mismatch(task: &Task, labels: &LabelSet) -> Option<String> {
    let corpora: Vec<&String> = task
        .train_corpora
        .iter()
        .chain(&task.target_corpora)
        .collect();
    let first = labels.class_names_for(corpora[0]);
    corpora.iter().skip(1).find_map(|c| {
        let other = labels.class_names_for(c);
        (other != first).then(|| {
            format!(
                "label set `{}` gives `{}` the classes [{}] and `{c}` the classes [{}]",
                labels.name,
                corpora[0],
                first.join(", "),
                other.join(", ")
            )
        })
    })
}

/// Checks, before any data is read, that every method runs on some task
/// (an error lists why not), and the model and every method's
/// hyperparameters, by building them once on the CPU with the run's input
/// shape.
pub fn check(exp: &Experiment, tasks: &[Task], source: &FeatureSource) -> Result<()> {
    let layout = exp.model.input_layout();
    let crop_frames = exp.crop_frames(source);
    let in_shape = layout.example_shape(source.n_bins(), crop_frames);
    let runs = method_runs(exp);
    let mut parts = Vec::new();
    for task in tasks {
        let labels = LabelSet::by_name(&task.label_set)?;
        parts.push(
            runs.iter()
                .map(|m| participation(task, &labels, &m.config, layout))
                .collect::<Vec<_>>(),
        );
    }
    let first_labels = LabelSet::by_name(&tasks[0].label_set)?;
    for (k, run) in runs.iter().enumerate() {
        let reasons: Vec<String> = tasks
            .iter()
            .zip(&parts)
            .filter_map(|(t, row)| match &row[k] {
                Participation::Skip(why) => Some(format!("task `{}`: {why}", t.name)),
                Participation::Run(_) => None,
            })
            .collect();
        if reasons.len() == tasks.len() {
            bail!(
                "method `{}` cannot run on any task of this experiment:\n  {}",
                run.label,
                reasons.join("\n  ")
            );
        }
        check_builds(exp, run, &in_shape, first_labels.num_classes())?;
    }
    Ok(())
}

/// Builds the model and the method once, so that every hyperparameter is
/// checked before any work starts.
fn check_builds(
    exp: &Experiment,
    run: &MethodRun,
    in_shape: &[usize],
    classes: usize,
) -> Result<()> {
    let model = models::build(&exp.model, in_shape, classes, Device::Cpu)
        .map_err(|e| anyhow!("key `model`: {e}"))?;
    let needs = run.config.needs();
    let domains = DomainInfo {
        num_domains: needs.min_domains.max(2),
        aux_classes: needs
            .aux_labels
            .iter()
            .map(|a| (a.name().to_string(), 2))
            .collect::<BTreeMap<_, _>>(),
    };
    methods::build(&run.config, model, domains)
        .map(drop)
        .map_err(|e| anyhow!("method `{}`: {e}", run.label))
}
