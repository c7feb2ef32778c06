//! Parity with librosa 0.11 on the committed fixtures of
//! `scripts/gen_audio_fixtures.py`.
//!
//! Tolerances (stated here, checked below):
//! - linear spectrogram / mel values: max |Δ| ≤ 1e-4 × max |reference| (f32 FFTs
//!   with different summation orders agree to ~1e-6 of the peak);
//! - log and dB values: max |Δ| ≤ 1e-2 (natural-log units / dB) over
//!   entries within 80 dB of the matrix maximum (f32 FFT round-off is ~1e-7
//!   of the peak, i.e. ~1e-3 relative at −80 dB);
//! - MFCC: max |Δ| ≤ 1e-4 × max |reference| (without `top_db` the DCT mixes
//!   in bands 150 dB down whose dB values carry f32 round-off);
//! - per-bin standardised spectrogram: max |Δ| ≤ 1e-3;
//! - mel filterbanks: max |Δ| ≤ 1e-6 × max weight.

mod common;

use common::{max_abs_error, max_rel_error, Fixture};
use emoshift_audio::mel::MelFilterbank;
use emoshift_audio::{FeatureKind, FeatureSpec, MelNorm, MelScale, Scale};

const REFERENCE: &str = "librosa_reference.safetensors";

/// Whether a case's output is compressed (log/dB/MFCC) or linear.
fn compressed(spec: &FeatureSpec) -> bool {
    match &spec.kind {
        FeatureKind::Spectrogram { scale, .. } | FeatureKind::Mel { scale, .. } => {
            !matches!(scale, Scale::Linear)
        }
        FeatureKind::Mfcc { .. } => true,
    }
}

#[test]
fn features_match_librosa() {
    let fx = Fixture::open(REFERENCE);
    let cases = fx.metadata_json("cases");
    let cases = cases.as_array().expect("cases list");
    assert!(cases.len() >= 10, "expected the full case list");
    let mut report = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let spec: FeatureSpec = serde_json::from_value(case["spec"].clone())
            .unwrap_or_else(|e| panic!("{name}: spec JSON does not deserialise: {e}"));
        let (signal, _) = fx.tensor(&format!("signal/{}", case["signal"].as_str().unwrap()));
        let (want, shape) = fx.tensor(&format!("features/{name}"));
        let got = spec
            .compute(&signal)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (got.n_bins, got.n_frames),
            (shape[0], shape[1]),
            "{name}: shape"
        );
        assert_eq!(got.n_bins, spec.n_bins(), "{name}: n_bins()");
        assert_eq!(
            got.n_frames,
            spec.n_frames_for(signal.len()),
            "{name}: n_frames_for()"
        );
        let (err, tol) = if spec.per_bin_standardize {
            (max_abs_error(&got.data, &want), 1e-3)
        } else if matches!(spec.kind, FeatureKind::Mfcc { .. }) {
            (max_rel_error(&got.data, &want), 1e-4)
        } else if compressed(&spec) {
            (max_abs_error_in_range(&got.data, &want, 80.0, &spec), 1e-2)
        } else {
            (max_rel_error(&got.data, &want), 1e-4)
        };
        report.push(format!("{name}: error {err:.2e} (tolerance {tol:.0e})"));
        assert!(
            err <= tol,
            "{name}: error {err} > {tol}\n{}",
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
}

/// Max |Δ| over entries whose reference lies within `range_db` of the top
/// (for dB scales, values floored by `top_db` are compared too).
fn max_abs_error_in_range(got: &[f32], want: &[f32], range_db: f32, spec: &FeatureSpec) -> f32 {
    let top = want.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // Natural-log values: range_db dB below the top is range_db/10·ln(10) nats.
    let floor = match &spec.kind {
        FeatureKind::Spectrogram {
            scale: Scale::Log { .. },
            ..
        }
        | FeatureKind::Mel {
            scale: Scale::Log { .. },
            ..
        } => top - range_db / 10.0 * std::f32::consts::LN_10,
        _ => top - range_db,
    };
    got.iter()
        .zip(want)
        .filter(|(_, w)| **w >= floor)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f32::max)
}

#[test]
fn mel_filterbanks_match_librosa() {
    let fx = Fixture::open(REFERENCE);
    for (key, scale, norm) in [
        ("slaney_slaney", MelScale::Slaney, MelNorm::Slaney),
        ("htk_none", MelScale::Htk, MelNorm::None),
        ("htk_slaney", MelScale::Htk, MelNorm::Slaney),
    ] {
        let (want, shape) = fx.tensor(&format!("melbank/{key}"));
        let bank = MelFilterbank::new(8000, 256, shape[0], 30.0, 3900.0, scale, norm);
        assert_eq!((bank.n_mels(), bank.n_freqs()), (shape[0], shape[1]));
        let err = max_rel_error(&bank.to_dense(), &want);
        assert!(err <= 1e-6, "{key}: relative error {err}");
    }
}

#[test]
fn trim_matches_librosa() {
    let fx = Fixture::open(REFERENCE);
    let (signal, _) = fx.tensor("signal/trim_8k");
    let trims = fx.metadata_json("trim");
    for (db, interval) in trims.as_object().unwrap() {
        let top_db: f32 = db.parse().unwrap();
        let want = (
            interval[0].as_u64().unwrap() as usize,
            interval[1].as_u64().unwrap() as usize,
        );
        assert_eq!(
            emoshift_audio::level::nonsilent_range(&signal, top_db),
            want,
            "top_db {top_db}"
        );
    }
}
