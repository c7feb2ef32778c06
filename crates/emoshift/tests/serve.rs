//! `emoshift serve` end to end: a model trained on synthetic corpora is
//! served over HTTP; an uploaded file gets exactly the numbers `emoshift
//! predict` prints for it, and bad requests get JSON errors while the service
//! keeps answering. Hostile clients — trickling bodies, stalled headers,
//! fifty at once, sample-rate bombs, tiny hops on long files — are answered
//! with bounded memory, and `/health` stays fast throughout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{check, emoshift};

/// Trains a tiny ERM model on synthetic RAVDESS + EmoDB and returns its folder.
fn train_model(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    check(
        emoshift()
            .args([
                "synth", "--seed", "5", "--scale", "0.2", "--corpus", "ravdess", "--corpus",
                "emodb", "--out",
            ])
            .arg(&data)
            .output()
            .unwrap(),
        "synth",
    );
    let exp = dir.join("serve.toml");
    std::fs::write(
        &exp,
        format!(
            r#"
name = "serve"
seed = 1
trials = 1
threads = 1
out_dir = "{runs}"
cache_dir = "{cache}"

[data]
roots = ["{data}"]

[features]
preset = "da_mldg"
crop_seconds = 0.5

[model]
name = "resnet18"
width = 0.0625

[protocol]
name = "loco:ravdess,emodb@common4"
only = ["emodb"]

[train]
steps = 4
batch_size = 4
eval_every = 2

[[methods]]
name = "erm"
"#,
            runs = dir.join("runs").display(),
            cache = dir.join("cache").display(),
            data = data.display(),
        ),
    )
    .unwrap();
    check(emoshift().arg("run").arg(&exp).output().unwrap(), "run");
    dir.join("runs/serve/models/emodb/erm__trial0")
}

/// A running `emoshift serve` that is killed when dropped.
struct Served {
    child: Child,
    address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The folder of the model every test serves (trained once per test run),
/// with its corpora in `data/`.
fn shared() -> &'static (tempfile::TempDir, PathBuf) {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let model = train_model(dir.path());
        (dir, model)
    })
}

fn shared_model() -> &'static Path {
    &shared().1
}

fn serve(model: &Path) -> Served {
    serve_with(model, &["--max-mb", "1"])
}

fn serve_with(model: &Path, flags: &[&str]) -> Served {
    let mut child = emoshift()
        .arg("serve")
        .arg(model)
        .args(["--port", "0", "--log", "warn"])
        .args(flags)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Served { child, address }
}

/// Sends one HTTP/1.1 request and returns the status and the JSON body.
fn request(address: &str, method: &str, target: &str, body: &[u8]) -> (u16, Value) {
    let (status, _, body) = request_full(address, method, target, body);
    (status, body)
}

/// The same, with the reply's header lines.
fn request_full(address: &str, method: &str, target: &str, body: &[u8]) -> (u16, String, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // The server may refuse an oversized body before reading it all.
    let _ = stream.write_all(body);
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let text = String::from_utf8(reply).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        status,
        head.to_string(),
        serde_json::from_str(body).unwrap(),
    )
}

