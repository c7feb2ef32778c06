//! `emoshift serve`: parses the service's flags, loads the model folder once
//! per worker and hands over to `emoshift_serve` (endpoints, limits and
//! errors are described there).

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use emoshift_engine::model_dir;
use emoshift_serve::ServeConfig;

/// The largest `--max-mb` accepted (4 GiB uploads).
const MAX_UPLOAD_MB: i64 = 4096;
/// The longest recording served unless `--max-seconds` says otherwise.
const DEFAULT_MAX_SECONDS: f64 = 600.0;

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
    /// Requests predicted at the same time, each on its own copy of the
    /// model; libtorch's threads are shared out among them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub workers: u32,
    /// Requests admitted beyond the workers, waiting; more get 503.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Most windows one request may ask for (a small `hop_seconds` on a
    /// long file asks for many).
    #[arg(long, default_value_t = 10_000)]
    pub max_windows: usize,
    /// Seconds a client has to send its request headers (also an idle
    /// kept-alive connection's limit).
    #[arg(long, default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds a client has to send its body.
    #[arg(long, default_value_t = 60.0)]
    pub body_timeout: f64,
    /// Quality gates every upload must pass (default: the model's, with
    /// recordings capped at 600 s).
    #[command(flatten)]
    pub quality: super::quality::QualityArgs,
}

/// Loads the model, prints the address and answers requests until killed.
pub fn run(args: Args) -> Result<()> {
    let device = emoshift_learn::runtime::select_device(&args.device)?;
    let workers = args.workers as usize;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tch::set_num_threads((cores / workers).max(1) as i32);
    let mut models = Vec::with_capacity(workers);
    for _ in 0..workers {
        let mut loaded = model_dir::load(&args.model, device)?;
        let mut gates = loaded.config.quality.clone();
        gates.max_seconds = gates.max_seconds.or(Some(DEFAULT_MAX_SECONDS));
        loaded.config.quality = args.quality.apply(gates)?;
        models.push(loaded);
    }
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    println!(
        "emoshift serve: listening on http://{} (model {}, {workers} worker{})",
        listener.local_addr()?,
        args.model.display(),
        if workers == 1 { "" } else { "s" }
    );
    let config = ServeConfig {
        workers,
        queue: args.queue,
        max_bytes: (args.max_mb as usize) << 20,
        max_windows: args.max_windows,
        header_timeout: seconds(args.header_timeout, "--header-timeout")?,
        body_timeout: seconds(args.body_timeout, "--body-timeout")?,
    };
    emoshift_serve::run(models, listener, config)
}

fn seconds(value: f64, flag: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{flag} {value}: must be a positive number of seconds"))
}
