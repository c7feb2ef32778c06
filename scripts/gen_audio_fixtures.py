#!/usr/bin/env python3
"""Reference fixtures for emoshift-audio's parity tests, made with librosa 0.11.

Writes into crates/emoshift-audio/tests/fixtures/:

- ``librosa_reference.safetensors``: short test signals (int16 tensors, value /
  32768 is the float signal), librosa outputs for a list of feature specs
  (spectrogram, mel with Slaney/HTK scales and norms, log-mel, dB, MFCC, the
  presets), mel filterbanks, soxr-HQ resampled signals (``librosa.resample``,
  librosa.load's default) and ``librosa.effects.trim`` intervals. The
  ``__metadata__`` entry ``cases`` is a JSON list describing every case with
  the FeatureSpec JSON the Rust side deserialises.
- ``audio/``: the same short stereo signal as WAV files of many encodings
  (written byte by byte here, including WAVE_FORMAT_EXTENSIBLE and an
  ``FLLR`` padding chunk like RAVDESS), plus FLAC, MP3 and OGG/Vorbis files
  written by libsndfile, and ``decode_reference.safetensors`` with the mono
  signal each lossless file must decode to.

Run: /work/main/.venv/bin/python scripts/gen_audio_fixtures.py
"""

import json
import struct
from pathlib import Path

import librosa
import numpy as np
import scipy.fft
import soundfile as sf
from safetensors.numpy import save_file

assert librosa.__version__.startswith("0.11"), librosa.__version__

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "crates" / "emoshift-audio" / "tests" / "fixtures"
AUDIO = OUT / "audio"
RNG = np.random.default_rng(20240601)
# Resampling references use the first samples of each signal only (fixture size).
RESAMPLE_INPUT_LEN = 2000


def quantize(x):
    """Float signal -> int16 tensor and the exact float it stands for."""
    q = np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)
    return q, q.astype(np.float32) / np.float32(32768.0)


def speech_like(sr, seconds, f0=140.0):
    """Harmonic source with vibrato and syllable-rate AM through two formant peaks."""
    t = np.arange(int(sr * seconds)) / sr
    f_inst = f0 * (1 + 0.05 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f_inst) / sr
    y = np.zeros_like(t)
    for h in range(1, 30):
        fh = h * f0
        if fh > min(5000, sr / 2 - 500):
            break
        gain = np.exp(-((fh - 700) / 300) ** 2) + 0.6 * np.exp(-((fh - 1800) / 400) ** 2) + 0.05
        y += gain / h**0.5 * np.sin(h * phase)
    env = 0.5 * (1 - np.cos(2 * np.pi * 4 * t)) + 0.05
    y = y * env
    return 0.5 * y / np.max(np.abs(y))


def signals():
    out = {}
    t16 = np.arange(4000) / 16000
    out["tone_16k"] = (16000, 0.4 * np.sin(2 * np.pi * 440 * t16) + 0.2 * np.sin(2 * np.pi * 1200 * t16))
    out["noise_22k"] = (22050, 0.2 * RNG.standard_normal(4410))
    t8 = np.arange(4000) / 8000
    chirp = np.sin(2 * np.pi * (100 * t8 + (3000 - 100) / (2 * 0.5) * t8**2))
    out["chirp_8k"] = (8000, 0.5 * chirp * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t8)))
    out["speech_16k"] = (16000, speech_like(16000, 0.4))
    out["speech_44k"] = (44100, speech_like(44100, 0.15, f0=210.0))
    return out


def spec_json(sr, n_fft, hop, win=None, window="hann", center=True, pad_mode="constant", kind=None,
              standardize=False):
    return {
        "load": {"sample_rate": sr, "trim_top_db": None, "normalize": False},
        "stft": {"n_fft": n_fft, "win_length": win or n_fft, "hop_length": hop, "window": window,
                 "center": center, "pad_mode": pad_mode},
        "kind": kind,
        "per_bin_standardize": standardize,
    }


def mel_json(n_mels, fmin=0.0, fmax=None, scale="slaney", norm="slaney"):
    return {"n_mels": n_mels, "fmin": fmin, "fmax": fmax, "scale": scale, "norm": norm}


LINEAR = {"type": "linear"}


