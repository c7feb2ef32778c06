//! The query parameters of `POST /predict`.

use anyhow::{bail, Context, Result};

/// What a prediction request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictParams {
    /// A file name for the reply and error messages; its extension helps decoding.
    pub name: String,
    /// Also return every window.
    pub segments: bool,
    /// Seconds between window starts (default: half a window).
    pub hop_seconds: Option<f32>,
}

impl PredictParams {
    /// Parses a query string (`name=a.wav&segments=true&hop_seconds=0.5`);
    /// unknown keys and bad values are errors.
    pub fn parse(query: &str) -> Result<Self> {
        let mut params = PredictParams {
            name: "upload".into(),
            segments: false,
            hop_seconds: None,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "name" => params.name = value.into_owned(),
                "segments" => {
                    params.segments = match value.as_ref() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        other => bail!("segments={other}: use true or false"),
                    }
                }
                "hop_seconds" => {
                    let hop: f32 = value
                        .parse()
                        .ok()
                        .filter(|h: &f32| h.is_finite() && *h > 0.0)
                        .with_context(|| {
                            format!("hop_seconds={value}: must be a positive number")
                        })?;
                    params.hop_seconds = Some(hop);
                }
                other => bail!(
                    "unknown query parameter `{other}` (allowed: name, segments, hop_seconds)"
                ),
            }
        }
        Ok(params)
    }
}
