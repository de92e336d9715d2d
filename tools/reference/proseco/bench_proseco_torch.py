"""PyTorch counterpart of `packages/plugin-proseco/bench/proseco.bench.ts`: one ProSeCo pre-training
step — the frozen torchvision ResNet (FrozenBatchNorm2d, no gradients) on the strong (student) and
the weak (teacher) view, two Deformable DETR copies (4 levels, no box refinement / two-stage; the
CPU `ms_deform_attn_core_pytorch` path) with a 2-layer feature_embed on the last decoder layer, the
teacher under no_grad in eval mode; the student's Hungarian-matched focal 2 + L1 5 + GIoU 2 on every
decoder layer against the Selective Search boxes (detreg_torch.match / layer_losses), the
student ↔ teacher matching and LocInfoNCE over the batch (proseco_torch.proseco_contrast, δ 0.5,
τ 0.1), backward, clip_grad_norm_ 0.1, AdamW (lr 2e-4, weight decay 1e-4, reference_points /
sampling_offsets at 0.1×), then the teacher's EMA update (m 0.999); torch.set_num_threads(2).

Run: /usr/bin/python3 tools/reference/proseco/bench_proseco_torch.py [--json] [--arch resnet50]
     [--width 554 --height 416 --batch 8 --priors 30 --queries 300 --layers 6]
Prints the mean s/step of the timed steps (after one warm-up) on stderr and, with --json,
{torch, threads, seconds, cpuSeconds} on stdout — `npm run bench -- proseco` runs it that way.
"""
import argparse
import copy
import json
import os
import sys
import time

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'detreg'))
sys.path.insert(0, os.path.join(HERE, '..', 'detr'))
from bench_detreg_torch import CHANNELS, DetregDeformableDETR  # noqa: E402
from detreg_torch import layer_losses, match  # noqa: E402
from proseco_torch import proseco_contrast  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(0)


def localization_loss(logits, boxes, targets):
    """focal 2 + L1 5 + GIoU 2 on every decoder layer (Deformable DETR's SetCriterion)."""
    num_boxes = max(float(sum(len(t['labels']) for t in targets)), 1.0)
    weights = {'loss_ce': 2.0, 'loss_bbox': 5.0, 'loss_giou': 2.0}
    total = 0.0
    for layer in range(logits.shape[0]):
        outputs = {'pred_logits': logits[layer], 'pred_boxes': boxes[layer]}
        indices = match(outputs, targets, True, 2.0)
        terms = layer_losses(outputs, targets, indices, num_boxes, True, logits.shape[-1], 0.1, False)
        total = total + sum(weights[k] * v for k, v in terms.items())
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='resnet50', choices=sorted(CHANNELS))
    p.add_argument('--width', type=int, default=554)
    p.add_argument('--height', type=int, default=416)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--priors', type=int, default=30)
    p.add_argument('--queries', type=int, default=300)
    p.add_argument('--layers', type=int, default=6)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--json', action='store_true')
    a = p.parse_args()

    cnn = getattr(torchvision.models, a.arch)(norm_layer=torchvision.ops.FrozenBatchNorm2d)
    for param in cnn.parameters():
        param.requires_grad_(False)
    cnn.eval()
    student = DetregDeformableDETR(CHANNELS[a.arch], layers=a.layers, queries=a.queries, embed=256).train()
    teacher = copy.deepcopy(student).eval()
    for param in teacher.parameters():
        param.requires_grad_(False)
    slow = [prm for n, prm in student.named_parameters() if 'reference_points' in n or 'sampling_offsets' in n]
    fast = [prm for n, prm in student.named_parameters() if not ('reference_points' in n or 'sampling_offsets' in n)]
    opt = torch.optim.AdamW([{'params': fast}, {'params': slow, 'lr': 2e-5}], lr=2e-4, weight_decay=1e-4)
    strong = torch.randn(a.batch, 3, a.height, a.width)
    weak = torch.randn(a.batch, 3, a.height, a.width)
    g = torch.Generator().manual_seed(1)
    targets = []
    for _ in range(a.batch):
        xy = torch.rand(a.priors, 2, generator=g) * 0.6
        wh = torch.rand(a.priors, 2, generator=g) * 0.35 + 0.05
        targets.append({'labels': torch.ones(a.priors, dtype=torch.int64), 'boxes': torch.cat([xy + wh / 2, wh], 1)})

    def levels(x):
        x = cnn.maxpool(cnn.relu(cnn.bn1(cnn.conv1(x))))
        c3 = cnn.layer2(cnn.layer1(x))
        c4 = cnn.layer3(c3)
        return c3, c4, cnn.layer4(c4)

    def step():
        with torch.no_grad():
            student_levels = levels(strong)
            _, teacher_boxes, teacher_emb = teacher(*levels(weak))
        logits, boxes, features = student(*student_levels)
        loss = localization_loss(logits, boxes, targets)
        contrast, _, _ = proseco_contrast(boxes[-1], features, teacher_boxes[-1], teacher_emb, 0.5, 0.1)
        loss = loss + contrast
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 0.1)
        opt.step()
        with torch.no_grad():
            for s, t in zip(student.parameters(), teacher.parameters()):
                t.mul_(0.999).add_(s, alpha=0.001)

    step()  # warm-up (oneDNN primitive creation)
    walls, cpus = [], []
    for _ in range(a.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    seconds, cpu_seconds = sum(walls) / len(walls), sum(cpus) / len(cpus)
    print(f'PyTorch {torch.__version__} ProSeCo step, {a.arch}, batch {a.batch} at {a.width}x{a.height}, '
          f'{a.priors} priors, {a.queries} queries: {seconds:.2f} s/step, {a.batch / seconds:.3f} images/s',
          file=sys.stderr)
    if a.json:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                          'seconds': seconds, 'cpuSeconds': cpu_seconds}))


if __name__ == '__main__':
    main()
