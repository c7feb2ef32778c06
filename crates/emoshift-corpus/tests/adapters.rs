//! Fixture trees in each corpus' real naming, with the quirks of the distributions,
//! and the exact counts each adapter must report.

mod common;

use common::{text, wav, wav_ch, wavs};
use emoshift_corpus::{adapter, CorpusScan, Emotion, Gender};
use std::collections::BTreeMap;
use std::path::Path;

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn scan(corpus: &str, root: &Path) -> CorpusScan {
    let a = adapter(corpus).unwrap();
    assert!(
        a.detect(root),
        "{corpus} not detected at {}",
        root.display()
    );
    a.scan(root).unwrap()
}

fn reasons(list: &[(std::path::PathBuf, String)]) -> Vec<String> {
    list.iter()
        .map(|(p, r)| format!("{}: {r}", p.file_name().unwrap().to_string_lossy()))
        .collect()
}

fn utt<'a>(s: &'a CorpusScan, id: &str) -> &'a emoshift_corpus::Utterance {
    s.utterances
        .iter()
        .find(|u| u.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn ravdess_skips_song_and_video_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        r,
        &[
            "Actor_01/03-01-01-01-01-01-01.wav",
            "Actor_01/03-01-01-01-02-01-01.wav",
            "Actor_01/03-01-05-02-01-01-01.wav",
            "Actor_01/03-01-05-02-01-02-01.wav",
            "Actor_01/03-01-02-01-01-01-01.wav",
            "Actor_02/03-01-08-02-02-01-02.wav",
            "Actor_02/03-01-04-02-01-01-02.wav",
            "Actor_01/03-02-03-01-01-01-01.wav",
            "Actor_02/03-01-09-01-01-01-02.wav",
            "Actor_02/notes.wav",
        ],
    );
    text(&r.join("Actor_01/01-01-05-01-01-01-01.mp4"), "video");
    text(&r.join("Actor_02/02-01-05-01-01-01-02.mp4"), "video");
    text(
        &r.join("Actor_02/03-01-04-01-01-01-02.wav"),
        "not a wav header",
    );
    text(
        &r.join("Actor_01/._03-01-01-01-01-01-01.wav"),
        "macOS debris",
    );
    text(&r.join("README.txt"), "readme");

    let s = scan("ravdess", r);
    assert_eq!(s.utterances.len(), 7);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 2),
            ("calm", 1),
            ("neutral", 2),
            ("sadness", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("Actor_01", 5), ("Actor_02", 2)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 2), ("male", 5)]));
    assert_eq!(
        s.skipped_counts,
        counts(&[
            ("AppleDouble files (._*)", 1),
            ("non-audio files (.txt)", 1),
            ("song files (vocal channel 02)", 1),
            ("video files (modality 01/02)", 2),
        ])
    );
    assert_eq!(s.problems.len(), 3, "{:?}", reasons(&s.problems));
    let problems = reasons(&s.problems).join("\n");
    assert!(
        problems.contains("03-01-09-01-01-01-02.wav: unknown emotion code 09"),
        "{problems}"
    );
    assert!(problems.contains("notes.wav: name is not"), "{problems}");
    assert!(
        problems.contains("03-01-04-01-01-01-02.wav: unsupported format or codec"),
        "{problems}"
    );
    let u = utt(&s, "03-01-05-02-01-02-01");
    assert_eq!(u.extra["intensity"], "strong");
    assert_eq!(u.extra["repetition"], "02");
    assert_eq!(u.raw_label, "05");
    assert!((u.duration_s.unwrap() - 0.1).abs() < 1e-9);
}

