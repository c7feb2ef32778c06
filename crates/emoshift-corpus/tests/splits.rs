//! Speaker-independent splits: no speaker in two parts, stable for a seed, stratified.

use emoshift_corpus::split::{
    corpus_partition, leave_one_session_out, leave_one_speaker_out, speaker_folds, speaker_split,
    speakers_of, Ratios,
};
use emoshift_corpus::{Emotion, Gender, Utterance};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// `n_speakers` speakers (alternating gender) × every emotion of `emotions` ×
/// `per_emotion` utterances; speaker k in session k / 2.
fn corpus(n_speakers: usize, per_emotion: usize) -> Vec<Utterance> {
    let emotions = [
        Emotion::Anger,
        Emotion::Happiness,
        Emotion::Neutral,
        Emotion::Sadness,
    ];
    let mut out = Vec::new();
    for s in 0..n_speakers {
        let gender = if s % 2 == 0 {
            Gender::Female
        } else {
            Gender::Male
        };
        // Uneven speakers: some speak twice as much.
        let reps = if s % 3 == 0 {
            2 * per_emotion
        } else {
            per_emotion
        };
        for e in emotions {
            for k in 0..reps {
                let id = format!("s{s}_{e}_{k}");
                out.push(
                    Utterance::new(
                        "test",
                        "en",
                        id.clone(),
                        PathBuf::from(format!("{id}.wav")),
                        format!("spk{s:02}"),
                        Some(gender),
                        e.name(),
                        Some(e),
                    )
                    .with_session(format!("Session{}", s / 2 + 1)),
                );
            }
        }
    }
    out
}

fn assert_disjoint(utts: &[Utterance], parts: &[&[usize]]) {
    let all: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    assert_eq!(all.len(), utts.len(), "every utterance in exactly one part");
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), utts.len());
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            let common: Vec<_> = speakers_of(utts, a)
                .intersection(&speakers_of(utts, b))
                .cloned()
                .collect();
            assert!(common.is_empty(), "speakers in two parts: {common:?}");
        }
    }
}

#[test]
fn ratio_split_is_speaker_independent_stable_and_near_the_ratios() {
    let utts = corpus(20, 3);
    for seed in 0..20 {
        let s = speaker_split(&utts, Ratios::new(0.7, 0.15, 0.15), seed).unwrap();
        assert_disjoint(&utts, &[&s.train, &s.val, &s.test]);
        assert_eq!(
            s,
            speaker_split(&utts, Ratios::new(0.7, 0.15, 0.15), seed).unwrap(),
            "stable for seed {seed}"
        );
        let share = s.train.len() as f64 / utts.len() as f64;
        assert!((0.6..=0.8).contains(&share), "train share {share}");
        assert!(!s.val.is_empty() && !s.test.is_empty());
        // Gender-stratified: each part has both genders.
        for part in [&s.train, &s.val, &s.test] {
            let genders: BTreeSet<_> = part.iter().map(|&i| utts[i].gender).collect();
            assert_eq!(genders.len(), 2, "seed {seed}");
        }
    }
    let distinct: BTreeSet<_> = (0..20)
        .map(|seed| {
            speaker_split(&utts, Ratios::new(0.7, 0.15, 0.15), seed)
                .unwrap()
                .test
        })
        .collect();
    assert!(
        distinct.len() > 5,
        "seeds should change the split, got {} distinct",
        distinct.len()
    );
}

#[test]
fn eighty_twenty_with_two_speakers_puts_one_on_each_side() {
    let utts = corpus(2, 2);
    let s = speaker_split(&utts, Ratios::new(0.8, 0.0, 0.2), 1).unwrap();
    assert_disjoint(&utts, &[&s.train, &s.val, &s.test]);
    assert!(s.val.is_empty());
    assert_eq!(speakers_of(&utts, &s.train).len(), 1);
    assert_eq!(speakers_of(&utts, &s.test).len(), 1);
}

