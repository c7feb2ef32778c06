//! Finding corpora under folders, the report, and manifest round trips.

mod common;

use common::{text, wavs};
use emoshift_corpus::{find_corpora, render_table, scan_dirs, Manifest};

#[test]
fn scan_dirs_finds_nested_corpora_and_merges_copies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wavs(
        &d.join("downloads/ravdess/Audio_Speech_Actors_01-24"),
        &["Actor_01/03-01-05-01-01-01-01.wav"],
    );
    wavs(
        &d.join("downloads/ravdess/Audio_Song_Actors_01-24"),
        &["Actor_01/03-02-05-01-01-01-01.wav"],
    );
    wavs(
        &d.join("downloads/CREMA-D"),
        &[
            "AudioWAV/1001_DFA_ANG_XX.wav",
            "AudioWAV/1076_MTI_SAD_XX.wav",
        ],
    );
    wavs(&d.join("more/deeper/EmoDB"), &["wav/03a01Wa.wav"]);
    wavs(&d.join("tess_a"), &["OAF_angry/OAF_back_angry.wav"]);
    wavs(
        &d.join("tess_b"),
        &[
            "OAF_angry/OAF_back_angry.wav",
            "OAF_angry/OAF_bar_angry.wav",
        ],
    );
    text(&d.join("notes/readme.txt"), "nothing here");

    assert_eq!(find_corpora(d).unwrap().len(), 6);
    let scans = scan_dirs(&[d.to_path_buf()], &Default::default()).unwrap();
    let summary: Vec<(&str, usize)> = scans
        .iter()
        .map(|s| (s.corpus.as_str(), s.utterances.len()))
        .collect();
    assert_eq!(
        summary,
        [("crema_d", 1), ("emodb", 1), ("ravdess", 1), ("tess", 2)]
    );
    let ravdess = &scans[2];
    assert_eq!(ravdess.skipped_counts["song files (vocal channel 02)"], 1);
    let tess = &scans[3];
    assert_eq!(
        tess.excluded.len(),
        1,
        "second copy of OAF_back_angry excluded"
    );

    let table = render_table(&scans);
    for needle in [
        "CREMA-D",
        "EmoDB",
        "RAVDESS",
        "TESS",
        "anger [ANG] 1",
        "1076_MTI_SAD_XX.wav: silent recording",
        "song files (vocal channel 02) 1",
        "duplicate copy",
    ] {
        assert!(table.contains(needle), "{needle} missing in\n{table}");
    }

    let missing = d.join("nope");
    let err = scan_dirs(&[missing], &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nope") && err.contains("not a folder"),
        "{err}"
    );
    assert!(scan_dirs(&[d.join("notes")], &Default::default())
        .unwrap()
        .is_empty());
}

#[test]
fn manifest_round_trips_through_csv_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wavs(
        &d.join("corpus"),
        &[
            "Actor_01/03-01-05-01-01-01-01.wav",
            "Actor_02/03-01-03-02-01-01-02.wav",
        ],
    );
    let scans = scan_dirs(&[d.join("corpus")], &Default::default()).unwrap();
    let manifest = Manifest::new(scans[0].utterances.clone());
    assert_eq!(manifest.utterances.len(), 2);
    for name in ["m.csv", "m.jsonl"] {
        let path = d.join(name);
        manifest.write(&path).unwrap();
        assert_eq!(Manifest::read(&path).unwrap(), manifest, "{name}");
    }
    text(&d.join("bad.csv"), "id,path\nx,y\n");
    let err = Manifest::read(&d.join("bad.csv")).unwrap_err().to_string();
    assert!(err.contains("bad.csv") && err.contains("row 2"), "{err}");
}
