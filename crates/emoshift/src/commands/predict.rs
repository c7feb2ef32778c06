//! `emoshift predict`: class probabilities for files, folders or long
//! recordings with a trained model folder. Each input is cut into windows of
//! the training crop length; window probabilities are averaged per file.
//! Where every class is an emotion with a known arousal/valence, the
//! probabilities of high arousal and positive valence are reported too.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use emoshift_corpus::{Arousal, Emotion, Valence};
use emoshift_learn::data::stack;
use emoshift_learn::predict::windows;
use serde::Serialize;
use tch::{Device, Kind};

use crate::model_dir::{self, LoadedModel};

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text table.
    Table,
    /// Comma-separated values with a header.
    Csv,
    /// One JSON document.
    Json,
}

/// Arguments of `emoshift predict`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A model folder (`runs/<name>/models/<task>/<method>__trialN`).
    pub model: PathBuf,
    /// Audio files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also report every window (segment) of each file.
    #[arg(long)]
    pub segments: bool,
    /// Seconds between window starts (default: half a window).
    #[arg(long)]
    pub hop_seconds: Option<f32>,
    /// `cpu` or `cuda`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

/// Prediction for one window or one whole file.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The audio file.
    pub file: PathBuf,
    /// Window start in seconds (`None` for the whole file).
    pub start_s: Option<f32>,
    /// Window end in seconds (`None` for the whole file).
    pub end_s: Option<f32>,
    /// Most probable class.
    pub predicted: String,
    /// Probability per class, in the model's class order.
    pub probs: Vec<f32>,
    /// Probability of high arousal, where the classes define it.
    pub p_high_arousal: Option<f32>,
    /// Probability of positive valence, where the classes define it.
    pub p_positive_valence: Option<f32>,
}

/// Predicts and prints. Files that cannot be read are reported and skipped.
pub fn run(args: Args) -> Result<()> {
    let device = emoshift_learn::runtime::select_device(&args.device)?;
    let loaded = model_dir::load(&args.model, device)?;
    let mut files = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            files.extend(super::features::audio_files_under(p));
        } else {
            files.push(p.clone());
        }
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for file in &files {
        match predict_file(&loaded, file, args.hop_seconds, device) {
            Ok(mut file_rows) => {
                if !args.segments {
                    file_rows.truncate(1);
                }
                rows.extend(file_rows);
            }
            Err(err) => failures.push(format!("{err:#}")),
        }
    }
    print_rows(&loaded.config.classes, &rows, args.format)?;
    for f in &failures {
        eprintln!("skipped: {f}");
    }
    if rows.is_empty() {
        bail!("no file could be predicted");
    }
    Ok(())
}

/// The whole-file row first, then one row per window.
pub fn predict_file(
    loaded: &LoadedModel,
    file: &Path,
    hop_seconds: Option<f32>,
    device: Device,
) -> Result<Vec<Row>> {
    let cfg = &loaded.config;
    let features = cfg
        .normalization
        .apply(&loaded.features.compute_file(file)?);
    let fps = cfg.features.frames_per_second();
    let frames = cfg.window_frames;
    let hop = hop_seconds
        .map(|s| ((s * fps).round() as usize).max(1))
        .unwrap_or((frames / 2).max(1));
    let segments = windows(&features, frames, hop);
    let refs: Vec<&emoshift_audio::Features> = segments.iter().collect();
    let x = stack(&refs, cfg.layout, device)?;
    let model = &loaded.model;
    let probs = tch::no_grad(|| {
        model
            .forward(model.store().values(), &x, false)
            .softmax(-1, Kind::Float)
            .to_device(Device::Cpu)
    });
    let n = segments.len();
    let per_window: Vec<Vec<f32>> = (0..n as i64)
        .map(|i| Vec::<f32>::try_from(probs.get(i)).expect("float probabilities"))
        .collect();
    let k = cfg.classes.len();
    let mean: Vec<f32> = (0..k)
        .map(|c| per_window.iter().map(|p| p[c]).sum::<f32>() / n as f32)
        .collect();
    let starts = window_starts(features.n_frames, frames, hop, n);
    let mut rows = vec![make_row(&cfg.classes, file, None, mean)];
    for (p, start) in per_window.into_iter().zip(starts) {
        let span = Some((start as f32 / fps, (start + frames) as f32 / fps));
        rows.push(make_row(&cfg.classes, file, span, p));
    }
    Ok(rows)
}

