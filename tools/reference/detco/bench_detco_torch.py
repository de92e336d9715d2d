#!/usr/bin/python3
"""Time one DetCo training step in PyTorch on the CPU, for comparison with
packages/plugin-detco/bench/detco.bench.ts (`npm run bench -- detco`, which runs this script
first, in the same run, and prints the ratio).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/detco/bench_detco_torch.py [--threads 2] [--steps 2] [--json]
        [--arch resnet50] [--size 224] [--patch 64] [--batch 8] [--queue 65536] [--heads-per-group]

The step follows the DetCo paper (Xie et al., ICCV 2021) and, where it is silent, the port
shuuchen/DetCo.pytorch (re-written here, not copied): a torchvision ResNet whose res2..res5 maps
feed, per stage, a global head C-C-128 and a local head 9C-9C-128 on the concatenated features of
a 3x3 patch set; the query encoder and its momentum copy; batch 8 of random 224 x 224 global
views and 8 x 9 random 64 x 64 patches per encoder; shuffle-BN emulated in one process with two
groups of 4 images (query groups in order, key groups after a random permutation, the same one
for the key's global view and patch set), as ssdet does, with the heads (no BatchNorm) run once on
the whole batch as ssdet does (--heads-per-group: once per group, as per-GPU processes do); eight queues of 65,536 x 128; the twelve
InfoNCE terms weighted by [0.1, 0.4, 0.7, 1.0] per stage; backward; SGD (lr 0.03, momentum 0.9,
weight decay 1e-4); momentum update m = 0.999; enqueue. Prints wall seconds per step, images/s and
CPU seconds per step (one warm-up step, then the mean of --steps); with --json one JSON line.
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

GROUPS, DIM, TAU, M, PATCHES = 2, 128, 0.2, 0.999, 9
WEIGHTS = [0.1, 0.4, 0.7, 1.0]


def mlp(width):
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(inplace=True), nn.Linear(width, DIM))


class Encoder(nn.Module):
    def __init__(self, arch):
        super().__init__()
        resnet = getattr(torchvision.models, arch)()
        self.stem = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool)
        self.stages = nn.ModuleList([resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4])
        widths = [stage[-1].conv3.out_channels if hasattr(stage[-1], 'conv3') else stage[-1].conv2.out_channels
                  for stage in self.stages]
        self.global_mlps = nn.ModuleList([mlp(c) for c in widths])
        self.local_mlps = nn.ModuleList([mlp(PATCHES * c) for c in widths])

    def maps(self, x):
        x = self.stem(x)
        out = []
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out

    def pooled(self, images, patches):
        """images [B, 3, H, W]; patches [B*9, 3, s, s] image-major -> the heads' 8 inputs:
        [B, C] per stage (global), then [B, 9C] per stage (local, the set's patches concatenated)."""
        out = [m.mean(dim=(2, 3)) for m in self.maps(images)]
        out += [m.mean(dim=(2, 3)).reshape(images.shape[0], -1) for m in self.maps(patches)]
        return out

    def heads(self, pooled):
        """The 8 pooled inputs -> [B, 8, D] (4 global, 4 local)."""
        return torch.stack([head(x) for head, x in zip([*self.global_mlps, *self.local_mlps], pooled)], 1)


def in_groups(encoder, images, patches, order=None, heads_per_group=False):
    """Shuffle-BN: the backbone per group (BatchNorm), the heads (no BatchNorm) once on the whole
    batch as ssdet does -- or per group, as one process per GPU would (--heads-per-group)."""
    batch = images.shape[0]
    if order is not None:
        images = images[order]
        patches = patches.reshape(batch, PATCHES, *patches.shape[1:])[order].flatten(0, 1)
    size = batch // GROUPS
    parts = [encoder.pooled(images[g * size:(g + 1) * size],
                            patches[g * size * PATCHES:(g + 1) * size * PATCHES]) for g in range(GROUPS)]
    if heads_per_group:
        joined = torch.cat([encoder.heads(part) for part in parts])
    else:
        joined = encoder.heads([torch.cat(inputs) for inputs in zip(*parts)])
    return joined if order is None else joined[torch.argsort(order)]


def info_nce(q, k, queue):
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / TAU
    return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long))


def step(q_enc, k_enc, optimizer, queues, ptr, inputs, batch, queue_size, heads_per_group):
    im_q, im_k, p_q, p_k = inputs
    q = F.normalize(in_groups(q_enc, im_q, p_q, None, heads_per_group), dim=2)
    with torch.no_grad():
        k = F.normalize(in_groups(k_enc, im_k, p_k, torch.randperm(batch), heads_per_group), dim=2)
    loss = sum(WEIGHTS[i] * (info_nce(q[:, i], k[:, i], queues[i])
                             + info_nce(q[:, 4 + i], k[:, 4 + i], queues[4 + i])
                             + info_nce(q[:, 4 + i], k[:, i], queues[i])) for i in range(4))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p_q, p_k in zip(q_enc.parameters(), k_enc.parameters()):
            p_k.mul_(M).add_(p_q.detach(), alpha=1 - M)
        queues[:, :, ptr:ptr + batch] = k.permute(1, 2, 0)
    return loss.item(), (ptr + batch) % queue_size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--arch', default='resnet50')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--patch', type=int, default=64)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--queue', type=int, default=65536)
    parser.add_argument('--heads-per-group', action='store_true',
                        help='run the heads per shuffle-BN group (as per-GPU processes do) instead of once')
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    q_enc = Encoder(args.arch).train()
    k_enc = copy.deepcopy(q_enc).train()
    for p in k_enc.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD(q_enc.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    queues = F.normalize(torch.randn(8, DIM, args.queue), dim=1)
    b, s, p = args.batch, args.size, args.patch
    inputs = (torch.randn(b, 3, s, s), torch.randn(b, 3, s, s),
              torch.randn(b * PATCHES, 3, p, p), torch.randn(b * PATCHES, 3, p, p))
    ptr = 0
    _, ptr = step(q_enc, k_enc, optimizer, queues, ptr, inputs, b, args.queue, args.heads_per_group)  # warm-up
    times, cpu = [], []
    for _ in range(args.steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        loss, ptr = step(q_enc, k_enc, optimizer, queues, ptr, inputs, b, args.queue, args.heads_per_group)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': mean,
                          'cpuSeconds': mean_cpu, 'steps': len(times), 'loss': loss}))
        return
    # CPU seconds are less sensitive than wall time to other processes on a shared machine.
    print(f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads: DetCo {args.arch}@{s} + 9x{p} patches, '
          f'batch {b}: training step {mean:.2f} s wall = {b / mean:.2f} images/s; {mean_cpu:.1f} CPU-s per step '
          f'(mean of {len(times)}; loss {loss:.3f})')


if __name__ == '__main__':
    main()
