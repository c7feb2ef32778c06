//! The synthetic corpora scan back through the real adapters with every label,
//! speaker and gender right, in the sizes their plans say, and the same seed gives the
//! same bytes, whether all corpora are written or only some.

use emoshift_corpus::synth::{synthesize, synthesize_corpora, SYNTH_CORPORA};
use emoshift_corpus::{render_table, scan_dirs, CorpusScan};
use std::collections::BTreeMap;
use std::path::PathBuf;
use walkdir::WalkDir;

const SCALE: f32 = 0.25;

fn tree_bytes(root: &std::path::Path) -> BTreeMap<PathBuf, Vec<u8>> {
    WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn synth_scans_back_with_every_label_right() {
    let dir = tempfile::tempdir().unwrap();
    let summary = synthesize(dir.path(), 7, SCALE).unwrap();
    assert_eq!(summary.corpora.len(), 10);
    let scans = scan_dirs(&[dir.path().to_path_buf()], &Default::default()).unwrap();
    let names: Vec<&str> = scans.iter().map(|s| s.corpus.as_str()).collect();
    assert_eq!(
        names,
        [
            "aesdd", "cafe", "crema_d", "emodb", "emovo", "iemocap", "ravdess", "savee", "shemo",
            "tess"
        ]
    );
    for corpus in &summary.corpora {
        let scan = scans.iter().find(|s| s.corpus == corpus.corpus).unwrap();
        assert!(
            scan.problems.is_empty(),
            "{}: {:?}",
            corpus.corpus,
            scan.problems
        );
        assert!(
            scan.excluded.is_empty(),
            "{}: {:?}",
            corpus.corpus,
            scan.excluded
        );
        assert_eq!(
            scan.utterances.len(),
            corpus.files.len(),
            "{}",
            corpus.corpus
        );
        let by_path: BTreeMap<_, _> = scan
            .utterances
            .iter()
            .map(|u| (u.path.clone(), u))
            .collect();
        for f in &corpus.files {
            let u = by_path
                .get(&f.path)
                .unwrap_or_else(|| panic!("{} not scanned", f.path.display()));
            assert_eq!(u.emotion, f.emotion, "{}", f.path.display());
            assert_eq!(u.raw_label, f.raw_label, "{}", f.path.display());
            assert_eq!(u.speaker, f.speaker, "{}", f.path.display());
            assert_eq!(u.gender, f.gender, "{}", f.path.display());
            let d = u.duration_s.unwrap();
            assert!((d - f.duration_s).abs() < 1e-6);
            assert!((0.8..=2.6).contains(&d), "{}: {d} s", f.path.display());
            assert_eq!(u.extra["sample_rate"], corpus.sample_rate.to_string());
            let channels = if corpus.corpus == "emovo" { "2" } else { "1" };
            assert_eq!(u.extra["channels"], channels, "{}", f.path.display());
        }
    }
    let rates: BTreeMap<_, _> = summary
        .corpora
        .iter()
        .map(|c| (c.corpus.as_str(), c.sample_rate))
        .collect();
    assert_eq!(rates["ravdess"], 48_000);
    assert_eq!(rates["tess"], 24_414);
    assert_eq!(rates["savee"], 44_100);
    assert_eq!(rates["crema_d"], 16_000);
    assert_eq!(rates["emovo"], 48_000);
    assert_eq!(rates["cafe"], 48_000);
    assert_eq!(rates["shemo"], 44_100);
    assert_eq!(rates["aesdd"], 44_100);
    let table = render_table(&scans);
    assert!(
        ["RAVDESS", "IEMOCAP", "EMOVO", "ShEMO", "CaFE", "AESDD"]
            .iter()
            .all(|c| table.contains(c)),
        "{table}"
    );
    sizes_and_labels_follow_the_plans(&scans);
}

fn scan_of<'a>(scans: &'a [CorpusScan], corpus: &str) -> &'a CorpusScan {
    scans.iter().find(|s| s.corpus == corpus).unwrap()
}

fn keys(map: BTreeMap<String, usize>) -> Vec<String> {
    map.into_keys().collect()
}

