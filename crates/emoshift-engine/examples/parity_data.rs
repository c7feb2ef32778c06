//! Writes the built-in corpora as a fixed data set for the learning-parity
//! benchmark (`scripts/parity_train.py --data`): synthetic RAVDESS, CREMA-D
//! and EmoDB as the three training domains and TESS held out, in the
//! `common4` label set, each utterance's first `FRAMES` log-mel frames
//! (the `da_mldg` preset, a short one tiled), standardised per bin with the
//! training domains' statistics, `EXAMPLES` utterances per domain with the
//! classes balanced.
//!
//! `cargo run -p emoshift-engine --example parity_data -- OUT_FILE [FRAMES] [EXAMPLES]`

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use emoshift_audio::Features;
use emoshift_corpus::LabelSet;
use emoshift_engine::normalize::BinNorm;
use emoshift_engine::{runner, Experiment};
use emoshift_learn::predict::windows;
use tch::Tensor;

const CORPORA: [&str; 4] = ["ravdess", "crema_d", "emodb", "tess"];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args
        .first()
        .context("usage: parity_data OUT_FILE [FRAMES] [EXAMPLES]")?;
    let frames: usize = args.get(1).map_or(Ok(32), |a| a.parse())?;
    let examples: usize = args.get(2).map_or(Ok(48), |a| a.parse())?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("data");
    emoshift_corpus::synth::synthesize_corpora(&data_dir, 11, 1.0, &CORPORA)?;
    let exp: Experiment = toml::from_str(&format!(
        r#"
name = "parity"
out_dir = "{out}/runs"
cache_dir = "{out}/cache"
threads = 1
[data]
roots = ["{data}"]
[features]
preset = "da_mldg"
crop_seconds = 0.5
[model]
name = "resnet18"
[protocol]
name = "loco:{corpora}@common4"
[[methods]]
name = "erm"
"#,
        out = work.path().display(),
        data = data_dir.display(),
        corpora = CORPORA.join(","),
    ))?;
    exp.validate()?;
    let tasks = runner::tasks(&exp)?;
    let computer = exp.features.source(tch::Device::Cpu)?;
    let data = runner::extract(&exp, &computer, runner::scan(&exp, &tasks)?)?;
    let labels = LabelSet::by_name("common4")?;
    let per_class = examples / labels.num_classes();
    let mut domains: Vec<(Vec<Features>, Vec<i64>)> = Vec::new();
    for corpus in CORPORA {
        let mut by_class: BTreeMap<usize, Vec<Features>> = BTreeMap::new();
        for u in &data.corpora[corpus] {
            if let Some(class) = labels.class_index(u) {
                let kept = by_class.entry(class).or_default();
                if kept.len() < per_class {
                    kept.push(windows(&data.features[&u.path], frames, frames).remove(0));
                }
            }
        }
        if by_class.len() != labels.num_classes() || by_class.values().any(|v| v.len() < per_class)
        {
            bail!("{corpus}: fewer than {per_class} utterances of some class");
        }
        // Interleave the classes so any prefix is balanced.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..per_class {
            for (class, feats) in &by_class {
                xs.push(feats[i].clone());
                ys.push(*class as i64);
            }
        }
        domains.push((xs, ys));
    }
    let norm = BinNorm::fit(domains[..3].iter().flat_map(|(xs, _)| xs.iter()))
        .context("no training features")?;
    let mut named = Vec::new();
    for (d, (xs, ys)) in domains.iter().enumerate() {
        let n_bins = xs[0].n_bins as i64;
        let flat: Vec<f32> = xs.iter().flat_map(|f| norm.apply(f).data).collect();
        let x = Tensor::from_slice(&flat).reshape([xs.len() as i64, 1, n_bins, frames as i64]);
        named.push((format!("x.{d}"), x));
        named.push((format!("y.{d}"), Tensor::from_slice(ys)));
    }
    Tensor::write_safetensors(&named, out)?;
    println!(
        "{out}: {} domains ({}, the last held out) x {} utterances of {} bins x {frames} frames",
        domains.len(),
        CORPORA.join(", "),
        domains[0].1.len(),
        domains[0].0[0].n_bins
    );
    Ok(())
}
