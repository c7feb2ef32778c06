//! The HTTP service around a trained model folder, for people who deploy
//! one (`emoshift serve`).
//!
//! - `GET /health` — `{"status": "ok"}`, answered even while every worker
//!   is busy.
//! - `GET /model` — the classes, label set, method, window length, feature
//!   spec and quality gates of the loaded model.
//! - `POST /predict` — the body is one audio file (WAV, FLAC, MP3 or OGG, as
//!   `emoshift predict` reads them); query parameters `name` (a file name for
//!   the reply and error messages; its extension helps decoding),
//!   `segments=true` (also every window) and `hop_seconds`. The reply holds
//!   the same numbers `emoshift predict` prints for that file.
//!
//! Errors are JSON too, `{"error": "..."}`: 400 (a bad request or audio that
//! cannot be read), 404, 405, 408 (the body did not arrive in time), 413
//! (body over the size limit), 422 (audio the quality gates refuse, or more
//! windows than allowed), 500 (a panic, caught; the service goes on) and 503
//! with `Retry-After` (workers and queue full).
//!
//! Built on hyper and axum over tokio rather than a minimal blocking server:
//! connections are cheap tasks, so slow or stalled clients cost a timer, not
//! a thread, and hyper gives per-connection header deadlines; the model runs
//! on [`pool`]'s own threads so the runtime stays free for `/health`.
//! Memory is bounded: at most `workers + queue` bodies of `max_bytes` are
//! held, the quality gates check an upload's declared sample rate and length
//! before decoding (a 2 KB file claiming 1 Hz is refused, not decoded into
//! 1,000 s), and windows are predicted in batches of a fixed size.

pub mod params;
pub mod pool;
pub mod reply;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use emoshift_engine::model_dir::LoadedModel;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::json;

/// The limits of the service.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Requests predicted at the same time (one model copy each).
    pub workers: usize,
    /// Requests admitted beyond the workers, waiting for one.
    pub queue: usize,
    /// Largest accepted body.
    pub max_bytes: usize,
    /// Most windows one request may ask for.
    pub max_windows: usize,
    /// Time a client has to send its request headers, also while a kept-alive
    /// connection waits for its next request.
    pub header_timeout: Duration,
    /// Time a client has to send its body.
    pub body_timeout: Duration,
}

/// Serves `models` (one per worker, copies of one model folder) on
/// `listener` until the process ends.
pub fn run(
    models: Vec<LoadedModel>,
    listener: std::net::TcpListener,
    config: ServeConfig,
) -> Result<()> {
    let description = describe(&models[0]);
    let state = Arc::new(routes::AppState {
        pool: pool::Pool::start(models, config.queue),
        description,
        config,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the service's runtime")?;
    runtime.block_on(accept_loop(listener, state))
}

async fn accept_loop(listener: std::net::TcpListener, state: Arc<routes::AppState>) -> Result<()> {
    listener
        .set_nonblocking(true)
        .context("cannot make the listening socket non-blocking")?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let header_timeout = state.config.header_timeout;
    let app = routes::router(state);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors or a connection reset before
                // accept: wait a moment and go on listening.
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}

/// `GET /model`'s reply.
fn describe(loaded: &LoadedModel) -> String {
    let cfg = &loaded.config;
    json!({
        "classes": cfg.classes,
        "label_set": cfg.label_set,
        "method": cfg.method,
        "window_seconds": cfg.window_frames as f64 / f64::from(cfg.features.frames_per_second()),
        "features": cfg.features.id(),
        "quality": cfg.quality,
    })
    .to_string()
}
