#!/usr/bin/env bash
# Installs what emoshift needs to build, once, into the project folder:
# a Python virtual environment (.venv) holding the torch==2.13.0 wheel, whose
# libtorch the `tch` crate links against (see shared/notes/libtorch.md).
# Set EMOSHIFT_DEV=1 to also install the reference libraries the fixture
# scripts in scripts/ use (librosa, scikit-learn, numpy, safetensors).
# Sourced by scripts/emoshift and scripts/test; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.emoshift-torch-2.13.0"
python="${PYTHON:-python3}"

if [ ! -f "$stamp" ]; then
    echo "emoshift setup: installing torch==2.13.0 into $venv (first run only, ~5 GB)" >&2
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.13.0" numpy
    touch "$stamp"
fi
# The dev stamp names the requirements' checksum, so an edited list installs again.
dev_stamp="$venv/.emoshift-dev-$(cksum < "$root/scripts/requirements-dev.txt" | cut -d' ' -f1)"
if [ "${EMOSHIFT_DEV:-0}" = 1 ] && [ ! -f "$dev_stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/scripts/requirements-dev.txt"
    touch "$dev_stamp"
fi

# Build settings for torch-sys: take libtorch from the environment's torch.
export LIBTORCH_USE_PYTORCH=1
export PATH="$venv/bin:$PATH"
export VIRTUAL_ENV="$venv"