#[test]
fn crema_d_excludes_the_silent_file_and_reads_demographics() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        &r.join("AudioWAV"),
        &[
            "1001_DFA_ANG_XX.wav",
            "1001_IEO_HAP_HI.wav",
            "1002_TIE_SAD_XX.wav",
            "1002_IEO_NEU_XX.wav",
            "1076_MTI_SAD_XX.wav",
            "1092_DFA_ANG_XX.wav",
            "1003_XYZ_ANG_XX.wav",
            "1003_DFA_BOR_XX.wav",
            "1003_DFA_ANG_ZZ.wav",
        ],
    );
    let s = scan("crema_d", r);
    assert_eq!(s.utterances.len(), 4);
    assert!(s.utterances.iter().all(|u| u.gender.is_none()));

    text(
        &r.join("VideoDemographics.csv"),
        "ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n1002,21,Female,Caucasian,Not Hispanic\n",
    );
    let s = scan("crema_d", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("happiness", 1),
            ("neutral", 1),
            ("sadness", 1)
        ])
    );
    assert_eq!(s.speaker_counts(), counts(&[("1001", 2), ("1002", 2)]));
    assert_eq!(s.gender_counts(), counts(&[("female", 2), ("male", 2)]));
    assert_eq!(
        reasons(&s.excluded),
        ["1076_MTI_SAD_XX.wav: silent recording in the distribution (known CREMA-D defect)"]
    );
    let problems = reasons(&s.problems).join("\n");
    assert_eq!(s.problems.len(), 4, "{problems}");
    for expected in [
        "actor 1092 outside",
        "unknown sentence code XYZ",
        "unknown emotion code BOR",
        "unknown level code ZZ",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} missing in {problems}"
        );
    }
    assert_eq!(utt(&s, "1001_IEO_HAP_HI").extra["level"], "HI");
}

#[test]
fn emodb_uses_its_own_letters() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        &r.join("wav"),
        &[
            "03a01Wa.wav",
            "03a01Fa.wav",
            "08a01Ab.wav",
            "10b02Lb.wav",
            "16a07Ta.wav",
            "16a07Ea.wav",
            "13a01Nc.wav",
            "05a01Wa.wav",
            "03a01Xa.wav",
        ],
    );
    let s = scan("emodb", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("boredom", 1),
            ("disgust", 1),
            ("fear", 1),
            ("happiness", 1),
            ("neutral", 1),
            ("sadness", 1)
        ])
    );
    assert_eq!(
        utt(&s, "08a01Ab").emotion,
        Some(Emotion::Fear),
        "A is fear in EmoDB"
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("03", 2), ("08", 1), ("10", 1), ("13", 1), ("16", 2)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 4), ("male", 3)]));
    assert_eq!(s.problems.len(), 2, "{:?}", reasons(&s.problems));
    assert_eq!(s.language, "de");
}

#[test]
fn tess_takes_the_emotion_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("TESS Toronto emotional speech set data");
    wavs(
        &r,
        &[
            "OAF_angry/OAF_back_angry.wav",
            "OAF_angry/OAF_bar_angry.wav",
            "OAF_Fear/OAF_back_fear.wav",
            "OAF_Fear/OAF_bar_Fear.wav",
            "OAF_Pleasant_surprise/OAF_back_ps.wav",
            "YAF_pleasant_surprised/YAF_back_ps.wav",
            "YAF_sad/YAF_bean_sad.wav",
            "YAF_sad/YAF_bean.wav",
            "YAF_sad/YAF_dog_calm.wav",
            "TESS Toronto emotional speech set data/YAF_sad/YAF_bean_sad.wav",
        ],
    );
    let s = scan("tess", &r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[("anger", 2), ("fear", 2), ("sadness", 1), ("surprise", 2)])
    );
    assert_eq!(s.speaker_counts(), counts(&[("OAF", 5), ("YAF", 2)]));
    assert_eq!(s.gender_counts(), counts(&[("female", 7)]));
    assert_eq!(utt(&s, "OAF_back_ps").raw_label, "ps");
    assert_eq!(s.excluded.len(), 1);
    assert!(s.excluded[0]
        .1
        .starts_with("duplicate of utterance id YAF_bean_sad"));
    assert_eq!(s.problems.len(), 2, "{:?}", reasons(&s.problems));
}

