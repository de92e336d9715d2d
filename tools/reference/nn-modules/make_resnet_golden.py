#!/usr/bin/env python3
"""Golden ResNet features from torchvision for @ssdet/nn's tests.

Run (dev-time only; the tests read the committed fixtures and need no Python):
    /usr/bin/python3 tools/reference/nn-modules/make_resnet_golden.py
Needs Debian's python3-torch (1.13) and python3-torchvision (0.14), CPU only, ~10 s.

What it checks / records, in tools/reference/fixtures/nn-modules/:
  * resnet-state-dicts.json — every state_dict name and shape (PyTorch layout) of torchvision's
    resnet18/34/50, so the tests can check ssdet's variable names and shapes one for one;
  * resnet-golden.json + *.bin — float32 little-endian tensors, NCHW:
      - resnet18 eval: C2, C3, C4, C5; resnet50 eval: C4, C5 — full-size torchvision models in
        eval mode, every parameter and BatchNorm buffer set by `formula_values` below, on the
        formula input `input` [2, 3, 64, 64];
      - resnet18 train: C5 of one train-mode forward on the same input and every BatchNorm's
        running_mean/running_var afterwards (momentum 0.1, unbiased variance).
The TypeScript twin of the formula is packages/nn/src/test-support/golden-weights.ts: both sides
derive identical float32 weights from (tensor name, element index) so no weights are committed.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'nn-modules')
MASK = 0xFFFFFFFF


def fnv1a(name: str) -> int:
    h = 0x811C9DC5
    for byte in name.encode('utf-8'):
        h ^= byte
        h = (h * 0x01000193) & MASK
    return h


def unit_values(name: str, count: int) -> np.ndarray:
    """u(name, i) in [-1, 1): murmur3's finaliser of fnv1a(name) xor (i+1)*0x9E3779B1, top 24 bits."""
    i = np.arange(count, dtype=np.uint64)
    x = (np.uint64(fnv1a(name)) ^ (((i + np.uint64(1)) * np.uint64(0x9E3779B1)) & np.uint64(MASK)))
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(8)).astype(np.float64) / 16777216.0 * 2.0 - 1.0


def formula_values(name: str, shape) -> np.ndarray:
    """The value of every element of a state_dict tensor, float64 then rounded to float32."""
    count = int(np.prod(shape)) if len(shape) > 0 else 1
    u = unit_values(name, count)
    if name.endswith('running_var'):
        v = 1.0 + 0.5 * u
    elif name.endswith('running_mean') or (name.endswith('.bias')):
        v = 0.1 * u
    elif len(shape) == 1:  # BatchNorm weight
        v = 0.5 + 0.25 * u
    else:  # conv [O, I, kh, kw] or linear [O, I]
        fan_in = count // shape[0]
        v = u * math.sqrt(3.0 / fan_in)
    return v.astype(np.float32).reshape(shape)


def build(depth: int) -> torch.nn.Module:
    model = getattr(torchvision.models, f'resnet{depth}')(weights=None)
    state = model.state_dict()
    for name, tensor in state.items():
        if name.endswith('num_batches_tracked'):
            continue
        tensor.copy_(torch.from_numpy(formula_values(name, tuple(tensor.shape))))
    return model


def features(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    out = {}
    for k, layer in enumerate([model.layer1, model.layer2, model.layer3, model.layer4]):
        x = layer(x)
        out[f'C{k + 2}'] = x
    return out


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    shapes = {}
    for depth in (18, 34, 50):
        model = getattr(torchvision.models, f'resnet{depth}')(weights=None)
        shapes[f'resnet{depth}'] = [[n, list(t.shape)] for n, t in model.state_dict().items()]
    with open(os.path.join(OUT, 'resnet-state-dicts.json'), 'w') as f:
        json.dump({'torchvision': torchvision.__version__, 'models': shapes}, f, separators=(',', ':'))

    # The input is the bare unit formula, u('input', i) in [-1, 1), NCHW order.
    x = torch.from_numpy(unit_values('input', 2 * 3 * 64 * 64).astype(np.float32).reshape(2, 3, 64, 64))
    manifest = {
        'generator': 'tools/reference/nn-modules/make_resnet_golden.py',
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'input': {'name': 'input', 'shape': [2, 3, 64, 64], 'layout': 'NCHW'},
        'files': {},
    }

    def write(file, tensors):
        entries, blobs, offset = [], [], 0
        for name, t in tensors:
            a = t.detach().numpy().astype('<f4').ravel()
            entries.append({'name': name, 'shape': list(t.shape), 'offset': offset})
            offset += a.size
            blobs.append(a)
        data = np.concatenate(blobs).tobytes()
        assert len(data) < 1_000_000, f'{file} would be {len(data)} bytes'
        with open(os.path.join(OUT, file), 'wb') as f:
            f.write(data)
        manifest['files'][file] = entries

    with torch.no_grad():
        r18 = build(18).eval()
        out = features(r18, x)
        write('resnet18-eval.bin', [(k, out[k]) for k in ('C2', 'C3', 'C4', 'C5')])
        r50 = build(50).eval()
        out = features(r50, x)
        write('resnet50-eval.bin', [(k, out[k]) for k in ('C4', 'C5')])
        r18t = build(18).train()
        out = features(r18t, x)
        stats = [(n, t) for n, t in r18t.state_dict().items() if n.endswith(('running_mean', 'running_var'))]
        write('resnet18-train.bin', [('C5', out['C5'])] + stats)
    for file, entries in manifest['files'].items():
        for e in entries[:4]:
            print(f"{file} {e['name']} {e['shape']}")
    with open(os.path.join(OUT, 'resnet-golden.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print('wrote', sorted(os.listdir(OUT)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
