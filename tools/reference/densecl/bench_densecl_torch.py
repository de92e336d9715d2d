#!/usr/bin/python3
"""Time one DenseCL training step in PyTorch on the CPU, for comparison with
packages/plugin-densecl/bench/densecl.bench.ts (`npm run bench -- densecl`).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/densecl/bench_densecl_torch.py [--threads 2] [--steps 3]

The step follows WXinlong/DenseCL's forward_train (re-written here, not copied): torchvision
ResNet-50 C5 + DenseCLNeck (2048-2048-128, both heads) as query encoder and a momentum copy as key
encoder; batch 8 of random 224 x 224 query and key views; shuffle-BN emulated in one process with
two groups of 4 (query groups in order, key groups after a random permutation), as ssdet does;
queues of 65,536 x 128; correspondence by argmax of the normalised C5 similarity; L = 0.5 L_q +
0.5 L_r; backward; SGD (lr 0.03, momentum 0.9, weight decay 1e-4); momentum update m = 0.999;
enqueue. Prints wall seconds per step, images/s and CPU seconds per step (one warm-up step, then
the mean of --steps).
"""
import argparse
import json
import copy
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

BATCH, SIZE, GROUPS, QUEUE, DIM, TAU, LAMBDA, M = 8, 224, 2, 65536, 128, 0.2, 0.5, 0.999


class Neck(nn.Module):
    def __init__(self, channels=2048, hidden=2048, out=DIM):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out))
        self.mlp2 = nn.Sequential(nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, out, 1))

    def forward(self, c5):
        single = self.mlp(c5.mean(dim=(2, 3)))
        dense = self.mlp2(c5)
        return single, dense.flatten(2), dense.mean(dim=(2, 3))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        resnet = torchvision.models.resnet50()
        self.backbone = nn.Sequential(*list(resnet.children())[:-2])
        self.neck = Neck()

    def forward(self, x):
        c5 = self.backbone(x)
        return (c5, *self.neck(c5))


def in_groups(encoder, images, order=None):
    if order is not None:
        images = images[order]
    outs = [encoder(chunk) for chunk in images.chunk(GROUPS)]
    joined = [torch.cat(parts) for parts in zip(*outs)]
    if order is not None:
        inverse = torch.argsort(order)
        joined = [t[inverse] for t in joined]
    return joined


def step(q_enc, k_enc, optimizer, queue, queue2, ptr, im_q, im_k):
    c5_q, q, q_grid, _ = in_groups(q_enc, im_q)
    q_b = F.normalize(c5_q.flatten(2), dim=1)
    q, q_grid = F.normalize(q, dim=1), F.normalize(q_grid, dim=1)
    with torch.no_grad():
        c5_k, k, k_grid, k2 = in_groups(k_enc, im_k, torch.randperm(BATCH))
        k_b = F.normalize(c5_k.flatten(2), dim=1)
        k, k_grid, k2 = F.normalize(k, dim=1), F.normalize(k_grid, dim=1), F.normalize(k2, dim=1)
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / TAU
    loss_q = F.cross_entropy(logits, torch.zeros(BATCH, dtype=torch.long))
    matches = (q_b.transpose(1, 2) @ k_b).argmax(2)
    positive = (q_grid * torch.gather(k_grid, 2, matches.unsqueeze(1).expand(-1, k_grid.shape[1], -1))).sum(1).reshape(-1, 1)
    rows = q_grid.transpose(1, 2).reshape(-1, DIM)
    logits_dense = torch.cat([positive, rows @ queue2], 1) / TAU
    loss_r = F.cross_entropy(logits_dense, torch.zeros(rows.shape[0], dtype=torch.long))
    loss = (1 - LAMBDA) * loss_q + LAMBDA * loss_r
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p_q, p_k in zip(q_enc.parameters(), k_enc.parameters()):
            p_k.mul_(M).add_(p_q.detach(), alpha=1 - M)
        queue[:, ptr:ptr + BATCH] = k.T
        queue2[:, ptr:ptr + BATCH] = k2.T
    return loss.item(), (ptr + BATCH) % QUEUE


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--json', action='store_true', help='one JSON line (for npm run bench -- densecl)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    q_enc = Encoder().train()
    k_enc = copy.deepcopy(q_enc).train()
    for p in k_enc.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD(q_enc.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    queue = F.normalize(torch.randn(DIM, QUEUE), dim=0)
    queue2 = F.normalize(torch.randn(DIM, QUEUE), dim=0)
    im_q, im_k = torch.randn(BATCH, 3, SIZE, SIZE), torch.randn(BATCH, 3, SIZE, SIZE)
    ptr = 0
    _, ptr = step(q_enc, k_enc, optimizer, queue, queue2, ptr, im_q, im_k)  # warm-up
    times, cpu = [], []
    for _ in range(args.steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        loss, ptr = step(q_enc, k_enc, optimizer, queue, queue2, ptr, im_q, im_k)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                          'seconds': mean, 'cpuSeconds': mean_cpu}))
        return
    # CPU seconds are less sensitive than wall time to other processes on a shared machine.
    print(f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads: DenseCL ResNet-50@{SIZE} batch {BATCH} '
          f'training step {mean:.2f} s wall = {BATCH / mean:.2f} images/s; {mean_cpu:.1f} CPU-s per step '
          f'(mean of {len(times)}; loss {loss:.3f})')


if __name__ == '__main__':
    main()
