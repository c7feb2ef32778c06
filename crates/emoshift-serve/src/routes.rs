//! The endpoints. `/health` and `/model` are answered on the async
//! runtime, never behind the workers, so a busy or stalled service still
//! says it is alive; `/predict` takes a place in the pool's admission
//! (or gets 503 with `Retry-After`), reads its body within a deadline and
//! a size limit, and predicts on a worker.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use emoshift_audio::AudioError;
use emoshift_engine::inference::{predict_features, window_count};
use emoshift_engine::model_dir::LoadedModel;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;

use crate::params::PredictParams;
use crate::pool::Pool;
use crate::reply::{Prediction, Reply};
use crate::ServeConfig;

/// `Retry-After` of a 503 reply, in seconds: a prediction takes tens of
/// milliseconds, so a place frees up well within it.
const RETRY_AFTER_SECONDS: u32 = 1;

/// What every handler shares.
pub struct AppState {
    /// The workers, one model copy each.
    pub pool: Pool<LoadedModel>,
    /// `GET /model`'s reply, made once.
    pub description: String,
    /// The limits.
    pub config: ServeConfig,
}

/// The service's routes, with panics in a handler turned into a 500 reply.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/model", get(model))
        .route("/predict", post(predict))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; the service goes on",
            )
        }))
}

/// A JSON error reply.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_reply(status, json!({ "error": message.into() }).to_string())
}

/// Why a prediction request failed: its status and message.
struct Failure {
    status: StatusCode,
    message: String,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = error(self.status, self.message);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

fn json_reply(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn health() -> Response {
    json_reply(StatusCode::OK, json!({ "status": "ok" }).to_string())
}

async fn model(State(state): State<Arc<AppState>>) -> Response {
    json_reply(StatusCode::OK, state.description.clone())
}

async fn method_not_allowed(request: axum::extract::Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn not_found(request: axum::extract::Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint {}; try GET /health, GET /model, POST /predict",
            request.uri().path()
        ),
    )
}

async fn predict(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let start = Instant::now();
    let response = match predict_inner(&state, query.as_deref().unwrap_or(""), &headers, body).await
    {
        Ok(body) => json_reply(StatusCode::OK, body),
        Err(failure) => failure.into_response(),
    };
    tracing::info!(
        status = response.status().as_u16(),
        ms = start.elapsed().as_millis() as u64,
        "POST /predict"
    );
    response
}

async fn predict_inner(
    state: &Arc<AppState>,
    query: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<String, Failure> {
    let config = &state.config;
    let params = PredictParams::parse(query)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, format!("{e:#}")))?;
    let Some(_admitted) = state.pool.admit() else {
        return Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "busy: {} requests are being answered or waiting; try again shortly",
                config.workers + config.queue
            ),
        ));
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > config.max_bytes as u64) {
        return Err(too_large(config));
    }
    let bytes = read_body(body, config).await?;
    if bytes.is_empty() {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "the body is empty; send the audio file's bytes",
        ));
    }
    let max_windows = config.max_windows;
    let outcome = state
        .pool
        .run(move |loaded| answer(loaded, &bytes, &params, max_windows))
        .await;
    match outcome {
        Ok(result) => result,
        Err(panic) => {
            tracing::error!("a prediction panicked: {}", panic.0);
            Err(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while predicting; the service goes on",
            ))
        }
    }
}

/// The whole body, within the deadline and the size limit.
async fn read_body(body: Body, config: &ServeConfig) -> Result<Bytes, Failure> {
    let limited = Limited::new(body, config.max_bytes);
    match tokio::time::timeout(config.body_timeout, limited.collect()).await {
        Err(_) => Err(Failure::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} s",
                config.body_timeout.as_secs_f32()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(config)),
        Ok(Err(e)) => Err(Failure::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {e}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

fn too_large(config: &ServeConfig) -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the body is larger than {} MB (see --max-mb)",
            config.max_bytes >> 20
        ),
    )
}

/// Decodes, checks and predicts one upload on a worker: the reply's JSON,
/// or the error reply (422 for audio the quality gates refuse or a request
/// for too many windows, 400 for audio that cannot be read).
fn answer(
    loaded: &LoadedModel,
    bytes: &[u8],
    params: &PredictParams,
    max_windows: usize,
) -> Result<String, Failure> {
    let name = Path::new(&params.name);
    let features = loaded
        .features
        .compute_bytes(bytes, name, &loaded.config.quality)
        .map_err(|e| {
            let status = match e {
                AudioError::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            Failure::new(status, e.to_string())
        })?;
    let windows = window_count(loaded, features.n_frames, params.hop_seconds);
    if windows > max_windows {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{}: {windows} windows at this hop, more than the service's {max_windows} \
                 (see --max-windows); ask for a larger hop_seconds",
                params.name
            ),
        ));
    }
    let rows = predict_features(loaded, &features, name, params.hop_seconds)
        .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?;
    let classes = &loaded.config.classes;
    let prediction = |row| Prediction { classes, row };
    let reply = Reply {
        file: &params.name,
        classes,
        prediction: prediction(&rows[0]),
        segments: params
            .segments
            .then(|| rows[1..].iter().map(prediction).collect()),
    };
    serde_json::to_string(&reply).map_err(|e| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the reply: {e}"),
        )
    })
}
