//! `emoshift predict`: class probabilities for files, folders or long
//! recordings with a trained model folder (see `emoshift_engine::inference`),
//! printed as a table, CSV or JSON.

use std::path::PathBuf;

use anyhow::{bail, Result};
use emoshift_engine::inference::{adapt_normalization, predict_file, Row};
use emoshift_engine::model_dir;
use serde::Serialize;

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
    /// Unlabelled recordings of the deployment domain (a folder): the
    /// model's standardisation statistics are fitted on them instead of on
    /// the training data (transductive adaptation).
    #[arg(long, value_name = "DIR")]
    pub adapt_on: Option<PathBuf>,
    /// Quality gates every file must pass (default: the model's).
    #[command(flatten)]
    pub quality: super::quality::QualityArgs,
}

/// Predicts and prints. Every file that can be predicted is; a file found
/// in a folder that cannot be is reported and skipped, and a path named on
/// the command line that is missing or cannot be predicted makes the
/// command fail at the end, after everything else is printed.
pub fn run(args: Args) -> Result<()> {
    let device = emoshift_learn::runtime::select_device(&args.device)?;
    let mut loaded = model_dir::load(&args.model, device)?;
    loaded.config.quality = args.quality.apply(loaded.config.quality.clone())?;
    if let Some(dir) = &args.adapt_on {
        let adapt_files = super::features::audio_files_under(dir);
        let used = adapt_normalization(&mut loaded, &adapt_files)?;
        eprintln!(
            "normalisation adapted on {used} recordings of {} (transductive)",
            dir.display()
        );
    }
    let mut files = Vec::new();
    let mut named_failures = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            files.extend(
                super::features::audio_files_under(p)
                    .into_iter()
                    .map(|f| (f, false)),
            );
        } else if p.exists() {
            files.push((p.clone(), true));
        } else {
            named_failures.push(format!("{}: no such file or folder", p.display()));
        }
    }
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for (file, named) in &files {
        match predict_file(&loaded, file, args.hop_seconds) {
            Ok(mut file_rows) => {
                if !args.segments {
                    file_rows.truncate(1);
                }
                rows.extend(file_rows);
            }
            Err(err) if *named => named_failures.push(format!("{err:#}")),
            Err(err) => skipped.push(format!("{err:#}")),
        }
    }
    print_rows(&loaded.config.classes, &rows, args.format)?;
    for f in &skipped {
        eprintln!("skipped: {f}");
    }
    if !named_failures.is_empty() {
        bail!(
            "{} of the paths named could not be predicted:\n  {}",
            named_failures.len(),
            named_failures.join("\n  ")
        );
    }
    if rows.is_empty() {
        bail!("no file could be predicted");
    }
    Ok(())
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
            header.extend([
                "p_high_arousal".to_string(),
                "p_positive_valence".into(),
                "file_escaped".into(),
            ]);
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
                rec.push(r.file_escaped.clone().unwrap_or_default());
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
