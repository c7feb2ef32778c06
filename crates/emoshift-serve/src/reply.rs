//! The JSON reply to `POST /predict`: the same numbers `emoshift predict
//! --format json` prints for the file.

use emoshift_engine::inference::Row;
use serde::{Serialize, Serializer};

/// The reply to `POST /predict`.
#[derive(Serialize)]
pub struct Reply<'a> {
    /// The name the request gave the upload.
    pub file: &'a str,
    /// The model's classes, in output order.
    pub classes: &'a [String],
    /// The whole file.
    pub prediction: Prediction<'a>,
    /// Every window, where the request asked for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<Prediction<'a>>>,
}

/// One prediction as JSON: the class, a probability per class by name (in
/// the model's class order), and the arousal/valence shares where the
/// classes define them. Numbers are written as `f32`, exactly as
/// `emoshift predict --format json` writes them.
pub struct Prediction<'a> {
    /// The model's classes, in output order.
    pub classes: &'a [String],
    /// The numbers.
    pub row: &'a Row,
}

impl Serialize for Prediction<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The class probabilities as one JSON object.
        struct Probs<'a>(&'a [String], &'a [f32]);
        impl Serialize for Probs<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().zip(self.1))
            }
        }
        #[derive(Serialize)]
        struct Fields<'a> {
            start_s: Option<f32>,
            end_s: Option<f32>,
            predicted: &'a str,
            probs: Probs<'a>,
            p_high_arousal: Option<f32>,
            p_positive_valence: Option<f32>,
        }
        let row = self.row;
        Fields {
            start_s: row.start_s,
            end_s: row.end_s,
            predicted: &row.predicted,
            probs: Probs(self.classes, &row.probs),
            p_high_arousal: row.p_high_arousal,
            p_positive_valence: row.p_positive_valence,
        }
        .serialize(serializer)
    }
}