#[test]
fn a_tess_file_in_the_other_speakers_folder_is_a_label_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("TESS");
    wavs(
        &r,
        &[
            "0 copy/YAF_fear/OAF_back_fear.wav",
            "OAF_Fear/OAF_back_fear.wav",
            "YAF_fear/YAF_back_fear.wav",
            "YAF_fear/oaf_bar_fear.wav",
        ],
    );
    let s = scan("tess", &r);
    assert_eq!(
        reasons(&s.excluded),
        [
            "OAF_back_fear.wav: label conflict: folder says speaker YAF (YAF_fear), name says \
             speaker OAF (OAF_back_fear.wav)",
            "oaf_bar_fear.wav: label conflict: folder says speaker YAF (YAF_fear), name says \
             speaker OAF (oaf_bar_fear.wav)",
        ]
    );
    assert_eq!(
        utt(&s, "OAF_back_fear").path,
        r.join("OAF_Fear/OAF_back_fear.wav")
    );
    assert_eq!(s.speaker_counts(), counts(&[("OAF", 1), ("YAF", 1)]));
}

#[test]
fn savee_reads_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("SAVEE");
    wavs(
        &nested,
        &[
            "AudioData/DC/a01.wav",
            "AudioData/DC/sa01.wav",
            "AudioData/DC/su02.wav",
            "AudioData/JE/n01.wav",
            "AudioData/JE/n02.wav",
            "AudioData/JE/x01.wav",
        ],
    );
    text(&nested.join("AudioData/DC/Info.txt"), "info");
    let s = scan("savee", &nested);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("neutral", 2),
            ("sadness", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(s.speaker_counts(), counts(&[("DC", 3), ("JE", 2)]));
    assert_eq!(s.gender_counts(), counts(&[("male", 5)]));
    assert_eq!(s.problems.len(), 1);
    assert_eq!(s.skipped_counts, counts(&[("non-audio files (.txt)", 1)]));
    assert_eq!(utt(&s, "DC_sa01").raw_label, "sa");

    let flat = dir.path().join("ALL");
    wavs(
        &flat,
        &["DC_a01.wav", "KL_h03.wav", "JK_f01.wav", "KL_d01.wav"],
    );
    let s = scan("savee", &flat);
    assert_eq!(
        s.emotion_counts(),
        counts(&[("anger", 1), ("disgust", 1), ("fear", 1), ("happiness", 1)])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("DC", 1), ("JK", 1), ("KL", 2)])
    );
}

#[test]
fn emovo_reads_stereo_files() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for n in [
        "f1/dis-f1-b1.wav",
        "f1/gio-f1-b2.wav",
        "m2/pau-m2-l1.wav",
        "m2/rab-m2-n3.wav",
        "m3/sor-m3-d1.wav",
        "f3/tri-f3-b1.wav",
        "f3/neu-f3-b1.wav",
        "m1/xyz-m1-b1.wav",
    ] {
        wav_ch(&r.join(n), 2);
    }
    let s = scan("emovo", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("disgust", 1),
            ("fear", 1),
            ("happiness", 1),
            ("neutral", 1),
            ("sadness", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("f1", 2), ("f3", 2), ("m2", 2), ("m3", 1)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 4), ("male", 3)]));
    assert!(s.utterances.iter().all(|u| u.extra["channels"] == "2"));
    assert_eq!(s.problems.len(), 1);
}

#[test]
fn shemo_has_no_disgust() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        r,
        &[
            "female/F01A01.wav",
            "female/F01H02.wav",
            "female/F02W01.wav",
            "female/F02F01.wav",
            "male/M01N01.wav",
            "male/M01S01.wav",
            "male/M02D01.wav",
            "male/M02A01.wav",
        ],
    );
    let s = scan("shemo", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 2),
            ("fear", 1),
            ("happiness", 1),
            ("neutral", 1),
            ("sadness", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(
        utt(&s, "F01A01").emotion,
        Some(Emotion::Anger),
        "A is anger in ShEMO"
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("F01", 2), ("F02", 2), ("M01", 2), ("M02", 1)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 4), ("male", 3)]));
    assert_eq!(
        reasons(&s.problems),
        ["M02D01.wav: unknown emotion letter D"]
    );
}