def apply_scale(x, scale, magnitude):
    if scale["type"] == "linear":
        return x
    if scale["type"] == "log":
        return np.log(x + np.float32(scale["eps"]))
    ref = np.max if scale["reference"] == "max" else scale["reference"]["value"]
    if magnitude:
        return librosa.amplitude_to_db(x, ref=ref, amin=scale["amin"], top_db=scale["top_db"])
    return librosa.power_to_db(x, ref=ref, amin=scale["amin"], top_db=scale["top_db"])


def reference(y, spec):
    """What librosa computes for a FeatureSpec (the JSON form)."""
    st, kind = spec["stft"], spec["kind"]
    sr = spec["load"]["sample_rate"]
    common = dict(n_fft=st["n_fft"], hop_length=st["hop_length"], win_length=st["win_length"],
                  window=st["window"], center=st["center"], pad_mode=st["pad_mode"])
    if kind["type"] == "spectrogram":
        magnitude = kind["power"] == "magnitude"
        S = np.abs(librosa.stft(y, **common)) ** (1 if magnitude else 2)
        if kind["max_bins"]:
            S = S[: kind["max_bins"]]
        out = apply_scale(S, kind["scale"], magnitude)
    else:
        mel = kind["mel"]
        mel_args = dict(n_mels=mel["n_mels"], fmin=mel["fmin"], fmax=mel["fmax"],
                        htk=mel["scale"] == "htk", norm=None if mel["norm"] == "none" else "slaney")
        if kind["type"] == "mel":
            magnitude = kind["power"] == "magnitude"
            M = librosa.feature.melspectrogram(y=y, sr=sr, power=1.0 if magnitude else 2.0, **common,
                                               **mel_args)
            out = apply_scale(M, kind["scale"], magnitude)
        else:
            M = librosa.feature.melspectrogram(y=y, sr=sr, power=2.0, **common, **mel_args)
            S = librosa.power_to_db(M, ref=1.0, amin=1e-10, top_db=kind["top_db"])
            out = scipy.fft.dct(S, axis=-2, type=2, norm="ortho")[: kind["n_mfcc"]]
    if spec["per_bin_standardize"]:
        out = (out - out.mean(axis=1, keepdims=True)) / (out.std(axis=1, keepdims=True) + 1e-5)
    return np.ascontiguousarray(out, dtype=np.float32)


def cases():
    """(case name, signal name, spec JSON)."""
    db_max = {"type": "db", "reference": "max", "amin": 1e-10, "top_db": 80.0}
    return [
        ("spec_mag_hann_center", "tone_16k",
         spec_json(16000, 256, 128, kind={"type": "spectrogram", "power": "magnitude", "max_bins": None,
                                         "scale": LINEAR})),
        ("spec_pow_hamming_reflect_win100", "noise_22k",
         spec_json(22050, 128, 100, win=100, window="hamming", pad_mode="reflect",
                   kind={"type": "spectrogram", "power": "power", "max_bins": None, "scale": LINEAR})),
        ("spec_mag_nocenter", "chirp_8k",
         spec_json(8000, 256, 128, center=False,
                   kind={"type": "spectrogram", "power": "magnitude", "max_bins": None, "scale": LINEAR})),
        ("spec_amplitude_db_ref1", "tone_16k",
         spec_json(16000, 128, 128, kind={"type": "spectrogram", "power": "magnitude", "max_bins": None,
                                          "scale": {"type": "db", "reference": {"value": 1.0}, "amin": 1e-5,
                                                    "top_db": 80.0}})),
        ("mel_slaney_power", "speech_44k",
         spec_json(44100, 1024, 256, kind={"type": "mel", "mel": mel_json(40), "power": "power",
                                           "scale": LINEAR})),
        ("mel_htk_nonorm_magnitude", "chirp_8k",
         spec_json(8000, 512, 128, kind={"type": "mel", "mel": mel_json(32, 50.0, 3800.0, "htk", "none"),
                                         "power": "magnitude", "scale": LINEAR})),
        ("mel_htk_slaneynorm_db", "speech_16k",
         spec_json(16000, 512, 160, win=400, kind={"type": "mel", "mel": mel_json(40, 20.0, 7600.0, "htk"),
                                                   "power": "power", "scale": db_max})),
        ("logmel_da_mldg_like", "speech_16k",
         spec_json(16000, 1024, 160, win=400, kind={"type": "mel", "mel": mel_json(64, 60.0, 7800.0),
                                                    "power": "power", "scale": {"type": "log", "eps": 1e-6}})),
        ("mel_db_mmd_like", "noise_22k",
         spec_json(22050, 2048, 512, kind={"type": "mel", "mel": mel_json(128), "power": "power",
                                           "scale": db_max})),
        ("mfcc_slaney", "speech_16k",
         spec_json(16000, 512, 160, kind={"type": "mfcc", "mel": mel_json(40), "n_mfcc": 20, "top_db": 80.0})),
        ("mfcc_htk_no_top_db", "chirp_8k",
         spec_json(8000, 256, 80, kind={"type": "mfcc", "mel": mel_json(26, 0.0, None, "htk"), "n_mfcc": 13,
                                        "top_db": None})),
        ("dann_like", "tone_16k",
         spec_json(16000, 400, 124, center=False,
                   kind={"type": "spectrogram", "power": "power", "max_bins": 129,
                         "scale": {"type": "log", "eps": 1e-6}})),
        ("voxceleb_like_8k", "chirp_8k",
         spec_json(8000, 256, 80, win=200, window="hamming", center=False,
                   kind={"type": "spectrogram", "power": "magnitude", "max_bins": None, "scale": LINEAR},
                   standardize=True)),
    ]