/// Files and speakers per corpus at [`SCALE`], each corpus' own label codes, and the
/// layout quirks (CaFE intensities, AESDD second takes, ShEMO's skew).
fn sizes_and_labels_follow_the_plans(scans: &[CorpusScan]) {
    // (corpus, files, speakers) at scale 0.25: RAVDESS 2 actors x 30, CREMA-D 2 actors
    // x 2 sentences x 6, EmoDB 2 x 2 texts x 7, TESS 2 x 3 words x 7, SAVEE 4 x 8,
    // IEMOCAP 2 sessions x 2 dialogs x 8 turns, EMOVO 6 x 2 sentences x 7, CaFE 2
    // actors x (6 emotions x 2 intensities + neutral) x 1 sentence, AESDD 5 x 5
    // emotions x 2 utterances + 8 second takes, ShEMO 4 speakers x 14-18 lines.
    let expected = [
        ("ravdess", 60, 2),
        ("crema_d", 24, 2),
        ("emodb", 28, 2),
        ("tess", 42, 2),
        ("savee", 32, 4),
        ("iemocap", 32, 4),
        ("emovo", 84, 6),
        ("cafe", 26, 2),
        ("aesdd", 58, 5),
        ("shemo", 62, 4),
    ];
    for (corpus, files, speakers) in expected {
        let s = scan_of(scans, corpus);
        assert_eq!(s.utterances.len(), files, "{corpus}");
        assert_eq!(s.speaker_count(), speakers, "{corpus}");
    }

    let emovo = scan_of(scans, "emovo");
    assert_eq!(
        keys(emovo.raw_label_counts()),
        ["dis", "gio", "neu", "pau", "rab", "sor", "tri"]
    );
    assert_eq!(
        keys(emovo.speaker_counts()),
        ["f1", "f2", "f3", "m1", "m2", "m3"]
    );
    assert!(emovo.utterances.iter().all(|u| u.language == "it"));

    let cafe = scan_of(scans, "cafe");
    assert_eq!(
        keys(cafe.raw_label_counts()),
        ["C", "D", "J", "N", "P", "S", "T"]
    );
    assert_eq!(
        cafe.gender_counts(),
        counts(&[("female", 13), ("male", 13)])
    );
    let intensities = cafe
        .utterances
        .iter()
        .map(|u| u.extra.get("intensity").map_or("none", String::as_str))
        .fold(BTreeMap::new(), |mut m, i| {
            *m.entry(i.to_string()).or_insert(0) += 1;
            m
        });
    assert_eq!(
        intensities,
        counts(&[("faible", 12), ("fort", 12), ("none", 2)])
    );

    let aesdd = scan_of(scans, "aesdd");
    assert_eq!(keys(aesdd.raw_label_counts()), ["a", "d", "f", "h", "s"]);
    assert_eq!(aesdd.gender_counts(), counts(&[("unknown", 58)]));
    assert_eq!(
        aesdd
            .utterances
            .iter()
            .filter(|u| u.extra["take"] == "b")
            .count(),
        8
    );
    assert!(aesdd.excluded.is_empty());

    let shemo = scan_of(scans, "shemo");
    assert_eq!(
        keys(shemo.raw_label_counts()),
        ["A", "F", "H", "N", "S", "W"]
    );
    assert!(!shemo.emotion_counts().contains_key("disgust"));
    assert_eq!(keys(shemo.speaker_counts()), ["F01", "F02", "M01", "M02"]);
    let labels = shemo.raw_label_counts();
    // Anger and neutral are common, fear rare (one line each for 3 of 4 speakers).
    assert_eq!(
        labels,
        counts(&[("A", 19), ("F", 3), ("H", 8), ("N", 20), ("S", 8), ("W", 4)])
    );
    assert!(shemo
        .utterances
        .iter()
        .all(|u| u
            .path
            .parent()
            .unwrap()
            .ends_with(if u.speaker.starts_with('F') {
                "female"
            } else {
                "male"
            })));
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn a_corpus_gets_the_same_bytes_whatever_else_is_written() {
    let alone = tempfile::tempdir().unwrap();
    let some = tempfile::tempdir().unwrap();
    synthesize_corpora(alone.path(), 5, 0.1, &["emovo"]).unwrap();
    let part = synthesize_corpora(some.path(), 5, 0.1, &["ShEMO", "emovo", "CaFE"]).unwrap();
    assert_eq!(
        part.corpora
            .iter()
            .map(|c| c.corpus.as_str())
            .collect::<Vec<_>>(),
        ["emovo", "shemo", "cafe"]
    );
    let emovo = tree_bytes(&alone.path().join("EMOVO"));
    assert!(!emovo.is_empty());
    assert_eq!(emovo, tree_bytes(&some.path().join("EMOVO")));
    assert!(!some.path().join("RAVDESS").exists());

    let err = synthesize_corpora(some.path(), 5, 0.1, &["msp_podcast"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("msp_podcast") && err.contains("aesdd"),
        "{err}"
    );
    let err = synthesize_corpora(some.path(), 5, 0.1, &["voxceleb"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("voxceleb") && err.contains("shemo"), "{err}");
    assert!(synthesize_corpora::<&str>(some.path(), 5, 0.1, &[]).is_err());
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    synthesize(a.path(), 3, 0.1).unwrap();
    // Every corpus by name, in another order: the same set, written in the usual order.
    let reversed: Vec<&str> = SYNTH_CORPORA.iter().rev().copied().collect();
    let all = synthesize_corpora(b.path(), 3, 0.1, &reversed).unwrap();
    assert_eq!(
        all.corpora
            .iter()
            .map(|c| c.corpus.as_str())
            .collect::<Vec<_>>(),
        SYNTH_CORPORA
    );
    synthesize(c.path(), 4, 0.1).unwrap();
    let (ta, tb, tc) = (
        tree_bytes(a.path()),
        tree_bytes(b.path()),
        tree_bytes(c.path()),
    );
    assert!(!ta.is_empty());
    assert_eq!(ta, tb);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tc.keys().collect::<Vec<_>>());
    let differing = ta.iter().filter(|(k, v)| tc[*k] != **v).count();
    assert!(
        differing > ta.len() / 2,
        "only {differing} of {} files differ",
        ta.len()
    );
}

#[test]
fn bad_scale_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(synthesize(dir.path(), 1, 0.0).is_err());
    assert!(synthesize(dir.path(), 1, f32::NAN).is_err());
}