#[test]
fn cafe_handles_accents_and_both_neutral_namings() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        r,
        &[
            "Colère/Faible/01-C-1-1.wav",
            "De\u{301}gou\u{302}t/Fort/02-D-2-3.wav",
            "Joie/Fort/03-J-2-1.wav",
            "Neutre/04-N-2.wav",
            "Neutre/05-N-1-4.wav",
            "Peur/Faible/06-P-1-2.wav",
            "Surprise/Fort/07-S-2-5.wav",
            "Tristesse/Faible/08-T-1-6.wav",
            "Joie/Faible/09-T-1-1.wav",
            "Peur/Fort/10-P-1.wav",
            "Colère/Fort/11-X-2-1.wav",
        ],
    );
    let s = scan("cafe", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("disgust", 1),
            ("fear", 1),
            ("happiness", 1),
            ("neutral", 2),
            ("sadness", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 4), ("male", 4)]));
    assert_eq!(s.speaker_counts().len(), 8);
    assert_eq!(utt(&s, "04-N-2").extra.get("intensity"), None);
    assert_eq!(utt(&s, "04-N-2").extra["sentence"], "2");
    assert_eq!(utt(&s, "05-N-1-4").extra["intensity"], "faible");
    assert_eq!(utt(&s, "02-D-2-3").extra["intensity"], "fort");
    assert_eq!(
        reasons(&s.excluded),
        ["09-T-1-1.wav: label conflict: folder says happiness (Joie), name says sadness (T)"]
    );
    let problems = reasons(&s.problems).join("\n");
    assert_eq!(s.problems.len(), 2, "{problems}");
    assert!(
        problems.contains("10-P-1.wav: only neutral files may omit the intensity"),
        "{problems}"
    );
    assert!(
        problems.contains("11-X-2-1.wav: unknown emotion letter X"),
        "{problems}"
    );
}

#[test]
fn aesdd_keeps_second_takes_and_excludes_s05_3() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    wavs(
        r,
        &[
            "anger/a01 (1).wav",
            "anger/a01 (1)b.wav",
            "anger/a02 (2).wav",
            "disgust/d01 (3).wav",
            "fear/f05 (4).wav",
            "happiness/h10 (5).wav",
            "sadness/s05 (3).wav",
            "sadness/s01 (1).wav",
            "sadness/s02 (6).wav",
            "happiness/x01 (1).wav",
            "fear/a03 (2).wav",
        ],
    );
    let s = scan("aesdd", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 3),
            ("disgust", 1),
            ("fear", 1),
            ("happiness", 1),
            ("sadness", 1)
        ])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("1", 3), ("2", 1), ("3", 1), ("4", 1), ("5", 1)])
    );
    assert_eq!(s.gender_counts(), counts(&[("unknown", 7)]));
    assert_eq!(utt(&s, "a01 (1)b").extra["take"], "b");
    assert_eq!(utt(&s, "a01 (1)").extra["take"], "a");
    assert_eq!(
        reasons(&s.excluded),
        [
            "a03 (2).wav: label conflict: folder says fear (fear), name says anger (a)",
            "s05 (3).wav: defective recording in the distribution (known AESDD defect)"
        ]
    );
    assert_eq!(s.problems.len(), 2, "{:?}", reasons(&s.problems));
}

const IEMOCAP_IMPRO: &str = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]

[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]
C-E2:\tNeutral;\t()
C-E3:\tNeutral;\t()
A-E3:\tval 3; act 2; dom  2;\t()

[10.0100 - 11.3925]\tSes01F_impro01_M000\texc\t[4.0000, 3.5000, 3.0000]
C-E2:\tExcited;\t()

[14.8872 - 18.0175]\tSes01F_impro01_F001\txxx\t[2.5000, 3.0000, 3.0000]
C-E2:\tNeutral; Frustration;\t()

[19.2900 - 20.7875]\tSes01F_impro01_M001\thap\t[4.0000, 3.0000, 3.0000]
";