#[test]
fn served_predictions_match_emoshift_predict_and_errors_are_json() {
    let model = shared_model();
    let file = std::fs::read_dir(shared().0.path().join("data/EmoDB/wav"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let expected: Value = serde_json::from_slice(
        &check(
            emoshift()
                .arg("predict")
                .arg(model)
                .arg(&file)
                .args(["--format", "json", "--segments"])
                .output()
                .unwrap(),
            "predict",
        )
        .stdout,
    )
    .unwrap();
    let classes: Vec<String> = serde_json::from_value(expected["classes"].clone()).unwrap();
    let rows = expected["predictions"].as_array().unwrap();

    let served = serve(model);
    let at = served.address.as_str();
    assert_eq!(request(at, "GET", "/health", b"").0, 200);
    let (status, described) = request(at, "GET", "/model", b"");
    assert_eq!(status, 200);
    assert_eq!(described["classes"], expected["classes"]);
    assert_eq!(described["method"], "erm");

    let audio = std::fs::read(&file).unwrap();
    let (status, reply) = request(at, "POST", "/predict?name=take.wav&segments=true", &audio);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["file"], "take.wav");
    let served_rows: Vec<&Value> = std::iter::once(&reply["prediction"])
        .chain(reply["segments"].as_array().unwrap())
        .collect();
    assert_eq!(served_rows.len(), rows.len());
    for (got, want) in served_rows.iter().zip(rows) {
        assert_eq!(got["predicted"], want["predicted"]);
        assert_eq!(got["start_s"], want["start_s"]);
        for (c, class) in classes.iter().enumerate() {
            let (g, w) = (
                got["probs"][class].as_f64().unwrap(),
                want["probs"][c].as_f64().unwrap(),
            );
            assert!((g - w).abs() < 1e-6, "{class}: served {g}, predict {w}");
        }
        assert_eq!(got["p_high_arousal"], want["p_high_arousal"]);
    }

    let (status, reply) = request(at, "POST", "/predict?name=noise.wav", b"not audio at all");
    assert_eq!(status, 400);
    let message = reply["error"].as_str().unwrap();
    assert!(message.starts_with("noise.wav: "), "{message}");
    assert_eq!(message.matches("noise.wav").count(), 1, "{message}");
    assert!(!message.contains("emoshift-serve-"), "{message}");

    let (status, reply) = request(at, "POST", "/predict?hop_seconds=-1", &audio);
    assert_eq!(status, 400);
    assert!(reply["error"].as_str().unwrap().contains("hop_seconds"));
    assert_eq!(request(at, "POST", "/predict", b"").0, 400);
    assert_eq!(
        request(at, "POST", "/predict", &vec![0u8; (1 << 20) + 1]).0,
        413
    );
    assert_eq!(request(at, "GET", "/predict", b"").0, 405);
    assert_eq!(request(at, "GET", "/nowhere", b"").0, 404);
    // Still serving after every error.
    assert_eq!(request(at, "POST", "/predict", &audio).0, 200);
}

#[test]
fn an_upload_limit_beyond_what_memory_can_hold_is_refused_at_start() {
    // 2^44 MB used to overflow to a limit of 0, and every upload was "empty".
    let out = emoshift()
        .args(["serve", "no-model-needed", "--max-mb", "17592186044416"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--max-mb"), "{stderr}");
}

/// A 16 kHz mono 16-bit WAV of `seconds` of a vowel-like tone.
fn tone_wav(seconds: f32) -> Vec<u8> {
    let rate = 16_000u32;
    let samples: Vec<i16> = (0..(seconds * rate as f32) as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let f0 = 140.0 + 20.0 * (2.0 * std::f32::consts::PI * 3.0 * t).sin();
            let v: f32 = (1..6)
                .map(|h| (2.0 * std::f32::consts::PI * f0 * h as f32 * t).sin() / h as f32)
                .sum();
            (v * 6000.0) as i16
        })
        .collect();
    wav_bytes(rate, &samples)
}

/// A mono 16-bit PCM WAV file of `samples` declaring `rate`.
fn wav_bytes(rate: u32, samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Seconds `GET /health` took.
fn health_latency(address: &str) -> f64 {
    let start = Instant::now();
    assert_eq!(request(address, "GET", "/health", b"").0, 200);
    start.elapsed().as_secs_f64()
}

/// The peak resident memory of process `pid` so far, in MB (Linux).
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kb / 1024.0
}

/// Opens a connection and sends `head` (and no more), keeping it open.
fn open_and_send(address: &str, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream
}

/// Reads from `stream` until it closes; the status line's code, if any.
fn status_when_closed(mut stream: TcpStream) -> Option<u16> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
}

#[test]
fn slow_and_stalled_clients_neither_delay_health_nor_hold_the_service() {
    let served = serve_with(
        shared_model(),
        &["--header-timeout", "1", "--body-timeout", "2"],
    );
    let at = served.address.as_str();
    let audio = tone_wav(1.0);
    // A client trickling its body, one byte every 100 ms.
    let trickle = {
        let mut stream = open_and_send(
            at,
            &format!(
                "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                audio.len()
            ),
        );
        std::thread::spawn(move || {
            for b in audio.iter().take(40) {
                if stream.write_all(&[*b]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            status_when_closed(stream)
        })
    };
    // One that stops in the middle of its headers, one that sends nothing,
    // one that keeps its connection alive after a request and goes idle.
    let stalled = open_and_send(at, "POST /predict HTTP/1.1\r\nHost:");
    let silent = open_and_send(at, "");
    let idle = open_and_send(at, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    for _ in 0..5 {
        let seconds = health_latency(at);
        assert!(seconds < 1.0, "/health took {seconds:.2} s");
    }
    // The stalled connections are closed by the header deadline, the
    // trickling one answered 408 by the body deadline.
    let started = Instant::now();
    assert!(matches!(status_when_closed(stalled), None | Some(408)));
    assert!(matches!(status_when_closed(silent), None | Some(408)));
    assert_eq!(status_when_closed(idle), Some(200), "answered, then closed");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(trickle.join().unwrap(), Some(408));
    assert_eq!(request(at, "POST", "/predict", &tone_wav(1.0)).0, 200);
}

#[test]
fn fifty_parallel_clients_are_all_answered() {
    let served = serve(shared_model());
    let at = served.address.clone();
    let audio = std::sync::Arc::new(tone_wav(1.0));
    let clients: Vec<_> = (0..50)
        .map(|i| {
            let (at, audio) = (at.clone(), audio.clone());
            std::thread::spawn(move || {
                request(&at, "POST", &format!("/predict?name=c{i}.wav"), &audio)
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let (status, reply) = client.join().unwrap();
        assert_eq!(status, 200, "client {i}: {reply}");
        assert_eq!(reply["file"], format!("c{i}.wav"));
    }
    assert!(health_latency(&at) < 1.0);
}

#[test]
fn beyond_the_workers_and_the_queue_requests_get_503_with_retry_after() {
    let served = serve_with(shared_model(), &["--queue", "0", "--body-timeout", "30"]);
    let at = served.address.as_str();
    // The only place is held by a client that has not finished its body.
    let holder = open_and_send(
        at,
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nRIFF",
    );
    std::thread::sleep(Duration::from_millis(200));
    let (status, head, reply) = request_full(at, "POST", "/predict", &tone_wav(0.5));
    assert_eq!(status, 503, "{reply}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 1"),
        "{head}"
    );
    assert!(health_latency(at) < 1.0);
    drop(holder);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(request(at, "POST", "/predict", &tone_wav(0.5)).0, 200);
}

#[test]
fn bombs_and_bad_audio_are_refused_with_bounded_memory() {
    let served = serve_with(shared_model(), &["--max-mb", "20"]);
    let at = served.address.as_str();
    let pid = served.child.id();
    assert_eq!(request(at, "POST", "/predict", &tone_wav(1.0)).0, 200);
    let before = peak_rss_mb(pid);

    // 2 KB of samples declaring 1 Hz: 1,000 s of audio once resampled.
    let bomb = wav_bytes(1, &vec![1000i16; 1000]);
    let (status, reply) = request(at, "POST", "/predict?name=bomb.wav", &bomb);
    assert_eq!(status, 422, "{reply}");
    let message = reply["error"].as_str().unwrap();
    assert!(message.contains("sample rate 1 Hz"), "{message}");

    // Silence and a 10 ms file get an error, not a confident label.
    let (status, reply) = request(at, "POST", "/predict", &wav_bytes(16_000, &vec![0; 16_000]));
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("silent"),
        "{reply}"
    );
    let (status, reply) = request(at, "POST", "/predict", &wav_bytes(16_000, &vec![3000; 160]));
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("too short"),
        "{reply}"
    );

    // A tiny hop on a minute: 6,000 windows, predicted in bounded batches.
    let minute = tone_wav(60.0);
    let (status, reply) = request(
        at,
        "POST",
        "/predict?hop_seconds=0.01&segments=true",
        &minute,
    );
    assert_eq!(status, 200, "{reply}");
    assert!(reply["segments"].as_array().unwrap().len() > 5_000);
    // On five minutes: 30,000 windows, over the limit, refused.
    let (status, reply) = request(at, "POST", "/predict?hop_seconds=0.01", &tone_wav(300.0));
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("windows"),
        "{reply}"
    );

    let growth = peak_rss_mb(pid) - before;
    // Decoding five minutes holds ~20 MB of samples and ~8 MB of features;
    // the old service grew by more than 1 GB on these requests.
    assert!(growth < 200.0, "peak RSS grew by {growth:.0} MB");
    assert!(health_latency(at) < 1.0);
    assert_eq!(request(at, "POST", "/predict", &tone_wav(1.0)).0, 200);
}

#[test]
fn an_oversized_chunked_body_gets_one_413_and_nothing_after_it_is_parsed() {
    let served = serve(shared_model());
    let at = served.address.as_str();
    let mut stream = open_and_send(
        at,
        "POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    // 2 MB in 64 KB chunks (the limit is 1 MB), each chunk's payload a
    // request line that must never be answered as a request of its own.
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let payload = smuggled.repeat(65_536 / smuggled.len());
    for _ in 0..32 {
        let chunk = format!("{:x}\r\n{payload}\r\n", payload.len());
        if stream.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "{text}");
    assert!(health_latency(at) < 1.0);
}
