//! Quality gates: each gate refuses what it names and passes speech-like
//! audio; the header checks run before anything is decoded; the feature
//! store gates cached files as it gates new ones; thresholds are validated.

use std::path::Path;

use emoshift_audio::decode::decode_bytes_within;
use emoshift_audio::{
    AudioError, AudioStats, CacheHit, FeatureSpec, FeatureStore, QualityGates, QualityIssue,
};

/// A mono 16-bit PCM WAV of `samples` declaring `rate` (and, when given,
/// a data size other than the true one).
fn wav(rate: u32, samples: &[i16], declared_bytes: Option<u32>) -> Vec<u8> {
    let data_len = declared_bytes.unwrap_or((samples.len() * 2) as u32);
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&36u32.wrapping_add(data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// `seconds` of a harmonic tone at 16 kHz, peak about -8 dBFS.
fn speechy(seconds: f32) -> Vec<i16> {
    (0..(seconds * 16_000.0) as usize)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let v: f32 = (1..5)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            (v * 6_000.0) as i16
        })
        .collect()
}

fn issue(bytes: &[u8], gates: &QualityGates) -> QualityIssue {
    match gates.decode(bytes, Path::new("x.wav")) {
        Err(AudioError::Rejected { issue, .. }) => issue,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn speech_like_audio_passes_every_default_gate() {
    let (audio, stats) = QualityGates::default()
        .decode(&wav(16_000, &speechy(0.5), None), Path::new("ok.wav"))
        .unwrap();
    assert_eq!(audio.samples.len(), 8_000);
    assert_eq!(stats.frames, 8_000);
    assert!(stats.rms_dbfs > -20.0 && stats.rms_dbfs < -5.0, "{stats:?}");
    assert_eq!(stats.clipped_share, 0.0);
}

#[test]
fn each_gate_refuses_what_it_names() {
    let gates = QualityGates::default();
    assert!(matches!(
        issue(&wav(16_000, &[0; 16_000], None), &gates),
        QualityIssue::Silent { .. }
    ));
    assert!(matches!(
        issue(&wav(16_000, &speechy(0.01), None), &gates),
        QualityIssue::TooShort { .. }
    ));
    assert!(matches!(
        issue(&wav(1, &[1000; 1000], None), &gates),
        QualityIssue::SampleRate { rate: 1, .. }
    ));
    assert!(matches!(
        issue(&wav(768_000, &speechy(0.1), None), &gates),
        QualityIssue::SampleRate { rate: 768_000, .. }
    ));
    // A square wave at full scale: every sample clipped.
    let square: Vec<i16> = (0..8_000)
        .map(|i| if i % 80 < 40 { i16::MAX } else { i16::MIN })
        .collect();
    match issue(&wav(16_000, &square, None), &gates) {
        QualityIssue::Clipped { share, .. } => assert_eq!(share, 1.0),
        other => panic!("{other:?}"),
    }
    let capped = QualityGates {
        max_seconds: Some(0.2),
        ..QualityGates::default()
    };
    assert!(matches!(
        issue(&wav(16_000, &speechy(0.5), None), &capped),
        QualityIssue::TooLong { .. }
    ));
}

#[test]
fn a_rejection_names_the_file_and_the_reason() {
    let err = QualityGates::default()
        .decode(&wav(1, &[1000; 1000], None), Path::new("bomb.wav"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "bomb.wav: rejected: sample rate 1 Hz is outside 4000–384000 Hz"
    );
    assert_eq!(
        err.reason(),
        "rejected: sample rate 1 Hz is outside 4000–384000 Hz"
    );
}

#[test]
fn a_declared_length_over_the_limit_is_refused_from_the_header() {
    let gates = QualityGates {
        max_seconds: Some(600.0),
        ..QualityGates::default()
    };
    let bytes = wav(4_000, &vec![3_000; 601 * 4_000], None);
    match issue(&bytes, &gates) {
        QualityIssue::TooLong { seconds, max } => {
            assert_eq!(max, 600.0);
            assert!((seconds - 601.0).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn decoding_stops_once_the_frame_limit_is_passed() {
    let bytes = wav(16_000, &speechy(1.0), None);
    let err = decode_bytes_within(&bytes, Path::new("long.wav"), Some(1_000)).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Rejected {
                issue: QualityIssue::TooLong { .. },
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        decode_bytes_within(&bytes, Path::new("long.wav"), None)
            .unwrap()
            .samples
            .len(),
        16_000
    );
}

#[test]
fn the_store_gates_cached_files_as_new_ones_and_remembers_rejections() {
    let audio_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let good = audio_dir.path().join("good.wav");
    let silent = audio_dir.path().join("silent.wav");
    std::fs::write(&good, wav(16_000, &speechy(0.5), None)).unwrap();
    std::fs::write(&silent, wav(16_000, &[0; 8_000], None)).unwrap();
    let spec = FeatureSpec::preset("da_mldg").unwrap();

    let store = FeatureStore::open(cache_dir.path()).unwrap();
    assert_eq!(
        store.get_or_compute(&good, &spec).unwrap().1,
        CacheHit::Computed
    );
    let err = store.get_or_compute(&silent, &spec).unwrap_err();
    assert!(err
        .to_string()
        .starts_with(&format!("{}: rejected: silent", silent.display())));

    // Tighter gates refuse the cached file; looser ones accept the silent
    // one from its stored statistics.
    let strict = store.clone().with_gates(QualityGates {
        min_seconds: 1.0,
        ..QualityGates::default()
    });
    assert!(matches!(
        strict.get_or_compute(&good, &spec),
        Err(AudioError::Rejected {
            issue: QualityIssue::TooShort { .. },
            ..
        })
    ));
    let lenient = store.with_gates(QualityGates {
        silence_dbfs: -400.0,
        ..QualityGates::default()
    });
    assert_eq!(
        lenient.get_or_compute(&good, &spec).unwrap().1,
        CacheHit::Reused
    );
    assert_eq!(
        lenient.get_or_compute(&silent, &spec).unwrap().1,
        CacheHit::Computed
    );
}

#[test]
fn statistics_of_all_zeros_stay_finite() {
    let stats = AudioStats::of(&emoshift_audio::Audio {
        samples: vec![0.0; 100],
        sample_rate: 16_000,
    });
    assert!(stats.rms_dbfs.is_finite());
    let json = serde_json::to_string(&stats).unwrap();
    assert_eq!(serde_json::from_str::<AudioStats>(&json).unwrap(), stats);
}

#[test]
fn thresholds_that_make_no_sense_are_refused() {
    let bad = [
        QualityGates {
            min_seconds: -1.0,
            ..QualityGates::default()
        },
        QualityGates {
            max_seconds: Some(0.01),
            ..QualityGates::default()
        },
        QualityGates {
            min_sample_rate: 48_000,
            max_sample_rate: 8_000,
            ..QualityGates::default()
        },
        QualityGates {
            silence_dbfs: 3.0,
            ..QualityGates::default()
        },
        QualityGates {
            max_clipped_share: 1.5,
            ..QualityGates::default()
        },
    ];
    for gates in bad {
        assert!(gates.validate().is_err(), "{gates:?}");
    }
    assert!(QualityGates::default().validate().is_ok());
}
