#!/usr/bin/env python3
"""PyTorch CPU timing of one SoCo training step, for the row beside `npm run bench -- soco`.

Run:  /usr/bin/python3 tools/reference/soco/bench_soco_torch.py [--batch 8] [--threads 2] [--steps 2] [--json]

`npm run bench -- soco` runs it with --json first, in the same run, and prints the ratio.

Our own torch re-implementation following hologerry/SoCo `contrast/models/SoCo_FPN.py` (not copied):
torchvision ResNet-50 (C2-C5) -> FPN P2-P5 with BatchNorm (1x1 lateral + 3x3 output, nearest
top-down), every box RoIAligned (7x7, aligned=True) from every level, per level the 4conv1fc head
(256 ch, BN) -> fc 1024 -> projector 1024-4096-256 (BN) [-> predictor 256-4096-256 online]; the
target network (a copy) on V1 224, V2 224, V3 112 under no_grad; K = 4 boxes per pair, the
same-proposal matching matrices, the four-term loss; backward; SGD step (ours uses LARS: an
element-wise update, a negligible share of the step); EMA of the target. One warm-up step, then
the mean of --steps: wall seconds per step, images/s and CPU seconds per step; with --json one
JSON line {torch, threads, seconds, cpuSeconds, steps, loss}.
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.ops import roi_align


class Fpn(nn.Module):
    def __init__(self, ins=(256, 512, 1024, 2048), out=256):
        super().__init__()
        block = lambda i, k: nn.Sequential(nn.Conv2d(i, out, k, padding=k // 2, bias=False), nn.BatchNorm2d(out))
        self.lateral = nn.ModuleList(block(c, 1) for c in ins)
        self.output = nn.ModuleList(block(out, 3) for _ in ins)

    def forward(self, feats):
        lat = [l(f) for l, f in zip(self.lateral, feats)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode='nearest')
        return [o(x) for o, x in zip(self.output, lat)]


def mlp(i, h=4096, o=256):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True), nn.Linear(h, o))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        r = torchvision.models.resnet50()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.layers = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
        self.fpn = Fpn()
        convs = []
        for _ in range(4):
            convs += [nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True)]
        self.head = nn.Sequential(*convs, nn.Flatten(), nn.Linear(256 * 49, 1024), nn.ReLU(inplace=True))
        self.projector = mlp(1024)

    def pyramid(self, x):
        x = self.stem(x)
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return self.fpn(feats)

    def embed(self, pyramid, boxes, view, predictor=None):
        n, k, _ = boxes.shape
        rows = torch.cat([torch.arange(n).repeat_interleave(k)[:, None].float(), boxes.reshape(-1, 4)], 1)
        out = []
        for level in pyramid:
            pooled = roi_align(level, rows, 7, spatial_scale=level.shape[3] / view, aligned=True)
            z = self.projector(self.head(pooled))
            if predictor is not None:
                z = predictor(z)
            out.append(F.normalize(z, dim=1).reshape(n, k, -1))
        return torch.cat(out, 1)


def loss_term(q, z, c):
    sim = torch.bmm(q, z.transpose(1, 2))
    return -2 * ((sim * c).sum((1, 2)) / (c.sum((1, 2)) + 1e-6)).mean()


def random_boxes(n, k, view):
    xy = torch.rand(n, k, 2) * view * 0.5
    wh = torch.rand(n, k, 2) * view * 0.5 + 8
    return torch.cat([xy, (xy + wh).clamp(max=view - 1)], 2)


def matching(n, k):
    ids = torch.randint(0, 3, (n, k))
    levels = torch.randint(0, 4, (n, k))
    a = torch.full((n, 4, k), -1.0)
    b = torch.full((n, 4, k), -2.0)
    a.scatter_(1, levels[:, None, :], ids[:, None, :].float())
    b.scatter_(1, levels.flip(1)[:, None, :], ids.flip(1)[:, None, :].float())
    a, b = a.reshape(n, -1), b.reshape(n, -1)
    return (a[:, :, None] == b[:, None, :]).float()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--json', action='store_true', help='one JSON line (for npm run bench -- soco)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, k = args.batch, 4
    online, predictor = Encoder(), mlp(256)
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad = False
    optim = torch.optim.SGD(list(online.parameters()) + list(predictor.parameters()), lr=0.01, momentum=0.9)
    images = {'v1': torch.randn(n, 3, 224, 224), 'v2': torch.randn(n, 3, 224, 224), 'v3': torch.randn(n, 3, 112, 112)}
    boxes = {'v1_v2': random_boxes(n, k, 224), 'v1_v3': random_boxes(n, k, 224),
             'v2': random_boxes(n, k, 224), 'v3': random_boxes(n, k, 112)}
    corr = {'v2': matching(n, k), 'v3': matching(n, k)}

    def step():
        p1 = online.pyramid(images['v1'])
        with torch.no_grad():
            t1 = target.pyramid(images['v1'])
        loss = 0
        for other, view in (('v2', 224), ('v3', 112)):
            po = online.pyramid(images[other])
            q1 = online.embed(p1, boxes['v1_' + other], 224, predictor)
            qx = online.embed(po, boxes[other], view, predictor)
            with torch.no_grad():
                to = target.pyramid(images[other])
                z1 = target.embed(t1, boxes['v1_' + other], 224)
                zx = target.embed(to, boxes[other], view)
            c = corr[other]
            loss = loss + loss_term(q1, zx, c) + loss_term(qx, z1, c.transpose(1, 2))
        optim.zero_grad()
        loss.backward()
        optim.step()
        with torch.no_grad():
            for po_, pt_ in zip(online.parameters(), target.parameters()):
                pt_.mul_(0.99).add_(po_, alpha=0.01)
        return loss.item()

    step()  # warm-up
    times, cpu = [], []
    for i in range(args.steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        loss = step()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if not args.json:
            print(f'step {i + 1}: {times[-1]:.2f} s, loss {loss:.4f}')
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': mean,
                          'cpuSeconds': mean_cpu, 'steps': len(times), 'loss': loss}))
        return
    # CPU seconds are less sensitive than wall time to other processes on a shared machine.
    print(f'PyTorch {torch.__version__} CPU ({torch.get_num_threads()} threads): SoCo R50-FPN step, batch {n}: '
          f'{mean:.2f} s wall = {n / mean:.2f} images/s; {mean_cpu:.1f} CPU-s per step (mean of {len(times)} after '
          f'1 warm-up)')

if __name__ == '__main__':
    main()