#[test]
fn iemocap_reads_label_files_and_takes_the_speaker_from_the_turn() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("IEMOCAP_full_release");
    let eval1 = r.join("Session1/dialog/EmoEvaluation");
    text(&eval1.join("Ses01F_impro01.txt"), IEMOCAP_IMPRO);
    text(
        &eval1.join("Ses01M_script01_1.txt"),
        "[1.0 - 2.0]\tSes01M_script01_1_F000\tang\t[1.5, 4.0, 4.0]\n\
         [3.0 - 4.0]\tSes01M_script01_1_M000\tsad\t[1.5, 2.0, 2.0]\n\
         [5.0 - 6.0]\tSes01M_script01_1_M001\tfru\t[2.0, 3.5, 3.5]\n",
    );
    text(
        &eval1.join("Categorical/Ses01F_impro01_e2_cat.txt"),
        "Ses01F_impro01_F000 :Neutral state; ()\n[1.0 - 2.0]\tSes01F_impro01_F000\tang\t[1, 1, 1]\n",
    );
    let wav1 = r.join("Session1/sentences/wav");
    wavs(
        &wav1,
        &[
            "Ses01F_impro01/Ses01F_impro01_F000.wav",
            "Ses01F_impro01/Ses01F_impro01_M000.wav",
            "Ses01F_impro01/Ses01F_impro01_F001.wav",
            "Ses01F_impro01/Ses01F_impro01_M001.wav",
            "Ses01M_script01_1/Ses01M_script01_1_F000.wav",
            "Ses01M_script01_1/Ses01M_script01_1_M000.wav",
            "Ses01M_script01_1/Ses01M_script01_1_M002.wav",
        ],
    );
    text(
        &r.join("Session2/dialog/EmoEvaluation/Ses02F_impro02.txt"),
        "[1.0 - 2.0]\tSes02F_impro02_M000\tsur\t[3.5, 3.5, 3.0]\n[2.0 - 3.0]\tSes02F_impro02_F000\tzzz\t[3, 3, 3]\n",
    );
    wavs(
        &r.join("Session2/sentences/wav"),
        &[
            "Ses02F_impro02/Ses02F_impro02_M000.wav",
            "Ses02F_impro02/Ses02F_impro02_F000.wav",
        ],
    );

    let s = scan("iemocap", &r);
    assert_eq!(
        s.raw_label_counts(),
        counts(&[
            ("ang", 1),
            ("exc", 1),
            ("hap", 1),
            ("neu", 1),
            ("sad", 1),
            ("sur", 1),
            ("xxx", 1)
        ])
    );
    assert_eq!(s.emotion_counts()["none"], 1);
    assert_eq!(
        s.speaker_counts(),
        counts(&[("Ses01F", 3), ("Ses01M", 3), ("Ses02M", 1)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 3), ("male", 4)]));
    let u = utt(&s, "Ses01M_script01_1_F000");
    assert_eq!(
        (u.speaker.as_str(), u.gender),
        ("Ses01F", Some(Gender::Female)),
        "speaker from the last token, not the dialog tag"
    );
    assert_eq!(u.extra["kind"], "scripted");
    assert_eq!(u.session.as_deref(), Some("Session1"));
    assert_eq!(
        utt(&s, "Ses01F_impro01_M000").extra["arousal_dim"],
        "3.5000"
    );
    let problems = reasons(&s.problems).join("\n");
    assert_eq!(s.problems.len(), 3, "{problems}");
    assert!(
        problems.contains(
            "Ses01M_script01_1_M001.wav: labelled turn Ses01M_script01_1_M001 has no audio file"
        ),
        "{problems}"
    );
    assert!(
        problems.contains(
            "Ses01M_script01_1_M002.wav: audio file Ses01M_script01_1_M002 has no label line"
        ),
        "{problems}"
    );
    assert!(problems.contains("unknown emotion code zzz"), "{problems}");

    let common4 = emoshift_corpus::LabelSet::by_name("common4").unwrap();
    assert_eq!(
        common4.class_counts(&s.utterances),
        vec![1, 2, 1, 1],
        "exc merged into hap"
    );
    let folds = emoshift_corpus::split::leave_one_session_out(&s.utterances).unwrap();
    assert_eq!(
        folds.iter().map(|f| f.test.len()).collect::<Vec<_>>(),
        vec![6, 1]
    );
}

