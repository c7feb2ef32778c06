"""Encoder-throughput benchmark, Hugging Face transformers side (see
crates/emoshift-learn/examples/bench_encoder.rs).

`prepare DIR` writes a WavLM Base-sized model folder (transformers'
default WavLMConfig: 12 layers, hidden 768, 94 M parameters) with random
weights - nothing is downloaded; the speed does not depend on the values.
`run DIR THREADS...` times WavLMModel on the same input as the Rust side:
10 s of a seeded noise-plus-tones signal at 16 kHz, all hidden states,
torch.inference_mode, 1 warm-up pass, median of 5.

Usage: python scripts/bench_encoder.py prepare DIR | run DIR THREADS...
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import Wav2Vec2FeatureExtractor, WavLMConfig, WavLMModel

SECONDS, RATE, REPEATS = 10, 16000, 5


def signal():
    t = np.arange(SECONDS * RATE) / RATE
    rng = np.random.default_rng(0)
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1234 * t)
            + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def prepare(folder):
    torch.manual_seed(0)
    model = WavLMModel(WavLMConfig())
    model.save_pretrained(folder)
    Wav2Vec2FeatureExtractor(do_normalize=False).save_pretrained(folder)
    signal().tofile(Path(folder) / "bench_input.f32")


def run(folder, threads):
    model = WavLMModel.from_pretrained(folder).eval()
    x = torch.from_numpy(np.fromfile(Path(folder) / "bench_input.f32", dtype=np.float32))[None]
    for t in threads:
        torch.set_num_threads(t)
        with torch.inference_mode():
            model(x, output_hidden_states=True)
            times = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                model(x, output_hidden_states=True)
                times.append(time.perf_counter() - start)
        wall = statistics.median(times)
        print(json.dumps({"impl": f"transformers {transformers.__version__} (torch {torch.__version__})",
                          "threads": t, "audio_seconds": SECONDS, "wall_seconds": round(wall, 4),
                          "x_realtime": round(SECONDS / wall, 1)}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        prepare(sys.argv[2])
    elif sys.argv[1:2] == ["run"]:
        run(sys.argv[2], [int(t) for t in sys.argv[3:]])
    else:
        raise SystemExit(__doc__)
