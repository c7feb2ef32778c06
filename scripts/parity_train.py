#!/usr/bin/env python3
"""End-to-end learning parity: ERM, MLDG and DA-MLDG trained in plain PyTorch.

Trains a batch-norm network (a small conv net, or ResNet-18 in torchvision's
layout at a width multiplier) for N steps with `torch.nn.Module`s,
`torch.func.functional_call` and `torch.optim.SGD`, on data and minibatches
that `tests/learning_parity.rs` computes with the same formula, and writes
the initial weights (PyTorch names), the final weights, every step's loss
terms and the evaluation-mode accuracy per domain. The Rust test trains
emoshift's methods from the same weights on the same batches with the same
meta-test schedule (`update_with_split`) and compares.

This is an independent implementation of the methods as the papers and the
DA-MLDG authors' code describe them, not a copy of emoshift's:
- `L(set)` is eq. 2's mean over the set's domains of each domain's mean
  cross-entropy, from one training-mode forward of the set's batches joined
  (the authors forward their meta-train set as one batch);
- the meta-test forward at θ' runs in training mode on copies of the
  buffers, which are thrown away (the authors' temporary model);
- γ = |E(S', θ') − E(V, θ')| from evaluation-mode forwards (the authors'
  `training=False`), E the absolute mean logsumexp, T = 1.

Data (both sides): domain d, example i, class y = i mod C; pixel (h, w) is
amplitude·[h in the class's band] + level[d] + gain[d]·noise·√12·(u − ½),
u = splitmix64(((d·1000003 + i)·65536 + h·W + w)) / 2^64 (53 bits).
Minibatch of domain d at step s: examples (17·(s·B + j) + 5·d) mod n for
j < B. Meta-test domain at step s: s mod D. Domain D is held out (target).

Usage:
  scripts/parity_train.py --out crates/emoshift-learn/tests/fixtures/parity
      the committed small fixture (conv net, 8 channels, 8x12 inputs)
  scripts/parity_train.py --model resnet18 --width 0.125 --steps 300 \\
      --size 32 32 --examples 96 --out /tmp/parity && \\
  EMOSHIFT_PARITY_DIR=/tmp/parity cargo test -p emoshift-learn --release \\
      --test learning_parity -- --ignored --nocapture && \\
  scripts/parity_train.py --compare /tmp/parity
      the ResNet-18 benchmark (BENCHMARKS.md, "Learning parity")
  cargo run -p emoshift-engine --example parity_data -- /tmp/corpora.safetensors && \\
  scripts/parity_train.py --data /tmp/corpora.safetensors --model resnet18 ... --out /tmp/parity-corpora
      the same on the built-in corpora (log-mel frames of synthetic RAVDESS,
      CREMA-D and EmoDB, TESS held out); then the two commands above
"""

import argparse
import json
import math
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

MASK = (1 << 64) - 1


# ---------------------------------------------------------------- data
def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def domain_data(d, spec):
    n, c, (h, w) = spec["examples"], spec["classes"], spec["size"]
    xs = np.empty((n, 1, h, w), dtype=np.float64)
    ys = np.array([i % c for i in range(n)], dtype=np.int64)
    scale = spec["noise"] * math.sqrt(12.0)
    for i in range(n):
        band = ys[i]
        for r in range(h):
            on = spec["amplitude"] if (r * c) // h == band else 0.0
            for q in range(w):
                u = (splitmix64((d * 1000003 + i) * 65536 + r * w + q) >> 11) / float(1 << 53)
                xs[i, 0, r, q] = on + spec["levels"][d] + spec["gains"][d] * scale * (u - 0.5)
    return torch.tensor(xs, dtype=torch.float32), torch.tensor(ys)


def file_data(path, args):
    """Domains from a file of `x.{d}` [n, 1, H, W] and `y.{d}` [n] (the last domain
    held out), as `cargo run -p emoshift-engine --example parity_data` writes the
    built-in corpora; the Rust side reads the same file."""
    tensors = load_file(str(path))
    count = len([k for k in tensors if k.startswith("x.")])
    data = [(tensors[f"x.{d}"].float(), tensors[f"y.{d}"].long()) for d in range(count)]
    n = data[0][0].shape[0]
    if any(x.shape[0] != n for x, _ in data):
        raise SystemExit(f"{path}: every domain needs the same number of examples")
    spec = {"domains": count - 1, "examples": n, "classes": int(max(int(y.max()) for _, y in data)) + 1,
            "size": list(data[0][0].shape[2:]), "file": path.name, "batch": args.batch, "steps": args.steps}
    return data, spec


