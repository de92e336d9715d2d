#!/usr/bin/python3
"""PyTorch CPU timing of one UP-DETR pre-training step, for the row beside `npm run bench -- updetr`.

Run (dev-time only):
    /usr/bin/python3 tools/reference/updetr/bench_updetr_torch.py [--batch 8] [--steps 3] [--threads 2] [--json]

`npm run bench -- updetr` runs it with --json first, in the same run, and prints the ratio.

The step is the paper's: ResNet-50 with FrozenBatchNorm, frozen (`--fre_cnn`); pre-norm DETR
transformer d=256, 8 heads, FFN 2048, 6+6 layers, dropout 0.1; 100 queries fed by 10 patches of
128×128 through patch2query, query dropout 0.1, block-diagonal decoder mask; class/box/feature
heads on all 6 decoder layers; Hungarian matching and loss 1·CE + 5·L1 + 2·GIoU + 1·L_feat;
backward; grad clip 0.1; AdamW lr 1e-4, wd 1e-4. Images 554×416 (the middle scale, shorter
side 416, a 4:3 ImageNet-like aspect), random pixels, random patch boxes (UP-DETR's rule).
Weights are random (timing only). One warm-up step, then the mean of --steps: wall seconds per
step, images/s and CPU seconds per step; with --json one JSON line
{torch, threads, seconds, cpuSeconds, steps, loss}.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from updetr_torch import UpdetrTorch, updetr_loss  # noqa: E402


def random_targets(batch, width, height, num_patches):
    targets = []
    for _ in range(batch):
        boxes = []
        for _ in range(num_patches):
            sw, sh = np.random.randint(8, width - 8 + 1), np.random.randint(8, height - 8 + 1)
            x = np.random.randint(width - sw) if sw != width else 0
            y = np.random.randint(height - sh) if sh != height else 0
            boxes.append([(x + sw / 2) / width, (y + sh / 2) / height, sw / width, sh / height])
        targets.append({'labels': torch.ones(num_patches, dtype=torch.int64),
                        'boxes': torch.tensor(boxes, dtype=torch.float32)})
    return targets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--width', type=int, default=554)
    parser.add_argument('--height', type=int, default=416)
    parser.add_argument('--json', action='store_true', help='one JSON line (for npm run bench -- updetr)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    model = UpdetrTorch().train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-4)
    images = torch.randn(args.batch, 3, args.height, args.width)
    mask = torch.zeros(args.batch, args.height, args.width, dtype=torch.bool)
    patches = torch.randn(args.batch, 10, 3, 128, 128)
    targets = random_targets(args.batch, args.width, args.height, 10)

    def step():
        outputs = model(images, mask, patches)
        total, _, _ = updetr_loss(outputs, targets)
        optimizer.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(params, 0.1)
        optimizer.step()
        return float(total)

    step()  # warm-up
    times, cpu = [], []
    for _ in range(args.steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        loss = step()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': mean,
                          'cpuSeconds': mean_cpu, 'steps': len(times), 'loss': loss}))
        return
    # CPU seconds are less sensitive than wall time to other processes on a shared machine.
    print(f'PyTorch {torch.__version__} CPU ({torch.get_num_threads()} threads), UP-DETR training step, '
          f'batch {args.batch} at {args.width}x{args.height} + 10 patches of 128x128: '
          f'{mean:.2f} s wall = {args.batch / mean:.2f} images/s; {mean_cpu:.1f} CPU-s per step '
          f'(mean of {len(times)} after 1 warm-up; steps {", ".join(f"{t:.2f}" for t in times)} s)')

if __name__ == '__main__':
    main()