#[test]
fn msp_improv_reads_the_consensus_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    text(
        &r.join("Evalution.txt"),
        "UTD-IMPROV-S01A-F01-S-FM01.avi; A; A:4.000000; V:1.500000; D:4.000000; N:3.000000;\n\
         A-1: Angry; \n\
         UTD-IMPROV-S01A-M01-R-FM01.avi; N; A:2.500000; V:3.000000; D:3.000000;\n\
         UTD-IMPROV-S02H-F02-P-MF03.avi; H; A:3.500000; V:4.500000; D:3.000000;\n\
         UTD-IMPROV-S02H-M02-T-MF01.avi; X; A:3.000000; V:3.000000; D:3.000000;\n\
         UTD-IMPROV-S03S-F03-S-FM02.avi; S; A:2.000000; V:1.500000; D:2.000000;\n\
         UTD-IMPROV-garbage; Q;\n",
    );
    wavs(
        &r.join("Audio"),
        &[
            "session1/S01A/S/MSP-IMPROV-S01A-F01-S-FM01.wav",
            "session1/S01A/R/MSP-IMPROV-S01A-M01-R-FM01.wav",
            "session2/S02H/P/MSP-IMPROV-S02H-F02-P-MF03.wav",
            "session2/S02H/T/MSP-IMPROV-S02H-M02-T-MF01.wav",
            "session3/S03S/S/MSP-IMPROV-S03S-M03-S-FM09.wav",
        ],
    );
    let s = scan("msp_improv", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[("anger", 1), ("happiness", 1), ("neutral", 1), ("none", 1)])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("F01", 1), ("F02", 1), ("M01", 1), ("M02", 1)])
    );
    assert_eq!(s.gender_counts(), counts(&[("female", 2), ("male", 2)]));
    let u = utt(&s, "MSP-IMPROV-S02H-F02-P-MF03");
    assert_eq!(
        (u.session.as_deref(), u.extra["condition"].as_str()),
        (Some("session2"), "P")
    );
    assert_eq!(s.problems.len(), 3, "{:?}", reasons(&s.problems));
}

#[test]
fn msp_podcast_reads_the_old_label_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    text(
        &r.join("Labels/labels_concensus.csv"),
        "FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n\
         MSP-PODCAST_0001_0008.wav,N,4.2,4.0,4.4,127,Female,Test1\n\
         MSP-PODCAST_0001_0010.wav,A,5.0,2.0,5.0,Unknown,Unknown,Train\n\
         MSP-PODCAST_0002_0001.wav,U,4.0,5.0,4.0,300,Male,Development\n\
         MSP-PODCAST_0002_0002.wav,C,3.0,2.0,4.0,300,Male,Train\n\
         MSP-PODCAST_0003_0001.wav,X,3.0,3.0,3.0,455,Female,Train\n\
         MSP-PODCAST_0003_0002.wav,Z,3.0,3.0,3.0,455,Female,Train\n\
         MSP-PODCAST_0004_0001.wav,H,3.0,3.0,3.0,500,Male,Train\n",
    );
    wavs(
        &r.join("Audios"),
        &[
            "MSP-PODCAST_0001_0008.wav",
            "MSP-PODCAST_0001_0010.wav",
            "MSP-PODCAST_0002_0001.wav",
            "MSP-PODCAST_0002_0002.wav",
            "MSP-PODCAST_0003_0001.wav",
            "MSP-PODCAST_0003_0002.wav",
        ],
    );
    let s = scan("msp_podcast", r);
    assert_eq!(
        s.emotion_counts(),
        counts(&[
            ("anger", 1),
            ("contempt", 1),
            ("neutral", 1),
            ("none", 1),
            ("surprise", 1)
        ])
    );
    assert_eq!(
        s.speaker_counts(),
        counts(&[("127", 1), ("300", 2), ("455", 1), ("unknown_0001", 1)])
    );
    assert_eq!(
        s.gender_counts(),
        counts(&[("female", 2), ("male", 2), ("unknown", 1)])
    );
    assert_eq!(utt(&s, "MSP-PODCAST_0001_0008").extra["split"], "Test1");
    assert_eq!(s.problems.len(), 2, "{:?}", reasons(&s.problems));
}

