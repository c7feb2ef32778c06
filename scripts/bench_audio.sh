#!/usr/bin/env bash
# Audio front-end benchmark: decode + resample to 16 kHz + 64-mel log-mel,
# emoshift-audio (Rust, 1 and 2 threads) vs librosa (1 and 2 processes), on the
# same 40 generated 3-second 44.1 kHz 16-bit WAVs, in one run.
#
# Usage: scripts/bench_audio.sh [PYTHON]   (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
TARGET="${CARGO_TARGET_DIR:-target}"
DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
"$PYTHON" scripts/bench_audio.py generate "$DATA" 40 3.0
cargo build --release --quiet -p emoshift-audio --example bench_features
echo "# machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$TARGET/release/examples/bench_features" "$DATA" 1 2
"$PYTHON" scripts/bench_audio.py run "$DATA" 1 2
