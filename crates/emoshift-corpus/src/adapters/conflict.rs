//! Layouts that carry the emotion twice — in the folder and in the file name (TESS,
//! CaFE, AESDD): a disagreement excludes the file with a reason, it is never resolved
//! by trusting one of the two.

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
}