#[test]
fn too_few_speakers_or_bad_ratios_are_errors() {
    let utts = corpus(2, 1);
    let err = speaker_split(&utts, Ratios::new(0.6, 0.2, 0.2), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("2 speaker(s) cannot fill 3"), "{err}");
    assert!(speaker_split(&utts, Ratios::new(-1.0, 0.0, 2.0), 0).is_err());
    assert!(speaker_split(&utts, Ratios::new(0.0, 0.0, 0.0), 0).is_err());
    assert!(speaker_folds(&utts, 3, 0).is_err());
    assert!(speaker_folds(&utts, 1, 0).is_err());
}

#[test]
fn k_folds_cover_every_speaker_once() {
    let utts = corpus(10, 2);
    let folds = speaker_folds(&utts, 5, 42).unwrap();
    assert_eq!(folds, speaker_folds(&utts, 5, 42).unwrap());
    let mut held: Vec<String> = Vec::new();
    for f in &folds {
        assert_disjoint(&utts, &[&f.train, &f.test]);
        held.extend(speakers_of(&utts, &f.test));
    }
    held.sort();
    let all: Vec<String> = speakers_of(&utts, &(0..utts.len()).collect::<Vec<_>>())
        .into_iter()
        .collect();
    assert_eq!(held, all, "each speaker held out exactly once");
}

#[test]
fn leave_one_out_by_speaker_and_session() {
    let utts = corpus(6, 1);
    let loso = leave_one_speaker_out(&utts);
    assert_eq!(loso.len(), 6);
    for f in &loso {
        assert_disjoint(&utts, &[&f.train, &f.test]);
        assert_eq!(speakers_of(&utts, &f.test).len(), 1);
    }
    let sessions = leave_one_session_out(&utts).unwrap();
    assert_eq!(
        sessions.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["session Session1", "session Session2", "session Session3"]
    );
    for f in &sessions {
        assert_disjoint(&utts, &[&f.train, &f.test]);
        assert_eq!(speakers_of(&utts, &f.test).len(), 2);
    }
    let mut no_session = utts.clone();
    no_session[3].session = None;
    let err = leave_one_session_out(&no_session).unwrap_err().to_string();
    assert!(err.contains("has no session"), "{err}");
}

#[test]
fn a_corpus_partition_is_read_from_the_split_values() {
    let values = [
        "Train",
        "Development",
        "Test1",
        "Test2",
        "train",
        "validation",
        "test",
    ];
    let utts: Vec<Utterance> = corpus(7, 1)
        .into_iter()
        .enumerate()
        .map(|(i, u)| u.with_extra("split", values[i % values.len()]))
        .collect();
    let partition = corpus_partition(&utts)
        .unwrap()
        .expect("every utterance has a split");
    let part = |names: [&str; 2]| -> Vec<usize> {
        (0..utts.len())
            .filter(|i| names.contains(&values[i % values.len()]))
            .collect()
    };
    assert_eq!(partition.split.train, part(["Train", "train"]));
    assert_eq!(partition.split.val, part(["Development", "validation"]));
    assert_eq!(partition.split.test, part(["Test1", "test"]));
    let test2 = part(["Test2", "Test2"]).len();
    assert_eq!(partition.unused.get("Test2"), Some(&test2));
    assert_eq!(partition.unused.len(), 1);
    // References work as well as owned utterances.
    let refs: Vec<&Utterance> = utts.iter().collect();
    assert_eq!(corpus_partition(&refs).unwrap(), Some(partition));
}

#[test]
fn no_split_values_means_no_partition_and_partial_or_trainless_ones_are_errors() {
    let utts = corpus(4, 1);
    assert_eq!(corpus_partition(&utts).unwrap(), None);

    let mut partial = utts.clone();
    partial[0] = partial[0].clone().with_extra("split", "train");
    let err = corpus_partition(&partial).unwrap_err().to_string();
    assert!(err.contains("have no `split` value"), "{err}");

    let no_train: Vec<Utterance> = utts
        .into_iter()
        .map(|u| u.with_extra("split", "test"))
        .collect();
    let err = corpus_partition(&no_train).unwrap_err().to_string();
    assert!(err.contains("no training part"), "{err}");
}
