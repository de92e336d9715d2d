"""PyTorch counterpart of `packages/plugin-detreg/bench/detreg.bench.ts`: one DETReg pre-training
step — frozen torchvision ResNet (FrozenBatchNorm2d, no gradients) giving C3–C5 of the images and
the teacher's layer2 embedding (spatial mean) of every prior crop, Deformable DETR (4 levels, no box
refinement / two-stage; the CPU `ms_deform_attn_core_pytorch` path — grid_sample per level), class /
box heads on every decoder layer and feature_embed on the last, DETReg's Hungarian-matched loss
(detreg_torch.py: focal 2, L1 5, GIoU 2, embedding L1 1), backward, clip_grad_norm_ 0.1, AdamW
(lr 2e-4, weight decay 1e-4, reference_points / sampling_offsets at 0.1×), torch.set_num_threads(2).

Run: /usr/bin/python3 tools/reference/detreg/bench_detreg_torch.py [--json] [--arch resnet50]
     [--width 554 --height 416 --batch 8 --priors 30 --crop 128 --queries 300 --layers 6]
Prints the mean s/step of the timed steps (after one warm-up) on stderr and, with --json,
{torch, threads, seconds, cpuSeconds} on stdout — `npm run bench -- detreg` runs it that way.
Written here following amirbar/DETReg; not copied.
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
from bench_detr_torch import DefDecLayer, DefEncLayer, sine_pos  # noqa: E402
from detreg_torch import MLP, detreg_loss, inverse_sigmoid  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(0)
CHANNELS = {'resnet18': (128, 256, 512), 'resnet50': (512, 1024, 2048)}


class DetregDeformableDETR(nn.Module):
    def __init__(self, channels, d=256, heads=8, ff=1024, layers=6, queries=300, levels=4, classes=91, embed=512):
        super().__init__()
        self.input_proj = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, d, 1), nn.GroupNorm(32, d)) for c in channels]
            + [nn.Sequential(nn.Conv2d(channels[-1], d, 3, 2, 1), nn.GroupNorm(32, d))])
        self.level_embed = nn.Parameter(torch.randn(levels, d))
        self.query_embed = nn.Embedding(queries, 2 * d)
        self.encoder = nn.ModuleList(DefEncLayer(d, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DefDecLayer(d, heads, ff) for _ in range(layers))
        self.reference_points = nn.Linear(d, 2)
        self.class_embed = nn.Linear(d, classes)
        self.bbox_embed = MLP(d, d, 4, 3)
        self.feature_embed = MLP(d, d, embed, 2)

    def forward(self, c3, c4, c5):
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
        query_pos, tgt = self.query_embed.weight.split(memory.shape[-1], 1)
        query_pos, tgt = query_pos[None].expand(b, -1, -1), tgt[None].expand(b, -1, -1)
        ref = self.reference_points(query_pos).sigmoid()
        dec_ref = ref[:, :, None].repeat(1, 1, len(shapes), 1)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, query_pos, dec_ref, memory, shapes, pad)
            hs.append(tgt)
        hs = torch.stack(hs)
        raw = self.bbox_embed(hs)
        raw = torch.cat([raw[..., :2] + inverse_sigmoid(ref), raw[..., 2:]], -1)
        return self.class_embed(hs), raw.sigmoid(), self.feature_embed(hs[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='resnet50', choices=sorted(CHANNELS))
    p.add_argument('--width', type=int, default=554)
    p.add_argument('--height', type=int, default=416)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--priors', type=int, default=30)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--queries', type=int, default=300)
    p.add_argument('--layers', type=int, default=6)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--json', action='store_true')
    a = p.parse_args()

    cnn = getattr(torchvision.models, a.arch)(norm_layer=torchvision.ops.FrozenBatchNorm2d)
    for param in cnn.parameters():
        param.requires_grad_(False)
    cnn.eval()
    model = DetregDeformableDETR(CHANNELS[a.arch], layers=a.layers, queries=a.queries,
                                 embed=CHANNELS[a.arch][0]).train()
    slow = [prm for n, prm in model.named_parameters() if 'reference_points' in n or 'sampling_offsets' in n]
    fast = [prm for n, prm in model.named_parameters() if not ('reference_points' in n or 'sampling_offsets' in n)]
    opt = torch.optim.AdamW([{'params': fast}, {'params': slow, 'lr': 2e-5}], lr=2e-4, weight_decay=1e-4)
    images = torch.randn(a.batch, 3, a.height, a.width)
    crops = torch.randn(a.batch * a.priors, 3, a.crop, a.crop)
    g = torch.Generator().manual_seed(1)
    targets = []
    for _ in range(a.batch):
        xy = torch.rand(a.priors, 2, generator=g) * 0.6
        wh = torch.rand(a.priors, 2, generator=g) * 0.35 + 0.05
        targets.append({'labels': torch.ones(a.priors, dtype=torch.int64),
                        'boxes': torch.cat([xy + wh / 2, wh], 1)})

    def levels(x):
        x = cnn.maxpool(cnn.relu(cnn.bn1(cnn.conv1(x))))
        c3 = cnn.layer2(cnn.layer1(x))
        c4 = cnn.layer3(c3)
        return c3, c4, cnn.layer4(c4)

    def step():
        with torch.no_grad():
            c3, c4, c5 = levels(images)
            # The teacher (build_swav_backbone_old): layer2 of the same frozen CNN, spatially averaged.
            embeddings = cnn.layer2(cnn.layer1(cnn.maxpool(cnn.relu(cnn.bn1(cnn.conv1(crops)))))).mean((2, 3))
        for i, t in enumerate(targets):
            t['patches'] = embeddings[i * a.priors:(i + 1) * a.priors]
        logits, boxes, features = model(c3, c4, c5)
        outputs = {'pred_logits': logits[-1], 'pred_boxes': boxes[-1], 'pred_features': features,
                   'aux_outputs': [{'pred_logits': logits[i], 'pred_boxes': boxes[i]} for i in range(len(logits) - 1)]}
        weights = {'loss_ce': 2.0, 'loss_bbox': 5.0, 'loss_giou': 2.0, 'loss_object_embedding': 1.0}
        loss, _, _ = detreg_loss(outputs, targets, True, 91, weights)
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
    print(f'PyTorch {torch.__version__} DETReg step, {a.arch}, batch {a.batch} at {a.width}x{a.height}, '
          f'{a.priors} priors of {a.crop}px: {seconds:.2f} s/step, {a.batch / seconds:.3f} images/s', file=sys.stderr)
    if a.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                          'seconds': seconds, 'cpuSeconds': cpu_seconds}))


if __name__ == '__main__':
    main()
