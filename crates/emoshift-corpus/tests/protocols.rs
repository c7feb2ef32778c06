//! Protocols expand to the papers' tasks, with valid corpus and label-set names, and
//! every DA-MLDG scenario finds its data on the synthetic corpora.

use emoshift_corpus::protocol::PROTOCOL_NAMES;
use emoshift_corpus::split::{speaker_split, speakers_of, Ratios};
use emoshift_corpus::synth::synthesize;
use emoshift_corpus::{adapter, scan_dirs, LabelSet, Protocol, SplitSpec, TaskKind, Utterance};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn every_protocol_names_real_corpora_and_label_sets() {
    for name in PROTOCOL_NAMES {
        let p = Protocol::by_name(name).unwrap();
        assert_eq!(p.name, name);
        assert!(!p.tasks.is_empty(), "{name}");
        for t in &p.tasks {
            LabelSet::by_name(&t.label_set).unwrap();
            for c in t.train_corpora.iter().chain(&t.target_corpora) {
                assert_eq!(adapter(c).unwrap().name(), c, "{name}/{}", t.name);
            }
        }
    }
}

#[test]
fn da_mldg_scenarios_follow_the_authors_lists() {
    let p = Protocol::by_name("da_mldg").unwrap();
    let got: Vec<(Vec<&str>, Vec<&str>)> = p
        .tasks
        .iter()
        .map(|t| {
            (
                t.train_corpora.iter().map(String::as_str).collect(),
                t.target_corpora.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let expected: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["ravdess", "savee", "crema_d"], vec!["iemocap"]),
        (vec!["crema_d", "savee", "tess"], vec!["ravdess"]),
        (vec!["crema_d", "savee", "ravdess"], vec!["tess"]),
        (vec!["savee", "ravdess", "emodb"], vec!["cafe"]),
        (vec!["aesdd", "emovo", "shemo"], vec!["emodb"]),
        (vec!["crema_d", "savee", "ravdess"], vec!["shemo"]),
        (vec!["tess", "emodb"], vec!["shemo"]),
    ];
    assert_eq!(got, expected);
    assert!(p
        .tasks
        .iter()
        .all(|t| t.label_set == "da_mldg5" && t.kind == TaskKind::DomainGeneralisation));

    let english = Protocol::by_name("da_mldg_english").unwrap();
    let targets: Vec<&str> = english
        .tasks
        .iter()
        .map(|t| t.target_corpora[0].as_str())
        .collect();
    assert_eq!(targets, ["iemocap", "ravdess", "savee", "crema_d"]);
    for t in &english.tasks {
        assert_eq!(t.train_corpora.len(), 3);
        assert!(!t.train_corpora.contains(&t.target_corpora[0]));
    }
}

#[test]
fn every_da_mldg_scenario_resolves_on_the_synthetic_corpora() {
    let dir = tempfile::tempdir().unwrap();
    synthesize(dir.path(), 1, 0.25).unwrap();
    let mut corpora: BTreeMap<String, Vec<Utterance>> = BTreeMap::new();
    for scan in scan_dirs(&[dir.path().to_path_buf()], &Default::default()).unwrap() {
        assert!(
            scan.problems.is_empty(),
            "{}: {:?}",
            scan.corpus,
            scan.problems
        );
        corpora.insert(scan.corpus, scan.utterances);
    }
    let p = Protocol::by_name("da_mldg").unwrap();
    assert_eq!(p.tasks.len(), 7);
    for task in &p.tasks {
        let labels = LabelSet::by_name(&task.label_set).unwrap();
        let SplitSpec::PerCorpus { ratios } = task.split else {
            panic!("{}: DA-MLDG splits every corpus", task.name);
        };
        // The utterances of a corpus in the label set, split by speaker as the runner does.
        let split = |corpus: &str| {
            let kept: Vec<Utterance> = corpora
                .get(corpus)
                .unwrap_or_else(|| panic!("{}: no synthetic {corpus}", task.name))
                .iter()
                .filter(|u| labels.class_index(u).is_some())
                .cloned()
                .collect();
            let split = speaker_split(&kept, ratios, 0).unwrap();
            (kept, split)
        };
        let mut train_classes = BTreeSet::new();
        for corpus in &task.train_corpora {
            let (kept, s) = split(corpus);
            assert!(
                !s.train.is_empty(),
                "{}: {corpus} trains nothing",
                task.name
            );
            train_classes.extend(s.train.iter().filter_map(|&i| labels.class_index(&kept[i])));
        }
        assert_eq!(
            train_classes.len(),
            labels.num_classes(),
            "{}: the sources miss a class",
            task.name
        );
        for corpus in &task.target_corpora {
            let (kept, s) = split(corpus);
            assert!(!s.test.is_empty(), "{}: {corpus} tests nothing", task.name);
            assert!(speakers_of(&kept, &s.train).is_disjoint(&speakers_of(&kept, &s.test)));
            let classes: BTreeSet<usize> = s
                .test
                .iter()
                .filter_map(|&i| labels.class_index(&kept[i]))
                .collect();
            assert!(
                classes.len() >= 2,
                "{}: {corpus} tests {classes:?}",
                task.name
            );
        }
    }
}

#[test]
fn mmd_dann_and_poster_protocols() {
    let mmd = Protocol::by_name("mmd_transfer").unwrap();
    let pairs: Vec<String> = mmd
        .tasks
        .iter()
        .map(|t| format!("{}->{}", t.train_corpora[0], t.target_corpora[0]))
        .collect();
    assert_eq!(
        pairs,
        [
            "iemocap->emodb",
            "emodb->iemocap",
            "ravdess->emodb",
            "emodb->ravdess"
        ]
    );
    assert!(mmd.tasks.iter().all(|t| t.kind
        == TaskKind::Transfer {
            target_labelled: true
        }
        && t.label_set == "mmd7"));
    let unsup = Protocol::by_name("mmd_transfer_unsupervised").unwrap();
    assert!(unsup.tasks.iter().all(|t| t.kind
        == TaskKind::Transfer {
            target_labelled: false
        }
        && t.label_set == "common4"));

    let cross = Protocol::by_name("dann_cross").unwrap();
    assert_eq!(
        cross
            .tasks
            .iter()
            .map(|t| t.label_set.as_str())
            .collect::<Vec<_>>(),
        ["arousal", "valence"]
    );
    assert!(cross
        .tasks
        .iter()
        .all(|t| t.train_corpora == ["iemocap"]
            && t.target_corpora == ["msp_improv", "savee", "emodb"]));
    let multi = Protocol::by_name("dann_multi").unwrap();
    assert!(multi
        .tasks
        .iter()
        .all(|t| t.kind == TaskKind::MultiCorpus && t.train_corpora.len() == 4));

    assert_eq!(
        Protocol::by_name("embeddings_intra").unwrap().tasks.len(),
        5
    );
    let matrix = Protocol::by_name("embeddings_cross").unwrap();
    assert_eq!(matrix.tasks.len(), 3);
    assert!(matrix
        .tasks
        .iter()
        .all(|t| t.target_corpora.len() == 5 && t.label_set == "common4"));
    let multi = Protocol::by_name("embeddings_multi").unwrap();
    assert_eq!(
        multi
            .tasks
            .iter()
            .map(|t| t.train_corpora.len())
            .collect::<Vec<_>>(),
        [2, 5]
    );
}

#[test]
fn leave_one_corpus_out_over_any_list() {
    let p = Protocol::by_name("loco:RAVDESS, crema-d,EmoDB@basic7").unwrap();
    assert_eq!(p.name, "loco:ravdess,crema_d,emodb@basic7");
    assert_eq!(p.tasks.len(), 3);
    assert_eq!(p.tasks[1].train_corpora, ["ravdess", "emodb"]);
    assert_eq!(p.tasks[1].target_corpora, ["crema_d"]);
    assert_eq!(
        p.tasks[1].split,
        SplitSpec::WholeTarget {
            source: Ratios::new(1.0, 0.0, 0.0)
        },
        "the held-out corpus is tested whole, the others train with all speakers"
    );
    assert_eq!(p.corpora(), ["crema_d", "emodb", "ravdess"]);
    assert_eq!(
        Protocol::by_name("loco:tess,savee").unwrap().tasks[0].label_set,
        "common4"
    );

    let err = Protocol::by_name("loco:tess").unwrap_err().to_string();
    assert!(err.contains("at least two"), "{err}");
    let err = Protocol::by_name("loco:tess,voxceleb")
        .unwrap_err()
        .to_string();
    assert!(err.contains("voxceleb") && err.contains("ravdess"), "{err}");
    let err = Protocol::by_name("loco:tess,savee@nine")
        .unwrap_err()
        .to_string();
    assert!(err.contains("nine") && err.contains("common4"), "{err}");
    assert!(Protocol::by_name("loco:tess,TESS").is_err());
}

#[test]
fn cross_corpus_matrix_over_any_list() {
    let p = Protocol::by_name("matrix:crema_d,EmoDB@common4").unwrap();
    assert_eq!(p.tasks.len(), 2);
    assert_eq!(p.tasks[0].name, "crema_d->all");
    assert_eq!(p.tasks[0].train_corpora, ["crema_d"]);
    assert_eq!(p.tasks[0].target_corpora, ["crema_d", "emodb"]);
    assert_eq!(p.tasks[1].train_corpora, ["emodb"]);
    assert!(p.tasks.iter().all(|t| t.label_set == "common4"));
    let err = Protocol::by_name("matrix:tess,voxceleb")
        .unwrap_err()
        .to_string();
    assert!(err.contains("voxceleb"), "{err}");
}

#[test]
fn unknown_protocol_lists_the_names() {
    let err = Protocol::by_name("scenario9").unwrap_err().to_string();
    assert!(
        err.contains("scenario9") && err.contains("da_mldg") && err.contains("loco:"),
        "{err}"
    );
}
