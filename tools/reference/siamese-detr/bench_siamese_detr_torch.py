#!/usr/bin/python3
"""PyTorch counterpart of `packages/plugin-siamese-detr/bench/siamese-detr.bench.ts`: one Siamese
DETR pre-training step — frozen torchvision ResNet (FrozenBatchNorm2d, no gradients) on both views
and on the 2·M region crops of every image; region queries by torchvision's RoIAlign 7×7 on view A
(B) features (C5 at 1/32, or C3–C5 at 1/8, 1/16, 1/32 concatenated for Deformable), avg-pooled,
patch2query, repeated Q/M times + query_embed; the transformer twice (A's queries on B's memory, B's
on A's); class / box / feature_align heads on every decoder layer; SiamDETRCriterion per direction
(siamese_detr_torch.py: CE 1, L1 5, GIoU 2, feature 3, ÷ bs·M, aux layers), averaged 0.5/0.5; the
global head (NonLinearNeckV3 projector, NonLinearNeckV2 predictor) on the pooled memories, ×10;
backward, clip_grad_norm_ 0.1, AdamW (lr 1e-4, wd 1e-4), torch.set_num_threads(2).

Run: /usr/bin/python3 tools/reference/siamese-detr/bench_siamese_detr_torch.py [--json]
     [--detector detr|deformable-detr] [--arch resnet50] [--width 480 --height 360 --batch 8
     --patches 10 --crop 128 --queries 100 --layers 6]
Prints the mean s/step of the timed steps (after one warm-up) on stderr and, with --json,
{torch, threads, seconds, cpuSeconds} on stdout — `npm run bench -- siamese-detr` runs it that way.
Written here following Zx55/SiameseDETR; not copied.
"""
import argparse
import json
import os
import sys
import time

import torch
import torchvision
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'detr'))
from bench_detr_torch import DecLayer, DefDecLayer, DefEncLayer, EncLayer, sine_pos  # noqa: E402
from siamese_detr_torch import GlobalHead, PredictHead, align_and_proj, direction_loss, global_loss  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(0)
CHANNELS = {'resnet18': (128, 256, 512), 'resnet50': (512, 1024, 2048)}


class VanillaTR(nn.Module):
    """VanillaTR (post-norm DETR transformer): returns hs [L, B, Q, d] and memory [B, d, H, W]."""

    def __init__(self, c5, d=256, heads=8, ff=2048, layers=6):
        super().__init__()
        self.input_proj = nn.Conv2d(c5, d, 1)
        self.encoder = nn.ModuleList(EncLayer(d, heads, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DecLayer(d, heads, ff) for _ in range(layers))
        self.decoder_norm = nn.LayerNorm(d)

    def forward(self, levels, query_pos):
        c5 = levels[-1]
        b, _, h, w = c5.shape
        mask = torch.ones(b, h, w)
        pos = sine_pos(mask).flatten(2).permute(2, 0, 1)
        src = self.input_proj(c5).flatten(2).permute(2, 0, 1)
        pad = mask.flatten(1) == 0
        for layer in self.encoder:
            src = layer(src, pos, pad)
        tgt = torch.zeros_like(query_pos)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, src, pos, query_pos, pad)
            hs.append(self.decoder_norm(tgt))
        memory = src.permute(1, 2, 0).reshape(b, -1, h, w)
        return torch.stack(hs).transpose(1, 2), None, memory.mean((2, 3))


