#!/usr/bin/python3
"""Time one PLRC training step in PyTorch on the CPU, for comparison with
packages/plugin-plrc/bench/plrc.bench.ts (`npm run bench -- plrc`, which runs this script first,
in the same run, and prints the ratio).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/plrc/bench_plrc_torch.py [--threads 2] [--steps 2] [--json]
        [--arch resnet50] [--size 224] [--batch 8] [--mask 56] [--hidden 2048] [--dim 128]
        [--bottleneck 256] [--prototypes 4096] [--queue 65536]

The step follows the official PLRC (facebookresearch/PLRC PLRC/models/builder.py, plrc_loss.py,
resnet.py, utils.py; re-written here from a reading of it, not copied), in one process: a
torchvision ResNet trunk (C5, no pooling) with the per-pixel heads fcs (Linear-ReLU-Linear, 128)
and fcs_2 (DINO head: three Linear layers with BN and ReLU to a 256-d bottleneck, normalised --
L1 for the key view, `dy=True` -- then a weight-normalised Linear to 4096 prototypes with g fixed
at 1) for the encoder and its momentum copy; the momentum update (m 0.999) before the key
forward; the query view through the encoder, key and extra views through the momentum encoder
without gradient; L_img (InfoNCE of the fcs spatial means against a 65,536-key queue, tau 0.2,
positive at index 0); L_point (grid_sample of 32 points of the shared region on the fcs maps,
key points reordered by argmax similarity, 16 kept, SupCon tau 0.2 scaled by 0.2/0.07); L_ts
(fcs_2 maps upsampled to 56 x 56, point pairs of the query and extra grids from the crops as
utils.overlap, student [affinities / 128 || logits] against the centred teacher, tau_s 0.1,
tau_t 0.04); L = 0.7 L_img + 0.3 L_point + 0.3 L_ts; backward; SGD (lr 0.03, momentum 0.9,
weight decay 1e-4); the enqueue and the centre update. No shuffle-BN (one process). The crops are
fixed and the same as the TypeScript bench's, so both sides compare the same number of pairs.
Prints wall seconds per step, images/s and CPU seconds per step (one warm-up step, then the mean
of --steps); with --json one JSON line.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# The source size and the crops [x0, y0, x1, y1) of the views, shared with plrc.bench.ts.
SOURCE = (320, 240)
CROPS = {'query': (32, 24, 288, 216), 'extra': (48, 36, 304, 228), 'key': (0, 0, 256, 192)}


class DinoHead(nn.Module):
    def __init__(self, inp, hidden, bottleneck, prototypes):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(inp, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                 nn.Linear(hidden, bottleneck))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck, prototypes, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False

    def forward(self, x, l1):
        z = F.normalize(self.mlp(x), dim=-1, p=1 if l1 else 2)
        return z, self.last_layer(z)


class Encoder(nn.Module):
    def __init__(self, arch, hidden, dim, bottleneck, prototypes):
        super().__init__()
        resnet = getattr(torchvision.models, arch)()
        self.trunk = nn.Sequential(*list(resnet.children())[:-2])
        channels = resnet.fc.in_features
        self.fcs = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, dim))
        self.fcs_2 = DinoHead(channels, hidden, bottleneck, prototypes)

    def forward(self, images, l1=False):
        c5 = self.trunk(images)
        b, c, h, w = c5.shape
        x = c5.permute(0, 2, 3, 1).reshape(-1, c)
        maps = [self.fcs(x), *self.fcs_2(x, l1)]
        return [m.reshape(b, h, w, -1).permute(0, 3, 1, 2) for m in maps]


def coord(box):
    w, h = SOURCE
    return [box[0] / (w - 1), box[1] / (h - 1), (box[2] - 1) / (w - 1), (box[3] - 1) / (h - 1)]


def overlap_pairs(cq, ck, size, batch):
    """utils.overlap: bins whose centres lie within half the larger bin diagonal."""
    cq, ck = torch.tensor([cq] * batch), torch.tensor([ck] * batch)
    grid = torch.arange(size, dtype=torch.float32) + 0.5

    def centres(c):
        bw, bh = (c[:, 2] - c[:, 0]) / size, (c[:, 3] - c[:, 1]) / size
        x = (grid[None, None, :] * bw[:, None, None] + c[:, 0, None, None]).expand(-1, size, size)
        y = (grid[None, :, None] * bh[:, None, None] + c[:, 1, None, None]).expand(-1, size, size)
        return x.reshape(batch, -1), y.reshape(batch, -1), torch.sqrt(bw ** 2 + bh ** 2)

    qx, qy, qd = centres(cq)
    kx, ky, kd = centres(ck)
    dist = torch.sqrt((qx[:, :, None] - kx[:, None, :]) ** 2 + (qy[:, :, None] - ky[:, None, :]) ** 2)
    return torch.nonzero(dist / torch.max(qd, kd)[:, None, None] < 0.5, as_tuple=True)


def supcon(points, temperature=0.2, base=0.07):
    """SupConLoss, contrast_mode 'all': points [B, V, C] normalised, one class per image."""
    b, v, c = points.shape
    flat = torch.cat(torch.unbind(points, 1), 0)
    logits = flat @ flat.t() / temperature
    logits = logits - logits.max(1, keepdim=True)[0].detach()
    same = torch.eye(b).repeat(v, v)
    not_self = 1 - torch.eye(b * v)
    same = same * not_self
    log_prob = logits - torch.log((torch.exp(logits) * not_self).sum(1, keepdim=True))
    return (-(temperature / base) * (same * log_prob).sum(1) / same.sum(1)).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--arch', default='resnet50')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--mask', type=int, default=56)
    parser.add_argument('--hidden', type=int, default=2048)
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--bottleneck', type=int, default=256)
    parser.add_argument('--prototypes', type=int, default=4096)
    parser.add_argument('--queue', type=int, default=65536)
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    b, s, m = args.batch, args.size, args.mask
    enc_q = Encoder(args.arch, args.hidden, args.dim, args.bottleneck, args.prototypes).train()
    # weight_norm's parameters cannot be deep-copied: a second encoder given the first's values.
    enc_k = Encoder(args.arch, args.hidden, args.dim, args.bottleneck, args.prototypes).train()
    enc_k.load_state_dict(enc_q.state_dict())
    for p in enc_k.parameters():
        p.requires_grad_(False)
    params = [p for p in enc_q.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.03, momentum=0.9, weight_decay=1e-4)
    queue = F.normalize(torch.randn(args.queue, args.dim), dim=1)
    center = torch.zeros(1, m * m + args.prototypes)
    views = {name: torch.randn(b, 3, s, s) for name in CROPS}
    pairs = overlap_pairs(coord(CROPS['query']), coord(CROPS['extra']), m, b)
    generator = torch.Generator().manual_seed(1)

    def up(x):
        return F.interpolate(x, size=(m, m), mode='bilinear').flatten(2).transpose(1, 2)  # [B, m*m, C]

    def step():
        nonlocal queue, center
        start, start_cpu = time.perf_counter(), time.process_time()
        # Points of the shared region (mask coordinates, normalised as the builder does).
        grid_q = torch.randint(0, m, (b, 16, 32, 2), generator=generator).float() / (m - 1) * 2 - 1
        grid_k = torch.randint(0, m, (b, 16, 32, 2), generator=generator).float() / (m - 1) * 2 - 1
        q1, qf, ql = enc_q(views['query'])
        with torch.no_grad():
            for pq, pk in zip(enc_q.parameters(), enc_k.parameters()):
                pk.data = pk.data * 0.999 + pq.data * 0.001
            k1, kf, _ = enc_k(views['key'], l1=True)
            _, ef, el = enc_k(views['extra'])
        # L_img.
        qm, km = F.normalize(q1.mean((2, 3)), dim=1), F.normalize(k1.mean((2, 3)), dim=1)
        logits = torch.cat([(qm * km).sum(1, keepdim=True), qm @ queue.t()], 1) / 0.2
        loss_img = F.cross_entropy(logits, torch.zeros(b, dtype=torch.long))
        # L_point.
        pq = F.grid_sample(q1, grid_q)[:, :, 0, :].transpose(1, 2)  # [B, 32, C]
        with torch.no_grad():
            pk = F.grid_sample(k1, grid_k)[:, :, 0, :].transpose(1, 2)
            best = (F.normalize(pk, dim=-1) @ F.normalize(pq, dim=-1).transpose(1, 2)).max(2)[1]
            pk = pk.gather(1, best[..., None].expand(-1, -1, pk.shape[2]))
        points = F.normalize(torch.cat([pk[:, :16], pq[:, :16]], 1), dim=-1)
        loss_point = supcon(points)
        # L_ts.
        bi, hw, hw_ = pairs
        kf_up = up(kf)
        student = torch.cat([torch.bmm(up(qf), kf_up.transpose(1, 2))[bi, hw] / 128.0, up(ql)[bi, hw]], 1)
        with torch.no_grad():
            teacher = torch.cat([torch.bmm(up(ef), kf_up.transpose(1, 2))[bi, hw_] / 128.0, up(el)[bi, hw_]], 1)
            target = F.softmax((teacher - center) / 0.04, dim=-1)
        loss_ts = torch.sum(-target * F.log_softmax(student / 0.1, dim=-1), dim=-1).mean()
        loss = 0.7 * loss_img + 0.3 * loss_point + 0.3 * loss_ts
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            queue = torch.cat([km, queue[:-b]], 0)
            center = center * 0.9 + teacher.mean(0, keepdim=True) * 0.1
        return loss.item(), time.perf_counter() - start, time.process_time() - start_cpu, len(bi)

    step()  # warm-up
    times, cpu = [], []
    for _ in range(args.steps):
        loss, wall, used, rows = step()
        times.append(wall)
        cpu.append(used)
    mean, mean_cpu = sum(times) / len(times), sum(cpu) / len(cpu)
    if args.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': mean,
                          'cpuSeconds': mean_cpu, 'steps': len(times), 'loss': loss, 'pairs': rows}))
        return
    print(f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads: PLRC {args.arch}@{s}, batch {b}, '
          f'{rows} point pairs: training step {mean:.2f} s wall = {b / mean:.2f} images/s; {mean_cpu:.1f} CPU-s '
          f'per step (mean of {len(times)}; loss {loss:.3f})')


if __name__ == '__main__':
    main()