def batch_indices(step, d, batch, n):
    return [(17 * (step * batch + j) + 5 * d) % n for j in range(batch)]


# ---------------------------------------------------------------- networks
class ConvBn(nn.Module):
    """conv3x3(1->C) -> BN -> ReLU -> conv3x3(C->C, stride 2) -> BN -> ReLU,
    mean pool, linear (no convolution bias)."""

    def __init__(self, channels, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU())
        self.classifier = nn.Linear(channels, classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(2, 3)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    """torchvision's resnet18 layout for one input plane, channels scaled."""

    def __init__(self, width, classes):
        super().__init__()
        base = max(1, round(64 * width))
        self.conv1 = nn.Conv2d(1, base, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        cin = base
        for k, (mult, stride) in enumerate([(1, 1), (2, 2), (4, 2), (8, 2)]):
            cout = base * mult
            setattr(self, f"layer{k + 1}", nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.fc = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for k in range(1, 5):
            x = getattr(self, f"layer{k}")(x)
        return self.fc(x.mean(dim=(2, 3)))


# ---------------------------------------------------------------- methods
def run(net, params, buffers, x, train, keep_statistics):
    net.train(train)
    bufs = buffers if keep_statistics else {k: v.clone() for k, v in buffers.items()}
    return torch.func.functional_call(net, {**params, **bufs}, (x,))


def set_loss(net, params, buffers, parts, keep_statistics):
    logits = run(net, params, buffers, torch.cat([x for x, _ in parts]), True, keep_statistics)
    chunks = logits.split([x.shape[0] for x, _ in parts])
    return torch.stack([F.cross_entropy(z, y) for z, (_, y) in zip(chunks, parts)]).mean()


def energy(logits):
    return torch.logsumexp(logits, dim=1).mean().abs()


def train(net, init, data, spec, method):
    params = {k: v.clone().requires_grad_(True) for k, v in init.items() if k in dict(net.named_parameters())}
    buffers = {k: v.clone() for k, v in init.items() if k not in params}
    cfg = method["config"]
    opt = torch.optim.SGD(list(params.values()), lr=cfg["optimizer"]["lr"], momentum=cfg["optimizer"]["momentum"])
    names = list(params.keys())
    losses = []
    for step in range(spec["steps"]):
        batches = []
        for d in range(spec["domains"]):
            idx = torch.tensor(batch_indices(step, d, spec["batch"], spec["examples"]))
            batches.append((data[d][0][idx], data[d][1][idx]))
        terms = {}
        if cfg["name"] == "erm":
            loss = set_loss(net, params, buffers, [(torch.cat([x for x, _ in batches]),
                                                    torch.cat([y for _, y in batches]))], True)
            terms["ce"] = loss
        else:
            order, inner_lr = cfg["order"], cfg["inner_lr"]
            test = step % spec["domains"]
            v = [batches[test]]
            s_prime = [b for d, b in enumerate(batches) if d != test]
            theta = [params[k] for k in names]
            ltr = set_loss(net, params, buffers, s_prime, True)
            grads = torch.autograd.grad(ltr, theta, create_graph=(order == 2), retain_graph=True)
            if order == 1:
                grads = [g.detach() for g in grads]
            p_prime = {k: t - inner_lr * g for k, t, g in zip(names, theta, grads)}
            if cfg["name"] == "da_mldg":
                with torch.no_grad():
                    e_s = energy(run(net, p_prime, buffers, torch.cat([x for x, _ in s_prime]), False, False))
                    e_v = energy(run(net, p_prime, buffers, torch.cat([x for x, _ in v]), False, False))
                weight = float((e_s - e_v).abs())
                terms["gamma"] = weight
                if cfg.get("gamma_max") is not None:
                    weight = min(weight, cfg["gamma_max"])
                    terms["gamma_used"] = weight
            else:
                weight = cfg["beta"]
            lte = set_loss(net, p_prime, buffers, v, False)
            loss = ltr + weight * lte
            terms.update({"meta_train": ltr, "meta_test": lte})
        opt.zero_grad()
        loss.backward()
        opt.step()
        terms["total"] = loss
        losses.append({k: finite_or_none(float(t.detach() if torch.is_tensor(t) else t)) for k, t in terms.items()})
    with torch.no_grad():
        accuracy = [float((run(net, params, buffers, x, False, False).argmax(1) == y).float().mean())
                    for x, y in data]
    return {**params, **buffers}, losses, accuracy


def finite_or_none(v):
    """A loss for the JSON record: 7 significant digits, or None (null) once training diverged."""
    return float(f"{v:.7g}") if math.isfinite(v) else None


METHODS = [
    {"key": "erm", "config": {"name": "erm", "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
    {"key": "mldg_order1", "config": {"name": "mldg", "inner_lr": 0.01, "beta": 1.0, "order": 1,
                                      "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
    {"key": "mldg_order2", "config": {"name": "mldg", "inner_lr": 0.01, "beta": 1.0, "order": 2,
                                      "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
    {"key": "da_mldg_order1", "config": {"name": "da_mldg", "inner_lr": 0.01, "temperature": 1.0, "order": 1,
                                         "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
    {"key": "da_mldg_order2", "config": {"name": "da_mldg", "inner_lr": 0.01, "temperature": 1.0, "order": 2,
                                         "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
    # The paper's γ is unbounded and can diverge; emoshift's `gamma_max` bounds it.
    {"key": "da_mldg_order1_gamma_max1", "config": {"name": "da_mldg", "inner_lr": 0.01, "temperature": 1.0,
                                                    "order": 1, "gamma_max": 1.0,
                                                    "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}},
]


def generate(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.data:
        data, spec = file_data(Path(args.data), args)
    else:
        spec = {"domains": 3, "examples": args.examples, "classes": 3, "size": args.size,
                "amplitude": args.amplitude, "noise": 1.0, "levels": [0.0, 1.0, -0.8, 0.5],
                "gains": [1.0, 1.3, 0.8, 1.1], "batch": args.batch, "steps": args.steps}
    if args.model == "conv_bn":
        model = {"kind": "conv_bn", "channels": args.channels, "classes": spec["classes"]}
        net = ConvBn(args.channels, spec["classes"])
    else:
        model = {"kind": "resnet18", "width": args.width, "classes": spec["classes"]}
        net = ResNet18(args.width, spec["classes"])
    init = {k: v.detach().clone() for k, v in net.state_dict().items()}
    if not args.data:
        data = [domain_data(d, spec) for d in range(spec["domains"] + 1)]
    tensors = {f"init.{k}": v for k, v in init.items()}
    results = {}
    for m in METHODS:
        final, losses, accuracy = train(net, init, data, spec, m)
        results[m["key"]] = {"config": m["config"], "losses": losses, "accuracy": accuracy}
        if args.keep_weights:
            for k, v in final.items():
                tensors[f"expected.{m['key']}.{k}"] = v.detach()
        final_loss = losses[-1]["total"]
        shown = "diverged" if final_loss is None else f"{final_loss:.4f}"
        print(f"{m['key']:>15}: accuracy per domain (last = target) "
              + " ".join(f"{a:.3f}" for a in accuracy) + f", final loss {shown}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.data and Path(args.data).resolve() != (out / spec["file"]).resolve():
        shutil.copy(args.data, out / spec["file"])
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / "parity.safetensors"))
    meta = {"model": model, "data": spec, "methods": results}
    (out / "pytorch.json").write_text(json.dumps(meta, sort_keys=True, separators=(",", ":")) + "\n")


def compare(out):
    torch_run = json.loads((Path(out) / "pytorch.json").read_text())["methods"]
    ours = json.loads((Path(out) / "emoshift.json").read_text())
    print("| method | PyTorch accuracy (source domains / target) | emoshift | max |Δ loss| | max |Δ weight| "
          "| loss not finite at step (PyTorch / emoshift) |")
    print("|---|---|---|---|---|---|")
    for key, ref in torch_run.items():
        mine = ours[key]
        fmt = lambda a: " ".join(f"{100 * v:.1f}" for v in a[:-1]) + f" / {100 * a[-1]:.1f}"
        step = lambda s: "never" if s is None else str(s)
        print(f"| {key} | {fmt(ref['accuracy'])} | {fmt(mine['accuracy'])} | "
              f"{mine['max_loss_diff']:.2e} | {mine['max_weight_diff']:.2e} | "
              f"{step(mine['reference_diverged_at'])} / {step(mine['diverged_at'])} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="folder to write the run to")
    ap.add_argument("--compare", help="print the table for a folder that both sides have run")
    ap.add_argument("--data", help="train on this file's domains (see file_data) instead of the formula")
    ap.add_argument("--model", choices=["conv_bn", "resnet18"], default="conv_bn")
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--width", type=float, default=0.125)
    ap.add_argument("--size", type=int, nargs=2, default=[8, 12])
    ap.add_argument("--examples", type=int, default=48)
    ap.add_argument("--amplitude", type=float, default=0.5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20260602)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-weights", dest="keep_weights", action="store_false",
                    help="do not store the final weights (smaller output)")
    args = ap.parse_args()
    if args.compare:
        compare(args.compare)
    else:
        generate(args)


if __name__ == "__main__":
    main()
