#!/usr/bin/python3
"""Cross-check a cnnpipe checkpoint against PyTorch.

    torch_check.py MODEL.safetensors IO.safetensors

MODEL.safetensors is written by cnnpipe (weights in PyTorch layouts, the
model spec in the header metadata). IO.safetensors holds an input batch "x"
[N, C, H, W] and cnnpipe's logits "logits". The script builds the
equivalent torch.nn.Sequential from the spec, loads the weights with
load_state_dict(strict=True), runs it in eval mode on x and prints the
largest absolute difference from cnnpipe's logits. Exit status 1 when it
exceeds 1e-4 (relative to the logits' scale).
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    buf = data[8 + n:]
    out = {}
    for name, e in header.items():
        dt = {"F32": np.float32, "I64": np.int64}[e["dtype"]]
        b, en = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(buf[b:en], dtype=dt).reshape(e["shape"]).copy())
    return out, meta


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def pair(v, default):
    if v is None:
        return default
    return (v, v) if isinstance(v, int) else tuple(v)


def act(name, alpha):
    return {"relu": lambda: nn.ReLU(), "leaky_relu": lambda: nn.LeakyReLU(alpha or 0.01),
            "sigmoid": lambda: nn.Sigmoid(), "tanh": lambda: nn.Tanh(),
            "softmax": lambda: nn.Softmax(dim=1)}[name]()


def build(spec):
    inp = spec["input"]
    c = inp.get("channels", 1) or 1
    mods = []
    for l in spec["layers"]:
        t = l["type"]
        if t == "conv2d":
            k = pair(l.get("kernel"), None)
            s = pair(l.get("stride"), (1, 1))
            pad = l.get("padding", "valid")
            if pad == "same":
                assert s == (1, 1), "torch supports padding='same' only with stride 1"
            mods.append(nn.Conv2d(c, l["filters"], k, s, padding=pad, bias=l.get("bias", True)))
            c = l["filters"]
        elif t == "dense":
            mods.append(nn.LazyLinear(l["units"], bias=l.get("bias", True)))
        elif t in ("maxpool2d", "avgpool2d"):
            k = pair(l.get("size"), None)
            s = pair(l.get("stride"), k)
            mods.append((nn.MaxPool2d if t == "maxpool2d" else nn.AvgPool2d)(k, s))
        elif t == "globalavgpool2d":
            mods.append(GlobalAvgPool())
        elif t == "flatten":
            mods.append(nn.Flatten())
        elif t == "dropout":
            mods.append(nn.Dropout(l.get("rate", 0)))
        elif t == "batchnorm":
            mom = 1 - (l.get("momentum") or 0.9)
            mods.append(("bn", mom, l.get("epsilon") or 1e-5))
        elif t == "activation":
            mods.append(act(l["activation"], l.get("alpha")))
            continue
        else:
            mods.append(act(t, l.get("alpha")))
            continue
        if l.get("activation"):
            mods.append(act(l["activation"], l.get("alpha")))
    return mods


def main():
    weights, meta = read_safetensors(sys.argv[1])
    io, _ = read_safetensors(sys.argv[2])
    spec = json.loads(meta["cnnpipe.spec"])
    mods = build(spec)
    # BatchNorm needs its feature count: take it from the weights.
    for i, m in enumerate(mods):
        if isinstance(m, tuple):
            n = weights[f"{i}.weight"].shape[0]
            mods[i] = nn.BatchNorm2d(n, eps=m[2], momentum=m[1]) if weights.get(f"{i-1}.weight", torch.zeros(1)).dim() == 4 or i == 0 or weights.get(f"{i-1}.weight") is None else nn.BatchNorm1d(n, eps=m[2], momentum=m[1])
    model = nn.Sequential(*mods)
    x = io["x"]
    with torch.no_grad():
        model(x)  # materialize lazy layers
    state = {k: v for k, v in weights.items() if not k.startswith("optimizer.")}
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        out = model[:-1](x) if isinstance(model[-1], nn.Softmax) else model(x)
    ref = io["logits"]
    diff = (out - ref).abs().max().item()
    scale = max(1.0, ref.abs().max().item())
    print(f"{spec.get('name', '?')}: {len(state)} tensors, logits {tuple(out.shape)}, max |torch - cnnpipe| = {diff:.3g} (scale {scale:.3g})")
    sys.exit(0 if diff <= 1e-4 * scale else 1)


if __name__ == "__main__":
    main()
