//! `emoshift serve` end to end: a model trained on synthetic corpora is
//! served over HTTP; an uploaded file gets exactly the numbers `emoshift
//! predict` prints for it, and bad requests get JSON errors while the service
//! keeps answering.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

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

fn serve(model: &Path) -> Served {
    let mut child = emoshift()
        .arg("serve")
        .arg(model)
        .args(["--port", "0", "--max-mb", "1", "--log", "warn"])
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
    (status, serde_json::from_str(body).unwrap())
}

#[test]
fn served_predictions_match_emoshift_predict_and_errors_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_model(dir.path());
    let file = std::fs::read_dir(dir.path().join("data/EmoDB/wav"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let expected: Value = serde_json::from_slice(
        &check(
            emoshift()
                .arg("predict")
                .arg(&model)
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

    let served = serve(&model);
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
