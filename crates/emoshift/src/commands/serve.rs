//! `emoshift serve`: a small HTTP service around a trained model folder, for
//! people who deploy one. The model is loaded once; each request is answered
//! with JSON.
//!
//! - `GET /health` — `{"status": "ok"}`.
//! - `GET /model` — the classes, label set, method, window length and feature
//!   spec of the loaded model.
//! - `POST /predict` — the body is one audio file (WAV, FLAC, MP3 or OGG, as
//!   `emoshift predict` reads them); query parameters `name` (a file name for
//!   the reply and error messages; its extension helps decoding),
//!   `segments=true` (also every window) and `hop_seconds`. The reply holds the
//!   same numbers `emoshift predict` prints for that file.
//!
//! Errors are JSON too, `{"error": "..."}`, with status 400 (audio that cannot
//! be read), 404 (unknown path), 405 (wrong method) or 413 (body over
//! `--max-mb`); a failed request never stops the service. Requests are
//! answered one at a time, in arrival order: the model runs on all the
//! threads libtorch is given, so parallel requests would only compete.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use serde::{Serialize, Serializer};
use serde_json::json;
use tiny_http::{Header, Method, Request, Response, Server};

use emoshift_engine::inference::{predict_bytes, Row};
use emoshift_engine::model_dir::{self, LoadedModel};

/// The largest `--max-mb` accepted (4 GiB uploads).
const MAX_UPLOAD_MB: i64 = 4096;

/// Arguments of `emoshift serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A model folder (`runs/<name>/models/<task>/<method>__trialN`).
    pub model: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// `cpu` or `cuda`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Largest accepted upload, in megabytes.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=MAX_UPLOAD_MB))]
    pub max_mb: u32,
}

/// Loads the model, prints the address and answers requests until killed.
pub fn run(args: Args) -> Result<()> {
    let device = emoshift_learn::runtime::select_device(&args.device)?;
    let loaded = model_dir::load(&args.model, device)?;
    let server = Server::http((args.host.as_str(), args.port))
        .map_err(|e| anyhow!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    println!(
        "emoshift serve: listening on http://{} (model {})",
        server.server_addr(),
        args.model.display()
    );
    let service = Service {
        loaded,
        max_bytes: (args.max_mb as usize) << 20,
    };
    for mut request in server.incoming_requests() {
        let start = Instant::now();
        let (status, body) = service.handle(&mut request);
        tracing::info!(
            method = %request.method(),
            url = request.url(),
            status,
            ms = start.elapsed().as_millis() as u64,
            "request"
        );
        let json = Header::from_bytes("Content-Type", "application/json").expect("valid header");
        let response = Response::from_string(body)
            .with_status_code(status)
            .with_header(json);
        if let Err(e) = request.respond(response) {
            tracing::warn!("could not send the reply: {e}");
        }
    }
    Ok(())
}

/// The loaded model and the limits of the service.
struct Service {
    loaded: LoadedModel,
    max_bytes: usize,
}

/// An HTTP status and a JSON error body.
fn error(status: u16, message: impl Into<String>) -> (u16, String) {
    (status, json!({ "error": message.into() }).to_string())
}

impl Service {
    /// The status code and JSON body answering `request`.
    fn handle(&self, request: &mut Request) -> (u16, String) {
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        match (request.method(), path) {
            (Method::Get, "/health") => (200, json!({ "status": "ok" }).to_string()),
            (Method::Get, "/model") => (200, self.describe()),
            (Method::Post, "/predict") => match self.predict(request, query) {
                Ok(body) => (200, body),
                Err((status, message)) => error(status, message),
            },
            (_, "/health" | "/model" | "/predict") => error(
                405,
                format!("{} is not allowed on {path}", request.method()),
            ),
            _ => error(
                404,
                format!("no such endpoint {path}; try GET /health, GET /model, POST /predict"),
            ),
        }
    }

    fn describe(&self) -> String {
        let cfg = &self.loaded.config;
        json!({
            "classes": cfg.classes,
            "label_set": cfg.label_set,
            "method": cfg.method,
            "window_seconds": cfg.window_frames as f64 / f64::from(cfg.features.frames_per_second()),
            "features": cfg.features.id(),
        })
        .to_string()
    }

    /// Reads the uploaded audio and predicts it, or says what was wrong.
    fn predict(&self, request: &mut Request, query: &str) -> Result<String, (u16, String)> {
        let params = PredictParams::parse(query).map_err(|e| (400, format!("{e:#}")))?;
        if request.body_length().is_some_and(|n| n > self.max_bytes) {
            return Err((413, self.too_large()));
        }
        let mut bytes = Vec::new();
        request
            .as_reader()
            .take(self.max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| (400, format!("cannot read the request body: {e}")))?;
        if bytes.len() > self.max_bytes {
            return Err((413, self.too_large()));
        }
        if bytes.is_empty() {
            return Err((400, "the body is empty; send the audio file's bytes".into()));
        }
        // Decoded in memory, through the same path as `emoshift predict`.
        let rows = predict_bytes(
            &self.loaded,
            &bytes,
            Path::new(&params.name),
            params.hop_seconds,
        )
        .map_err(|e| (400, format!("{e:#}")))?;
        let classes = &self.loaded.config.classes;
        let prediction = |row| Prediction { classes, row };
        let reply = Reply {
            file: &params.name,
            classes,
            prediction: prediction(&rows[0]),
            segments: params
                .segments
                .then(|| rows[1..].iter().map(prediction).collect()),
        };
        serde_json::to_string(&reply).map_err(|e| (500, format!("cannot write the reply: {e}")))
    }

    fn too_large(&self) -> String {
        format!(
            "the body is larger than {} MB (see --max-mb)",
            self.max_bytes >> 20
        )
    }
}

/// Query parameters of `POST /predict`.
struct PredictParams {
    name: String,
    segments: bool,
    hop_seconds: Option<f32>,
}

impl PredictParams {
    fn parse(query: &str) -> Result<Self> {
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
                        other => anyhow::bail!("segments={other}: use true or false"),
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
                other => anyhow::bail!(
                    "unknown query parameter `{other}` (allowed: name, segments, hop_seconds)"
                ),
            }
        }
        Ok(params)
    }
}

/// The reply to `POST /predict`.
#[derive(Serialize)]
struct Reply<'a> {
    file: &'a str,
    classes: &'a [String],
    prediction: Prediction<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segments: Option<Vec<Prediction<'a>>>,
}

/// One prediction as JSON: the class, a probability per class by name (in
/// the model's class order), and the arousal/valence shares where the
/// classes define them. Numbers are written as `f32`, exactly as
/// `emoshift predict --format json` writes them.
struct Prediction<'a> {
    classes: &'a [String],
    row: &'a Row,
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
