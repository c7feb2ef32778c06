#!/usr/bin/env bash
# GPU readiness: the same short experiment on `device = "cuda"` and on the
# CPU (synthetic RAVDESS, CREMA-D and EmoDB; ERM and first-order MLDG on
# ResNet-18, first-order MLDG on CNN-BLSTM, whose exact second-order update
# cuDNN's LSTM cannot run and which emoshift refuses on the GPU before any
# work), then `predict --device cuda` on a trained model. Compares every
# trial's UAR and the mean absolute difference of the predicted
# probabilities; fails when a UAR differs by more than 10 points or the
# probabilities by more than 0.05 on average (kernels differ between the
# devices, and a few training steps amplify float differences).
#
# Usage: scripts/gpu_check.sh [WORK_DIR]    (needs a CUDA device)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p emoshift
bin="$(pwd)/$TARGET/release/emoshift"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
"$bin" --log warn synth --seed 1 --scale 0.3 --corpus ravdess --corpus crema_d --corpus emodb --out "$work/data" >/dev/null
for device in cpu cuda; do
    for model in resnet18 cnn_blstm; do
        methods='[[methods]]
name = "mldg"
order = 1'
        [ "$model" = resnet18 ] && methods="[[methods]]
name = \"erm\"

$methods"
        cat > "$work/$device-$model.toml" <<TOML
name = "$device-$model"
seed = 2
trials = 2
threads = 2
device = "$device"
out_dir = "$work/runs"
cache_dir = "$work/cache"
[data]
roots = ["$work/data"]
[features]
preset = "da_mldg"
crop_seconds = 0.5
[model]
name = "$model"
[protocol]
name = "loco:ravdess,crema_d,emodb@common4"
only = ["emodb"]
[train]
steps = 20
batch_size = 8
eval_every = 10
patience = 0
$methods
TOML
        "$bin" --log warn run "$work/$device-$model.toml"
    done
done
# The exact second-order update through cuDNN's LSTM is refused before any work.
sed 's/order = 1/order = 2/' "$work/cuda-cnn_blstm.toml" > "$work/cuda-cnn_blstm-order2.toml"
if "$bin" --log warn run "$work/cuda-cnn_blstm-order2.toml" 2> "$work/order2.err"; then
    echo "FAIL: order 2 with cnn_blstm on cuda was not refused" >&2
    exit 1
fi
grep -q "no double backward" "$work/order2.err"
model="$work/runs/cuda-resnet18/models/emodb/erm__trial0"
some_wav="$(find "$work/data/EmoDB" -name '*.wav' | sort | head -1)"
"$bin" --log warn predict "$model" "$some_wav" --device cuda --format json > "$work/predict_cuda.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
failures = []
for model in ["resnet18", "cnn_blstm"]:
    runs = {d: json.load(open(f"{work}/runs/{d}-{model}/metrics.json")) for d in ["cpu", "cuda"]}
    for a, b in zip(runs["cpu"]["trials"], runs["cuda"]["trials"]):
        ua, ub = a["targets"]["emodb"]["uar"], b["targets"]["emodb"]["uar"]
        print(f"{model} {a['method']} trial {a['trial']}: UAR cpu {100*ua:.1f} cuda {100*ub:.1f}")
        if abs(ua - ub) > 0.10:
            failures.append(f"{model} {a['method']} trial {a['trial']}")
    def probs(d):
        rows = open(f"{work}/runs/{d}-{model}/predictions.csv").read().splitlines()[1:]
        return [[float(x) for x in r.split(",")[-4:]] for r in rows]
    pa, pb = probs("cpu"), probs("cuda")
    diff = sum(abs(x - y) for ra, rb in zip(pa, pb) for x, y in zip(ra, rb)) / max(1, 4 * len(pa))
    print(f"{model}: mean |p_cpu - p_cuda| = {diff:.4f}")
    if diff > 0.05:
        failures.append(f"{model} probabilities")
print("predict --device cuda:", json.load(open(f"{work}/predict_cuda.json"))["predictions"][0]["predicted"])
if failures:
    sys.exit("FAIL: " + ", ".join(failures))
print("OK: CUDA and CPU agree within the tolerance")
PY