#[test]
fn generic_manifest_csv_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("mycorpus");
    wavs(&r, &["a.wav", "b.wav", "c.wav", "d.wav", "e.wav"]);
    text(
        &r.join("emoshift-corpus.csv"),
        "path,label,speaker,gender,language,valence,arousal,split,mood\n\
         a.wav,angry,s1,f,en,,,train,x\n\
         b.wav,happy,s1,f,en,,,test,\n\
         c.wav,,s2,m,en,positive,high,train,\n\
         d.wav,grumpy,s2,m,en,,,train,\n\
         missing.wav,sad,s3,,en,,,,\n\
         e.wav,sad,,,,,,,\n",
    );
    let s = scan("manifest", &r);
    assert_eq!(s.corpus, "mycorpus");
    assert_eq!(
        s.emotion_counts(),
        counts(&[("anger", 1), ("happiness", 1), ("none", 1)])
    );
    assert_eq!(s.speaker_counts(), counts(&[("s1", 2), ("s2", 1)]));
    let a = utt(&s, "a");
    assert_eq!(
        (a.extra["split"].as_str(), a.extra["mood"].as_str()),
        ("train", "x")
    );
    let c = utt(&s, "c");
    assert_eq!(
        (c.arousal, c.valence),
        (
            Some(emoshift_corpus::Arousal::High),
            Some(emoshift_corpus::Valence::Positive)
        )
    );
    assert_eq!(s.problems.len(), 3, "{:?}", s.problems);

    let j = dir.path().join("jsonl");
    wav(&j.join("x.wav"));
    text(&j.join("emoshift-corpus.jsonl"), "{\"path\":\"x.wav\",\"emotion\":\"neutral\",\"speaker\":\"p1\",\"corpus\":\"demo\",\"language\":\"sv\"}\n");
    let s = scan("manifest", &j);
    assert_eq!(
        (s.corpus.as_str(), s.utterances[0].language.as_str()),
        ("demo", "sv")
    );
}

#[test]
fn wrong_folder_is_an_error_naming_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let err = adapter("emodb")
        .unwrap()
        .scan(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("EmoDB") && err.contains("wav folder"), "{err}");
}

#[test]
fn label_files_cannot_point_outside_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    // A file beside the corpus that a label line tries to reach.
    wavs(dir.path(), &["outside/Ses01F_x_F000.wav", "elsewhere.wav"]);

    let r = dir.path().join("IEMOCAP_full_release");
    text(
        &r.join("Session1/dialog/EmoEvaluation/Ses01F_impro01.txt"),
        "[1.0 - 2.0]\tSes01F_impro01_F000\tang\t[1, 1, 1]\n\
         [2.0 - 3.0]\t../../../../outside/Ses01F_x_F000\tsad\t[1, 1, 1]\n",
    );
    wavs(
        &r.join("Session1/sentences/wav"),
        &["Ses01F_impro01/Ses01F_impro01_F000.wav"],
    );
    let s = scan("iemocap", &r);
    assert_eq!(s.utterances.len(), 1);
    let why = reasons(&s.problems);
    assert!(
        why.iter().any(|w| w.contains("is a path, not a name")),
        "{why:?}"
    );

    let p = dir.path().join("podcast");
    text(
        &p.join("Labels/labels_consensus.csv"),
        &format!(
            "FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n\
             MSP-PODCAST_0001_0008.wav,N,4,4,4,127,Female,Train\n\
             ../../elsewhere.wav,A,5,2,5,128,Male,Train\n\
             {},A,5,2,5,129,Male,Train\n",
            dir.path().join("elsewhere.wav").display()
        ),
    );
    wavs(&p.join("Audios"), &["MSP-PODCAST_0001_0008.wav"]);
    let s = scan("msp_podcast", &p);
    assert_eq!(s.utterances.len(), 1, "{:?}", reasons(&s.problems));
    assert_eq!(
        reasons(&s.problems)
            .iter()
            .filter(|w| w.contains("is a path, not a name"))
            .count(),
        2
    );
}