class DeformableTR(nn.Module):
    """DeformableTR (multi-scale, tgt_embed, no refinement): hs, reference points, pooled memory of
    the first three levels concatenated."""

    def __init__(self, channels, d=256, heads=8, ff=1024, layers=6, queries=300, levels=4):
        super().__init__()
        self.input_proj = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, d, 1), nn.GroupNorm(32, d)) for c in channels]
            + [nn.Sequential(nn.Conv2d(channels[-1], d, 3, 2, 1), nn.GroupNorm(32, d))])
        self.level_embed = nn.Parameter(torch.randn(levels, d))
        self.tgt_embed = nn.Embedding(queries, d)
        self.encoder = nn.ModuleList(DefEncLayer(d, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DefDecLayer(d, heads, ff) for _ in range(layers))
        self.reference_points = nn.Linear(d, 2)

    def forward(self, levels, query_pos):
        c3, c4, c5 = levels
        srcs = [proj(f) for proj, f in zip(self.input_proj[:3], (c3, c4, c5))] + [self.input_proj[3](c5)]
        b = c5.shape[0]
        shapes = [tuple(s.shape[-2:]) for s in srcs]
        masks = [torch.ones(b, h, w) for h, w in shapes]
        src = torch.cat([s.flatten(2).transpose(1, 2) for s in srcs], 1)
        pos = torch.cat([sine_pos(m, num_feats=src.shape[-1] // 2, offset=-0.5).flatten(2).transpose(1, 2)
                         + self.level_embed[lvl] for lvl, m in enumerate(masks)], 1)
        pad = torch.cat([m.flatten(1) == 0 for m in masks], 1)
        refs = []
        for h, w in shapes:
            ry, rx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h) / h, torch.linspace(0.5, w - 0.5, w) / w,
                                    indexing='ij')
            refs.append(torch.stack([rx.reshape(-1), ry.reshape(-1)], -1))
        enc_ref = torch.cat(refs, 0)[None, :, None].repeat(b, 1, len(shapes), 1)
        memory = src
        for layer in self.encoder:
            memory = layer(memory, pos, enc_ref, shapes, pad)
        qp = query_pos.transpose(0, 1)  # [B, Q, d]
        tgt = self.tgt_embed.weight[None].expand(b, -1, -1)
        ref = self.reference_points(qp).sigmoid()
        dec_ref = ref[:, :, None].repeat(1, 1, len(shapes), 1)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, qp, dec_ref, memory, shapes, pad)
            hs.append(tgt)
        pooled, start = [], 0
        for h, w in shapes[:3]:
            pooled.append(memory[:, start:start + h * w].mean(1))
            start += h * w
        return torch.stack(hs), ref, torch.cat(pooled, 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--detector', default='detr', choices=['detr', 'deformable-detr'])
    p.add_argument('--arch', default='resnet50', choices=sorted(CHANNELS))
    p.add_argument('--width', type=int, default=480)
    p.add_argument('--height', type=int, default=360)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--patches', type=int, default=10)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--queries', type=int, default=100)
    p.add_argument('--layers', type=int, default=6)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--json', action='store_true')
    a = p.parse_args()
    deformable = a.detector == 'deformable-detr'
    channels = CHANNELS[a.arch]
    feat_channels = sum(channels) if deformable else channels[-1]
    strides = (8, 16, 32) if deformable else (32,)

    cnn = getattr(torchvision.models, a.arch)(norm_layer=torchvision.ops.FrozenBatchNorm2d)
    for param in cnn.parameters():
        param.requires_grad_(False)
    cnn.eval()
    d = 256
    transformer = (DeformableTR(channels, layers=a.layers, queries=a.queries) if deformable
                   else VanillaTR(channels[-1], layers=a.layers))
    head = PredictHead(d, feat_channels)
    global_head = GlobalHead(d * (3 if deformable else 1), 256, 256)
    patch2query = nn.Linear(feat_channels, d)
    query_embed = nn.Embedding(a.queries, d)
    model = nn.ModuleList([transformer, head, global_head, patch2query, query_embed]).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)

    view_a = torch.randn(a.batch, 3, a.height, a.width)
    view_b = torch.randn(a.batch, 3, a.height, a.width)
    crops = torch.randn(2, a.batch * a.patches, 3, a.crop, a.crop)
    g = torch.Generator().manual_seed(1)

    def random_boxes():
        xy = torch.rand(a.batch, a.patches, 2, generator=g) * 0.6
        wh = torch.rand(a.batch, a.patches, 2, generator=g) * 0.35 + 0.05
        scale = torch.tensor([a.width, a.height, a.width, a.height], dtype=torch.float32)
        return torch.cat([xy, xy + wh], -1) * scale

    boxes_a, boxes_b = random_boxes(), random_boxes()
    img_size = torch.tensor([[a.height, a.width]] * a.batch, dtype=torch.float32)

    def levels(x):
        with torch.no_grad():
            x = cnn.maxpool(cnn.relu(cnn.bn1(cnn.conv1(x))))
            c3 = cnn.layer2(cnn.layer1(x))
            c4 = cnn.layer3(c3)
            c5 = cnn.layer4(c4)
        return [c3, c4, c5] if deformable else [c5]

    def step():
        feats_a, feats_b = levels(view_a), levels(view_b)
        with torch.no_grad():
            gt_a = torch.cat([f.mean((2, 3)) for f in levels(crops[0])], 1)
            gt_b = torch.cat([f.mean((2, 3)) for f in levels(crops[1])], 1)
        q_a = align_and_proj(feats_a, strides, list(boxes_a), patch2query, query_embed.weight, a.queries)
        q_b = align_and_proj(feats_b, strides, list(boxes_b), patch2query, query_embed.weight, a.queries)
        hs_a, ref_a, mem_b = transformer(feats_b, q_a)
        hs_b, ref_b, mem_a = transformer(feats_a, q_b)
        loss_a, _, _ = direction_loss(head, hs_a, ref_a, boxes_b, img_size, gt_a)
        loss_b, _, _ = direction_loss(head, hs_b, ref_b, boxes_a, img_size, gt_b)
        loss = sum(0.5 * loss_a[k] + 0.5 * loss_b[k] for k in loss_a) + 10 * global_loss(global_head, mem_a, mem_b)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        opt.step()

    step()  # warm-up (oneDNN primitive creation)
    walls, cpus = [], []
    for _ in range(a.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    seconds, cpu_seconds = sum(walls) / len(walls), sum(cpus) / len(cpus)
    print(f'PyTorch {torch.__version__} Siamese DETR step ({a.detector}, {a.arch}), batch {a.batch} at '
          f'{a.width}x{a.height} ×2 views, {a.patches} regions + crops of {a.crop}px: {seconds:.2f} s/step, '
          f'{a.batch / seconds:.3f} images/s', file=sys.stderr)
    if a.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                          'seconds': seconds, 'cpuSeconds': cpu_seconds}))


if __name__ == '__main__':
    main()