def write_wav(path, fmt_tag, channels, sr, bits, data_bytes, extensible=False, extra_chunks=()):
    """A RIFF/WAVE file from raw little-endian sample bytes."""
    block_align = channels * bits // 8
    if extensible:
        # WAVE_FORMAT_EXTENSIBLE: cbSize 22, valid bits, channel mask, sub-format GUID.
        guid = struct.pack("<I", fmt_tag) + bytes.fromhex("00001000800000aa00389b71")
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, sr, sr * block_align, block_align, bits, 22, bits,
                          0x3 if channels == 2 else 0x4) + guid
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, sr, sr * block_align, block_align, bits)
    chunks = [(b"fmt ", fmt)] + list(extra_chunks) + [(b"data", data_bytes)]
    body = b"WAVE"
    for cid, payload in chunks:
        body += cid + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def decode_fixtures():
    """Encoded files and the mono float signal each lossless one must decode to."""
    AUDIO.mkdir(parents=True, exist_ok=True)
    sr, n = 8000, 400
    t = np.arange(n) / sr
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.25 * RNG.uniform(-1, 1, n)
    stereo = np.stack([left, right], axis=1)  # frames x channels
    refs = {}

    def ref_of(ch_values):
        return ch_values.mean(axis=1).astype(np.float32)

    u8 = np.clip(np.round(stereo * 128 + 128), 0, 255).astype(np.uint8)
    write_wav(AUDIO / "pcm_u8.wav", 1, 2, sr, 8, u8.tobytes())
    refs["pcm_u8"] = ref_of((u8.astype(np.float64) - 128) / 128)

    s16 = np.clip(np.round(stereo * 32768), -32768, 32767).astype("<i2")
    write_wav(AUDIO / "pcm_s16.wav", 1, 2, sr, 16, s16.tobytes())
    refs["pcm_s16"] = ref_of(s16 / 32768.0)

    s24 = np.clip(np.round(stereo * 2**23), -(2**23), 2**23 - 1).astype("<i4")
    s24_bytes = b"".join(int(v).to_bytes(3, "little", signed=True) for v in s24.reshape(-1))
    write_wav(AUDIO / "pcm_s24.wav", 1, 2, sr, 24, s24_bytes)
    refs["pcm_s24"] = ref_of(s24 / 2.0**23)

    s32 = np.clip(np.round(stereo * 2**31), -(2**31), 2**31 - 1).astype("<i4")
    write_wav(AUDIO / "pcm_s32.wav", 1, 2, sr, 32, s32.tobytes())
    refs["pcm_s32"] = ref_of(s32 / 2.0**31)

    f32 = stereo.astype("<f4")
    write_wav(AUDIO / "float32.wav", 3, 2, sr, 32, f32.tobytes())
    refs["float32"] = ref_of(f32.astype(np.float64))

    f64 = stereo.astype("<f8")
    write_wav(AUDIO / "float64.wav", 3, 2, sr, 64, f64.tobytes())
    refs["float64"] = ref_of(f64)

    # RAVDESS-style: WAVE_FORMAT_EXTENSIBLE header, an FLLR padding chunk before
    # the data and a LIST chunk after it.
    fllr = (b"FLLR", b"\x00" * 498)
    write_wav(AUDIO / "extensible_fllr_s16.wav", 1, 2, sr, 16, s16.tobytes(), extensible=True,
              extra_chunks=[fllr])
    raw = (AUDIO / "extensible_fllr_s16.wav").read_bytes()
    info = b"INFOISFT" + struct.pack("<I", 8) + b"emoshift"
    raw += b"LIST" + struct.pack("<I", len(info)) + info
    raw = raw[:4] + struct.pack("<I", len(raw) - 8) + raw[8:]
    (AUDIO / "extensible_fllr_s16.wav").write_bytes(raw)
    refs["extensible_fllr_s16"] = refs["pcm_s16"]

    sf.write(AUDIO / "stereo_s16.flac", s16, sr, subtype="PCM_16")
    refs["stereo_s16_flac"] = refs["pcm_s16"]

    # Lossy codecs: a 1 kHz tone at 16 kHz, mono; tests check rate, length and pitch.
    tone = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(4800) / 16000)).astype(np.float32)
    sf.write(AUDIO / "tone_1k.mp3", tone, 16000, format="MP3", subtype="MPEG_LAYER_III")
    sf.write(AUDIO / "tone_1k.ogg", tone, 16000, format="OGG", subtype="VORBIS")
    save_file(refs, str(AUDIO / "decode_reference.safetensors"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tensors, meta = {}, []
    sigs = {}
    for name, (sr, x) in signals().items():
        q, y = quantize(x)
        tensors[f"signal/{name}"] = q
        sigs[name] = (sr, y)
    for name, sig, spec in cases():
        sr, y = sigs[sig]
        assert spec["load"]["sample_rate"] == sr
        tensors[f"features/{name}"] = reference(y, spec)
        meta.append({"name": name, "signal": sig, "spec": spec})
    # Filterbanks alone (sr 8000, n_fft 256, 10 bands).
    for htk, norm in [(False, "slaney"), (True, None), (True, "slaney")]:
        key = f"melbank/{'htk' if htk else 'slaney'}_{norm or 'none'}"
        tensors[key] = librosa.filters.mel(sr=8000, n_fft=256, n_mels=10, fmin=30.0, fmax=3900.0, htk=htk,
                                           norm=norm)
    # Resampling with soxr HQ (librosa.load's default res_type).
    resample_cases = [("speech_44k", 16000), ("noise_22k", 16000), ("chirp_8k", 16000), ("speech_16k", 22050)]
    for sig, target in resample_cases:
        sr, y = sigs[sig]
        y = y[:RESAMPLE_INPUT_LEN]
        tensors[f"resample/{sig}_to_{target}"] = librosa.resample(y, orig_sr=sr, target_sr=target,
                                                                 res_type="soxr_hq").astype(np.float32)
    # Silence trimming: a tone burst between quiet noise, at 8 kHz.
    n = 4800
    y = 1e-3 * RNG.standard_normal(n)
    y[1500:3300] += 0.5 * np.sin(2 * np.pi * 300 * np.arange(1800) / 8000)
    q, yq = quantize(y)
    tensors["signal/trim_8k"] = q
    trims = {str(db): [int(v) for v in librosa.effects.trim(yq, top_db=db)[1]] for db in (20, 40, 60)}
    metadata = {
        "librosa": librosa.__version__,
        "cases": json.dumps(meta),
        "resample": json.dumps([{"signal": s, "target": t, "input_len": RESAMPLE_INPUT_LEN} for s, t in resample_cases]),
        "trim": json.dumps(trims),
        "signal_rates": json.dumps({k: v[0] for k, v in sigs.items()} | {"trim_8k": 8000}),
    }
    save_file(tensors, str(OUT / "librosa_reference.safetensors"), metadata=metadata)
    decode_fixtures()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(meta)} feature cases, fixtures total {total / 1024:.1f} KiB in {OUT}")


if __name__ == "__main__":
    main()
