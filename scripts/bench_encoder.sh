#!/usr/bin/env bash
# Encoder-throughput benchmark: emoshift-learn's WavLM vs Hugging Face
# transformers on the same WavLM Base-sized model folder (random weights,
# made here: nothing is downloaded) and the same 10 s input, at 1 and 2
# threads, in one run. Needs the dev requirements (EMOSHIFT_DEV=1).
#
# Usage: scripts/bench_encoder.sh [FOLDER]   (default: a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
EMOSHIFT_DEV=1 source scripts/setup.sh
TARGET="${CARGO_TARGET_DIR:-target}"
DIR="${1:-$(mktemp -d)}"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cargo build --release --quiet -p emoshift-learn --example bench_encoder
[ -f "$DIR/model.safetensors" ] || python scripts/bench_encoder.py prepare "$DIR"
echo "# machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$TARGET/release/examples/bench_encoder" "$DIR" 1 2
python scripts/bench_encoder.py run "$DIR" 1 2
