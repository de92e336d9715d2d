#!/usr/bin/python3
"""Time one DetCon-B training step in PyTorch on the CPU, for comparison with
packages/plugin-detcon/bench/detcon.bench.ts (`npm run bench -- detcon`, which runs this script
first, in the same run, and prints the ratio).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/detcon/bench_detcon_torch.py [--threads 2] [--steps 2] [--json]
        [--arch resnet50] [--size 224] [--batch 8] [--samples 16] [--hidden 4096] [--dim 256]

The step follows the official DetCon-B (google-deepmind/detcon detcon_b.py, utils/losses.py,
utils/optimizers.py; re-written here in PyTorch from a reading of it, not copied): a torchvision
ResNet without its final pooling for the online and the target network; per view, the 7 x 7 grid
of mask ids from a random block mask (one-hot -> 32 x 32 average pool -> argmax), 16 ids sampled
per image among those present, mask pooling of C5; projector and predictor Linear-BN-ReLU-Linear
(hidden 4096, out 256, no bias on the last layer); the symmetrised byol_nce_detcon with
temperature 0.1; backward; LARS (lr 0.2 x batch / 256, momentum 0.9, weight decay 1.5e-6,
eta 1e-3; biases and BatchNorm parameters excluded from decay and adaptation); the EMA update of
the target (tau 0.996). Prints wall seconds per step, images/s and CPU seconds per step (one
warm-up step, then the mean of --steps); with --json one JSON line.
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

TAU, EMA, CELL, MAX_ID = 0.1, 0.996, 32, 256


def mlp(inp, hidden, out):
    return nn.Sequential(nn.Linear(inp, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                         nn.Linear(hidden, out, bias=False))


class Encoder(nn.Module):
    def __init__(self, arch, hidden, dim):
        super().__init__()
        resnet = getattr(torchvision.models, arch)()
        self.trunk = nn.Sequential(*list(resnet.children())[:-2])  # no avgpool, no fc
        channels = resnet.fc.in_features
        self.projector = mlp(channels, hidden, dim)

    def forward(self, images, masks):
        """images [B, 3, H, W], masks [B, K, h*w] binary -> projections [B, K, dim]."""
        c5 = self.trunk(images)
        b, c, h, w = c5.shape
        pooled = torch.matmul(masks / masks.sum(-1, keepdim=True).clamp(min=1.0),
                              c5.flatten(2).transpose(1, 2))
        return self.projector(pooled.reshape(-1, c)).reshape(b, masks.shape[1], -1)


def grid_ids(labels):
    """[B, H, W] ids -> [B, cells] ids, as the official create_binary_mask."""
    b, h, w = labels.shape
    one_hot = F.one_hot(labels.long() % MAX_ID, MAX_ID).permute(0, 3, 1, 2).float()
    pooled = F.avg_pool2d(one_hot, CELL, CELL)
    return pooled.flatten(2).argmax(1)


def sample(grid, k, generator):
    ids = []
    for row in grid:
        present = torch.unique(row)
        ids.append(present[torch.randint(0, len(present), (k,), generator=generator)])
    ids = torch.stack(ids)
    return ids, (grid[:, None, :] == ids[:, :, None]).float()


def byol_nce_detcon(p1, p2, t1, t2, i1, i2):
    b, k, _ = p1.shape

    def same(a, c):
        return (a[:, :, None] == c[:, None, :]).float()[:, :, None, :]

    p1, p2, t1, t2 = (F.normalize(x, dim=-1) for x in (p1, p2, t1, t2))
    local = torch.eye(b)[:, None, :, None]

    def direction(p, t_other, t_own, ids, other_ids):
        own = torch.einsum('abk,uvk->abuv', p, t_own) / TAU - 1e9 * local * same(ids, ids)
        cross = torch.einsum('abk,uvk->abuv', p, t_other) / TAU
        labels = torch.cat([local * same(ids, other_ids), torch.zeros(b, k, b, k)], 2).reshape(b, k, -1)
        npos = labels.sum(-1, keepdim=True)
        labels = labels / npos.clamp(min=1.0)
        weights = (npos[..., 0] > 1e-3).float() / same(ids, ids).sum((2, 3))
        logits = torch.cat([cross, own], 2).reshape(b, k, -1)
        return torch.mean(-weights * (labels * F.log_softmax(logits, -1)).sum(-1))

    return direction(p1, t2, t1, i1, i2) + direction(p2, t1, t2, i2, i1)


class Lars:
    """optax-style LARS of the official code: decay and trust ratio on >1-D weights only."""

    def __init__(self, params, lr, momentum=0.9, weight_decay=1.5e-6, eta=1e-3):
        self.params = list(params)
        self.lr, self.momentum, self.wd, self.eta = lr, momentum, weight_decay, eta
        self.buffers = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        for p, buf in zip(self.params, self.buffers):
            g = p.grad
            if p.ndim > 1:
                g = g + self.wd * p
                pn, gn = p.norm(), g.norm()
                if pn > 0 and gn > 0:
                    g = g * (self.eta * pn / gn)
            buf.mul_(self.momentum).add_(g)
            p.sub_(self.lr * buf)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--arch', default='resnet50')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--samples', type=int, default=16)
    parser.add_argument('--hidden', type=int, default=4096)
    parser.add_argument('--dim', type=int, default=256)
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    online = Encoder(args.arch, args.hidden, args.dim).train()
    predictor = mlp(args.dim, args.hidden, args.dim).train()
    target = copy.deepcopy(online).train()
    for p in target.parameters():
        p.requires_grad_(False)
    optimizer = Lars(list(online.parameters()) + list(predictor.parameters()), lr=0.2 * args.batch / 256)
    b, s = args.batch, args.size
    views = [torch.randn(b, 3, s, s), torch.randn(b, 3, s, s)]
    # Block masks of 16 x 16-pixel squares with ids 0..11; view 2 sees view 1's mask mirrored, so
    # the views share masks as two crops of one image do.
    first = (torch.randint(0, 12, (b, s // 16, s // 16), generator=generator)
             .repeat_interleave(16, 1).repeat_interleave(16, 2))
    labels = [first, first.flip(2)]

    def step():
        start, start_cpu = time.perf_counter(), time.process_time()
        sampled = [sample(grid_ids(m), args.samples, generator) for m in labels]
        preds = []
        for image, (_, masks) in zip(views, sampled):
            z = online(image, masks)
            preds.append(predictor(z.reshape(-1, z.shape[-1])).reshape(z.shape))
        with torch.no_grad():
            targets = [target(image, masks) for image, (_, masks) in zip(views, sampled)]
        loss = byol_nce_detcon(preds[0], preds[1], targets[0], targets[1], sampled[0][0], sampled[1][0])
        for p in optimizer.params:
            p.grad = None
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for p_o, p_t in zip(online.parameters(), target.parameters()):
                p_t.mul_(EMA).add_(p_o, alpha=1 - EMA)
        return loss.item(), time.perf_counter() - start, time.process_time() - start_cpu

    step()  # warm-up
    times, cpu = [], []
    for _ in range(args.steps):
        loss, wall, used = step()
        times.append(wall)
        cpu.append(used)
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': mean,
                          'cpuSeconds': mean_cpu, 'steps': len(times), 'loss': loss}))
        return
    print(f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads: DetCon-B {args.arch}@{s}, '
          f'batch {b}: training step {mean:.2f} s wall = {b / mean:.2f} images/s; {mean_cpu:.1f} CPU-s per step '
          f'(mean of {len(times)}; loss {loss:.3f})')


if __name__ == '__main__':
    main()
