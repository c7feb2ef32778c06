#!/usr/bin/env python3
"""librosa side of the audio front-end benchmark (see scripts/bench_audio.sh).

    bench_audio.py generate DIR [N] [SECONDS]   write N speech-like 44.1 kHz 16-bit WAVs
    bench_audio.py run DIR [PROCESSES...]        time librosa on them

The timed work per file matches the Rust side: librosa.load(sr=16000)
(decode + soxr_hq resampling), melspectrogram(n_fft=1024, win_length=400,
hop_length=160, n_mels=64, fmin=60, fmax=7800), log(x + 1e-6). Prints one
JSON line per process count: best wall time of 3 runs after a warm-up, and
the CPU time of that run (this process plus pool workers).
"""

import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np


def speech_like(rng, sr, seconds):
    """Harmonics with vibrato and syllable-rate envelope plus a little noise."""
    t = np.arange(int(sr * seconds)) / sr
    f0 = rng.uniform(100, 250)
    f_inst = f0 * (1 + 0.06 * np.sin(2 * np.pi * rng.uniform(3, 6) * t))
    phase = 2 * np.pi * np.cumsum(f_inst) / sr
    y = sum(np.sin(h * phase) / h for h in range(1, 40) if h * f0 < 8000)
    y = y * (0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(3, 5) * t)) + 0.01 * rng.standard_normal(t.size)
    return 0.5 * y / np.max(np.abs(y))


def generate(directory, n=40, seconds=3.0):
    import soundfile as sf

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for i in range(n):
        sf.write(out / f"bench_{i:03d}.wav", speech_like(rng, 44100, seconds), 44100, subtype="PCM_16")


def features(path):
    import librosa

    y, sr = librosa.load(path, sr=16000)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, win_length=400, hop_length=160, n_mels=64,
                                         fmin=60.0, fmax=7800.0)
    logmel = np.log(mel + 1e-6)
    assert logmel.shape[0] == 64
    return y.size / sr


def process_cpu_seconds():
    """CPU time of this process and its finished children (the pool workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_once(files, processes):
    if processes == 1:
        return sum(features(f) for f in files)
    with Pool(processes) as pool:
        return sum(pool.map(features, files, chunksize=1))


def run(directory, processes=(1, 2), repeat=3):
    import librosa

    files = sorted(str(p) for p in Path(directory).glob("*.wav"))
    assert files, f"no .wav files in {directory}"
    for n in processes:
        audio_seconds = run_once(files, n)  # warm-up: imports, page cache, filterbank cache
        best, cpu = float("inf"), float("nan")
        for _ in range(repeat):
            cpu_start = process_cpu_seconds()
            start = time.perf_counter()
            run_once(files, n)
            wall = time.perf_counter() - start
            if wall < best:
                best, cpu = wall, process_cpu_seconds() - cpu_start
        print(json.dumps({"impl": f"librosa {librosa.__version__}", "threads": n, "files": len(files),
                          "audio_seconds": round(audio_seconds, 3), "wall_seconds": round(best, 4),
                          "x_realtime": round(audio_seconds / best, 1), "cpu_seconds": round(cpu, 4),
                          "x_realtime_per_cpu": round(audio_seconds / cpu, 1)}), flush=True)


if __name__ == "__main__":
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "generate":
        generate(args[0], *(int(args[1]),) if len(args) > 1 else (), *(float(args[2]),) if len(args) > 2 else ())
    elif cmd == "run":
        run(args[0], tuple(int(a) for a in args[1:]) or (1, 2))
    else:
        sys.exit(__doc__)
