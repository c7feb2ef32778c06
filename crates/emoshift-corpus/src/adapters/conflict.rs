//! Layouts that carry a label twice — the emotion in the folder and in the file name
//! (TESS, CaFE, AESDD), TESS' speaker in the folder's and the file's prefix: a
//! disagreement excludes the file with a reason, it is never resolved by trusting one
//! of the two.

use crate::emotion::Emotion;

/// The exclusion reason when `folder` (the folder name as written) says
/// `by_folder` and the file name's `code` says `by_name`; `None` when they agree.
pub fn label_conflict(
    folder: &str,
    by_folder: Emotion,
    code: &str,
    by_name: Emotion,
) -> Option<String> {
    (by_folder != by_name).then(|| {
        format!("label conflict: folder says {by_folder} ({folder}), name says {by_name} ({code})")
    })
}

/// The exclusion reason when `folder` (the folder name as written) names speaker
/// `by_folder` and the file `name` names `by_name`; `None` when they agree.
pub fn speaker_conflict(
    folder: &str,
    by_folder: &str,
    name: &str,
    by_name: &str,
) -> Option<String> {
    (by_folder != by_name).then(|| {
        format!(
            "label conflict: folder says speaker {by_folder} ({folder}), name says speaker {by_name} ({name})"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_disagreement_is_a_conflict() {
        assert_eq!(
            label_conflict("Joie", Emotion::Happiness, "T", Emotion::Sadness).as_deref(),
            Some("label conflict: folder says happiness (Joie), name says sadness (T)")
        );
        assert_eq!(
            label_conflict("Joie", Emotion::Happiness, "J", Emotion::Happiness),
            None
        );
    }

    #[test]
    fn only_a_different_speaker_is_a_conflict() {
        assert_eq!(
            speaker_conflict("YAF_fear", "YAF", "OAF_back_fear.wav", "OAF").as_deref(),
            Some(
                "label conflict: folder says speaker YAF (YAF_fear), name says speaker OAF \
                 (OAF_back_fear.wav)"
            )
        );
        assert_eq!(
            speaker_conflict("OAF_Fear", "OAF", "OAF_back_fear.wav", "OAF"),
            None
        );
    }
}
