#!/usr/bin/env bash
# Load benchmark of `emoshift serve` on loopback: trains the tiny model the
# service tests use (synthetic RAVDESS + EmoDB, ResNet-18 at 1/16 width,
# 0.5 s windows), serves it with 1 and 2 workers, and runs
# scripts/load_test.py against it at several client counts with a 3 s
# speech-like WAV. One JSON line per (workers, concurrency).
#
# Usage: scripts/bench_serve.sh [SECONDS_PER_RUN]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
TARGET="${CARGO_TARGET_DIR:-target}"
SECONDS_PER_RUN="${1:-15}"
cargo build --release --quiet -p emoshift
bin="$TARGET/release/emoshift"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" --log warn synth --seed 5 --scale 0.2 --corpus ravdess --corpus emodb --out "$work/data" >/dev/null
cat > "$work/serve.toml" <<TOML
name = "serve"
seed = 1
trials = 1
threads = 1
out_dir = "$work/runs"
cache_dir = "$work/cache"
[data]
roots = ["$work/data"]
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
TOML
"$bin" --log warn run "$work/serve.toml" >/dev/null
model="$work/runs/serve/models/emodb/erm__trial0"
python - "$work/take.wav" <<'PY'
import math, struct, sys, wave
rate = 16000
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    frames = bytearray()
    for i in range(3 * rate):
        t = i / rate
        f0 = 140 + 20 * math.sin(2 * math.pi * 3 * t)
        v = sum(math.sin(2 * math.pi * f0 * h * t) / h for h in range(1, 6))
        frames += struct.pack("<h", int(v * 6000))
    w.writeframes(bytes(frames))
PY
echo "# machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
for workers in 1 2; do
    "$bin" --log warn serve "$model" --port 0 --workers "$workers" > "$work/serve.out" &
    pid=$!
    for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
    url="$(grep -o 'http://[^ ]*' "$work/serve.out")"
    for concurrency in 1 8 50; do
        printf '{"workers": %s, ' "$workers"
        python scripts/load_test.py "$url" "$work/take.wav" --pid "$pid" \
            --concurrency "$concurrency" --seconds "$SECONDS_PER_RUN" | cut -c2-
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