/// Start frames of the windows `windows` cuts (the last one ends at the last frame).
fn window_starts(n_frames: usize, frames: usize, hop: usize, n: usize) -> Vec<usize> {
    if n_frames <= frames {
        return vec![0];
    }
    (0..n).map(|i| (i * hop).min(n_frames - frames)).collect()
}

fn make_row(classes: &[String], file: &Path, span: Option<(f32, f32)>, probs: Vec<f32>) -> Row {
    let best = emoshift_learn::predict::argmax(&probs);
    let emotions: Option<Vec<Emotion>> =
        classes.iter().map(|c| Emotion::from_name(c).ok()).collect();
    let share = |pick: &dyn Fn(Emotion) -> Option<bool>| -> Option<f32> {
        let emotions = emotions.as_ref()?;
        let flags: Option<Vec<bool>> = emotions.iter().map(|&e| pick(e)).collect();
        Some(
            flags?
                .iter()
                .zip(&probs)
                .filter(|(f, _)| **f)
                .map(|(_, p)| p)
                .sum(),
        )
    };
    Row {
        file: file.to_path_buf(),
        start_s: span.map(|s| s.0),
        end_s: span.map(|s| s.1),
        predicted: classes[best].clone(),
        p_high_arousal: share(&|e| e.arousal().map(|a| a == Arousal::High)),
        p_positive_valence: share(&|e| e.valence().map(|v| v == Valence::Positive)),
        probs,
    }
}

fn print_rows(classes: &[String], rows: &[Row], format: Format) -> Result<()> {
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                classes: &'a [String],
                predictions: &'a [Row],
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&Out {
                    classes,
                    predictions: rows
                })?
            );
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let mut header = vec![
                "file".to_string(),
                "start_s".into(),
                "end_s".into(),
                "predicted".into(),
            ];
            header.extend(classes.iter().map(|c| format!("p_{c}")));
            header.extend(["p_high_arousal".to_string(), "p_positive_valence".into()]);
            w.write_record(&header)?;
            for r in rows {
                let mut rec = vec![
                    r.file.display().to_string(),
                    r.start_s.map(|v| format!("{v:.2}")).unwrap_or_default(),
                    r.end_s.map(|v| format!("{v:.2}")).unwrap_or_default(),
                    r.predicted.clone(),
                ];
                rec.extend(r.probs.iter().map(|p| format!("{p:.4}")));
                rec.push(
                    r.p_high_arousal
                        .map(|p| format!("{p:.4}"))
                        .unwrap_or_default(),
                );
                rec.push(
                    r.p_positive_valence
                        .map(|p| format!("{p:.4}"))
                        .unwrap_or_default(),
                );
                w.write_record(&rec)?;
            }
            w.flush()?;
        }
        Format::Table => {
            let mut line = format!("{:<40} {:>13} {:<12}", "file", "segment", "predicted");
            for c in classes {
                line.push_str(&format!(" {:>9.9}", c));
            }
            line.push_str(&format!(" {:>8} {:>8}", "arousal+", "valence+"));
            println!("{line}");
            for r in rows {
                let seg = match (r.start_s, r.end_s) {
                    (Some(a), Some(b)) => format!("{a:.2}-{b:.2}s"),
                    _ => "whole".to_string(),
                };
                let name = r.file.display().to_string();
                let chars: Vec<char> = name.chars().collect();
                let name = if chars.len() > 40 {
                    format!("…{}", chars[chars.len() - 39..].iter().collect::<String>())
                } else {
                    name
                };
                let mut line = format!("{name:<40} {seg:>13} {:<12}", r.predicted);
                for p in &r.probs {
                    line.push_str(&format!(" {p:>9.3}"));
                }
                let opt =
                    |v: Option<f32>| v.map(|p| format!("{p:.3}")).unwrap_or_else(|| "-".into());
                line.push_str(&format!(
                    " {:>8} {:>8}",
                    opt(r.p_high_arousal),
                    opt(r.p_positive_valence)
                ));
                println!("{line}");
            }
        }
    }
    Ok(())
}
