#!/usr/bin/python3
"""Time one Faster R-CNN R50-FPN training step in torchvision on the CPU, for comparison with
packages/transfer/bench/transfer.bench.ts (`npm run bench -- transfer`).

Run from the repository root with Debian's python3-torch / python3-torchvision (1.13 / 0.14):

    /usr/bin/python3 tools/reference/transfer/bench_faster_rcnn_torch.py [--threads 2] [--steps 3]

The model is torchvision's fasterrcnn_resnet50_fpn (random weights, FrozenBatchNorm, the stem and
layer1 frozen as trainable_backbone_layers=3 leaves them, 91 classes) with its transform's
resizing bypassed by giving it images already at the benchmarked size: batch 2 of 512 x 682
random images, 4 random boxes each; forward in training mode, the four losses, backward, SGD
(lr 0.02, momentum 0.9, weight decay 1e-4). Prints wall seconds per step, images/s and CPU
seconds per step (one warm-up step, then the mean of --steps) as `seconds=<s> cpu=<s>`.
"""
import argparse
import time

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.detection.fasterrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=91, trainable_backbone_layers=3,
        min_size=512, max_size=704,
    )
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.02, momentum=0.9, weight_decay=1e-4)
    images = [torch.rand(3, 512, 682) for _ in range(2)]
    generator = torch.Generator().manual_seed(1)
    targets = []
    for _ in range(2):
        xy = torch.rand(4, 2, generator=generator) * torch.tensor([500.0, 330.0])
        wh = 32 + torch.rand(4, 2, generator=generator) * 150
        targets.append({"boxes": torch.cat([xy, xy + wh], 1), "labels": torch.randint(1, 91, (4,), generator=generator)})
    walls, cpus = [], []
    for step in range(args.steps + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        losses = model(images, targets)
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        if step > 0:
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - started_cpu)
    wall = sum(walls) / len(walls)
    print(f"torchvision Faster R-CNN R50-FPN batch 2 at 512x682: {wall:.2f} s/step, {2 / wall:.3f} images/s")
    print(f"seconds={wall:.4f} cpu={sum(cpus) / len(cpus):.4f}")


if __name__ == "__main__":
    main()
