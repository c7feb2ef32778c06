"""Training-throughput benchmark, plain PyTorch side (see bench_train.rs).

Same workload as crates/emoshift-learn/examples/bench_train.rs: the same
network (the modules of gen_model_fixtures.py, written like torchvision's),
SGD with momentum 0.9 and lr 0.05, cross-entropy, batch 32, 256 in-memory
random spectrograms drawn with replacement and randomly cropped per step,
with the numpy draw, crop and stacking inside the timed loop.

Usage: python scripts/bench_train.py resnet18|cnn_blstm THREADS...

With GLIBC_TUNABLES set (bench_train.sh sets the thresholds emoshift's
runtime::keep_freed_memory applies) the line says so in "impl".
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_model_fixtures import CnnBlstm, ResNet18  # noqa: E402

EXAMPLES, BATCH, WARMUP, STEPS, REPEATS = 256, 32, 3, 10, 3


def workload(name):
    if name == "resnet18":
        return (lambda: ResNet18(0.25, 1, 4)), 64, 200
    if name == "cnn_blstm":
        return (lambda: CnnBlstm([32, 64, 128], 3, 128, 1, 0.5, 1, 129, 4)), 129, 32
    raise SystemExit("usage: bench_train.py resnet18|cnn_blstm THREADS...")


def main():
    name, threads = sys.argv[1], [int(t) for t in sys.argv[2:]]
    build, bins, crop = workload(name)
    rng = np.random.default_rng(0)
    data = [rng.uniform(-1, 1, (bins, crop + rng.integers(0, crop // 2 + 1))).astype(np.float32) for _ in range(EXAMPLES)]
    labels = np.arange(EXAMPLES) % 4
    for t in threads:
        torch.set_num_threads(t)
        torch.manual_seed(0)
        model = build()
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def batch():
            idx = rng.integers(0, EXAMPLES, BATCH)
            crops = []
            for i in idx:
                f = data[i]
                s = rng.integers(0, f.shape[1] - crop + 1)
                crops.append(f[:, s:s + crop])
            x = torch.from_numpy(np.stack(crops)[:, None])
            return x, torch.from_numpy(labels[idx])

        def run(n):
            start, cpu_start = time.perf_counter(), time.process_time()
            for _ in range(n):
                x, y = batch()
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
            return time.perf_counter() - start, time.process_time() - cpu_start

        run(WARMUP)
        windows = [run(STEPS) for _ in range(REPEATS)]
        rates = sorted(STEPS * BATCH / wall for wall, _ in windows)
        cpu_rates = sorted(STEPS * BATCH / cpu for _, cpu in windows)
        tuned = " + glibc malloc thresholds" if os.environ.get("GLIBC_TUNABLES") else ""
        print(json.dumps({"impl": f"pytorch {torch.__version__}{tuned}", "model": name, "threads": t, "batch": BATCH,
                          "samples_per_s": round(statistics.median(rates), 1),
                          "cpu_samples_per_s": round(statistics.median(cpu_rates), 1),
                          "runs": [round(r, 1) for r in rates]}))


if __name__ == "__main__":
    main()
