"""Forward-parity fixtures for emoshift-learn's networks.

Builds small versions of ResNet-18, VGG-16 (with and without batch norm)
and the CNN-BLSTM in plain PyTorch, written like torchvision's modules (no
torchvision needed), fills every parameter and buffer with values from a
formula that the Rust test reproduces (so no weights are stored), and records
for a fixed input the evaluation-mode logits and features, the
training-mode logits, and one batch-norm running mean after the training
pass. Names, shapes and order of the state dict are recorded too.

Run: .venv/bin/python scripts/gen_model_fixtures.py
Writes crates/emoshift-learn/tests/fixtures/models.json.
"""

import json
import math
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "crates/emoshift-learn/tests/fixtures/models.json"


def scaled(base, width):
    return max(1, round(base * width))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, width, in_ch, classes):
        super().__init__()
        base = scaled(64, width)
        self.conv1 = nn.Conv2d(in_ch, base, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = base
        for i, (mult, stride) in enumerate([(1, 1), (2, 2), (4, 2), (8, 2)]):
            cout = base * mult
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, classes)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x):
        return self.fc(self.features(x))


class Vgg16(nn.Module):
    CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    def __init__(self, width, fc_dim, batch_norm, dropout, pool, in_ch, classes):
        super().__init__()
        layers, cin = [], in_ch
        for v in self.CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                cout = scaled(v, width)
                layers.append(nn.Conv2d(cin, cout, 3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(cout))
                layers.append(nn.ReLU())
                cin = cout
        self.features_ = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(tuple(pool))
        self.classifier = nn.Sequential(
            nn.Linear(cin * pool[0] * pool[1], fc_dim), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(fc_dim, fc_dim), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(fc_dim, classes),
        )

    def features(self, x):
        x = torch.flatten(self.avgpool(self.features_(x)), 1)
        return self.classifier[1](self.classifier[0](x))

    def forward(self, x):
        return self.classifier[3:](self.classifier[2](self.features(x)))


class CnnBlstm(nn.Module):
    def __init__(self, channels, kernel, hidden, lstm_layers, dropout, in_ch, bins, classes):
        super().__init__()
        layers, cin = [], in_ch
        for c in channels:
            layers += [nn.Conv2d(cin, c, kernel, padding=kernel // 2), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d((2, 1), (2, 1))]
            cin = c
        self.features_ = nn.Sequential(*layers)
        out_bins = bins >> len(channels)
        self.lstm = nn.LSTM(cin * out_bins, hidden, lstm_layers, batch_first=True, bidirectional=True, dropout=dropout if lstm_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden, classes)

    def features(self, x):
        x = self.features_(x)
        n, c, f, t = x.shape
        seq = x.permute(0, 3, 1, 2).reshape(n, t, c * f)
        out, _ = self.lstm(seq)
        return out.mean(dim=1)

    def forward(self, x):
        return self.classifier(self.dropout(self.features(x)))


def torchvision_names(name):
    """The modules keep their convolution stack in `features_` (the method
    `features` returns feature vectors); torchvision calls it `features`."""
    return name.replace("features_.", "features.")


def formula(name_index, shape, kind):
    """The values the Rust test reproduces: a smooth deterministic pattern."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    wave = torch.sin(2.4 * i + 1.3 * name_index + 0.5)
    if kind == "running_var":
        values = 0.5 + wave * wave
    elif kind == "running_mean":
        values = 0.1 * wave
    elif kind == "num_batches_tracked":
        return torch.zeros(shape, dtype=torch.int64)
    elif kind == "bn_weight":
        values = 1.0 + 0.2 * wave
    elif kind == "bias":
        values = 0.05 * wave
    else:
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
        values = wave * math.sqrt(2.0 / fan_in)
    return values.reshape(shape).to(torch.float32)


def value_kind(name, shape, bn_prefixes):
    leaf = name.rsplit(".", 1)[-1]
    prefix = name.rsplit(".", 1)[0]
    if leaf in ("running_mean", "running_var", "num_batches_tracked"):
        return leaf
    if prefix in bn_prefixes:
        return "bn_weight" if leaf == "weight" else "bias"
    if leaf.startswith("bias"):
        return "bias"
    return "weight"


def fill(model, rename):
    bn_prefixes = {rename(n) for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    state = model.state_dict()
    entries = []
    with torch.no_grad():
        for k, (name, tensor) in enumerate(state.items()):
            public = rename(name)
            shape = list(tensor.shape)
            kind = value_kind(public, shape, bn_prefixes)
            tensor.copy_(formula(k, shape, kind))
            entries.append({"name": public, "shape": shape, "kind": kind})
    return entries


def input_tensor(shape):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (torch.sin(0.37 * i) + 0.5 * torch.cos(0.11 * i)).reshape(shape).to(torch.float32)


def case(label, spec, model, in_shape, batch, classes, rename, watch):
    entries = fill(model, rename)
    x = input_tensor([batch] + in_shape)
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
        eval_features = model.features(x)
    model.train()
    with torch.no_grad():
        train_logits = model(x)
    inverse = {rename(k): k for k in model.state_dict()}
    running = model.state_dict()[inverse[watch]]
    params = [rename(n) for n, _ in model.named_parameters()]
    return {
        "label": label,
        "spec": spec,
        "in_shape": in_shape,
        "batch": batch,
        "num_classes": classes,
        "state": entries,
        "parameters": params,
        "eval_logits": eval_logits.flatten().tolist(),
        "eval_features": eval_features.flatten().tolist(),
        "feature_dim": eval_features.shape[1],
        "train_logits": train_logits.flatten().tolist(),
        "watch": watch,
        "watch_after_train": running.flatten().tolist(),
    }


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cases = []
    m = ResNet18(0.125, 1, 4)
    cases.append(case("resnet18", {"name": "resnet18", "width": 0.125}, m, [1, 32, 40], 3, 4, torchvision_names, "layer2.0.downsample.1.running_mean"))
    for bn in (False, True):
        m = Vgg16(0.0625, 16, bn, 0.0, [2, 2], 1, 3)
        spec = {"name": "vgg16", "width": 0.0625, "fc_dim": 16, "batch_norm": bn, "dropout": 0.0, "pool": [2, 2]}
        watch = "features.1.running_mean" if bn else "features.0.weight"
        cases.append(case("vgg16_bn" if bn else "vgg16", spec, m, [1, 32, 36], 2, 3, torchvision_names, watch))
    m = CnnBlstm([4, 8], 3, 6, 2, 0.0, 1, 16, 5)
    spec = {"name": "cnn_blstm", "channels": [4, 8], "kernel": 3, "hidden": 6, "lstm_layers": 2, "dropout": 0.0}
    cases.append(case("cnn_blstm", spec, m, [1, 16, 10], 3, 5, torchvision_names, "features.5.running_mean"))
    full = ResNet18(1.0, 3, 1000)
    meta = {
        "generator": "scripts/gen_model_fixtures.py",
        "torch": torch.__version__,
        "resnet18_full_3ch_1000_params": sum(p.numel() for p in full.parameters()),
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(meta, indent=1))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
