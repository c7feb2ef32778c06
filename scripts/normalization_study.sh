#!/usr/bin/env bash
# Cross-corpus accuracy of the normalisation stage on the built-in synthetic
# corpora: leave-one-corpus-out over RAVDESS, CREMA-D, EmoDB and TESS (four
# classes), ERM with the demo's network and schedule, three trials, once per
# normalisation setting (same data, same splits, same seeds). Prints each
# setting's UAR table (mean ± std over trials, per held-out corpus).
#
# Usage: scripts/normalization_study.sh [WORK_DIR]   (default: a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p emoshift
bin="$(pwd)/$TARGET/release/emoshift"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
[ -d "$work/data" ] || "$bin" --log warn synth --seed 0 --out "$work/data" \
    --corpus ravdess --corpus crema_d --corpus emodb --corpus tess >/dev/null
for setting in global:inductive corpus:inductive corpus:transductive speaker:transductive utterance:inductive; do
    scope="${setting%%:*}"; target="${setting##*:}"
    name="norm_${scope}_${target}"
    cat > "$work/$name.toml" <<TOML
name = "$name"
seed = 0
trials = 3
threads = 2
out_dir = "$work/runs"
cache_dir = "$work/cache"
[data]
roots = ["$work/data"]
[features]
preset = "da_mldg"
crop_seconds = 1.0
[normalization]
scope = "$scope"
target = "$target"
[model]
name = "resnet18"
width = 0.125
[protocol]
name = "loco:ravdess,crema_d,emodb,tess@common4"
[train]
steps = 60
batch_size = 16
eval_every = 20
patience = 0
[[methods]]
name = "erm"
TOML
    echo "## scope = $scope, target = $target"
    "$bin" --log warn run "$work/$name.toml" | sed '/^report:/d; /^ *\/.*report.md$/d'
done
