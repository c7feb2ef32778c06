#!/usr/bin/env bash
# Training-throughput benchmark: emoshift-learn (tch) vs plain PyTorch, the
# same networks, optimiser, batch size and in-memory data loading, at 1 and
# 2 threads, in one run. Prints one JSON line per (implementation, model,
# threads) with the median samples/s of three timed windows (wall clock and
# per CPU-second). PyTorch runs twice: as a plain script, and with glibc's
# allocator given the thresholds emoshift sets for itself at start
# (runtime::keep_freed_memory), so the effect of that setting is visible.
#
# Usage: scripts/bench_train.sh [MODEL...]   (default: resnet18 cnn_blstm)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
TARGET="${CARGO_TARGET_DIR:-target}"
MODELS="${*:-resnet18 cnn_blstm}"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cargo build --release --quiet -p emoshift-learn --example bench_train
echo "# machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
for model in $MODELS; do
    "$TARGET/release/examples/bench_train" "$model" 1 2
    python scripts/bench_train.py "$model" 1 2
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
        python scripts/bench_train.py "$model" 1 2
done
