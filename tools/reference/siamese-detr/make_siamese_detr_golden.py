#!/usr/bin/python3
"""Golden fixtures for @ssdet/plugin-siamese-detr.

Run (dev-time only; the tests read the JSON this writes and never run Python):
    /usr/bin/python3 tools/reference/siamese-detr/make_siamese_detr_golden.py
Needs Debian's python3-torch (1.13), python3-torchvision (0.14, roi_align) and python3-scipy.
Writes tools/reference/fixtures/siamese-detr/golden.json.

What it checks, with our own PyTorch code (siamese_detr_torch.py) following Zx55/SiameseDETR:
  criterion   one direction of SiamDETRCriterion on fixed decoder outputs hs [L, B, Q, d] through
              class_embed / bbox_embed / feature_align (weights in ssdet's layout, Linear [in, out]),
              target boxes in view pixels + img_size, gt features: per layer the Hungarian matching
              and loss_ce (3 logits, eos 0.1), loss_bbox, loss_giou, loss_feature (÷ bs·M), weights
              1/5/2/3 on every layer; once plain (vanilla DETR) and once with Deformable reference
              points. Stores every raw term, the weighted sums, matches and d total / d hs.
  global      SiameseDETREncoderGlobalLatentHead on fixed pooled memories of both views (training-mode
              BN): the loss and its gradient w.r.t. both inputs.
  queries     align_and_proj on fixed feature maps and boxes: single level (stride 32) and the
              multi-scale variant (strides 8/16/32 concatenated) → query_pos [B, Q, d].
  disturb     add_randomness_on_multiview_box with fixed normal draws.
  boxes       gen_two_boxes_in_outerbox_with_iou with fixed uniform draws, then the dataset's box
              selection (clip to the intersection, map into view 1, area filter, map into view 2,
              first M − 1, jittered padding with fixed normal draws, intersection first), on
              proposals that went through RandomResize and the horizontal flip.
"""
import json
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from siamese_detr_torch import (PredictHead, GlobalHead, align_and_proj, direction_loss, disturb,  # noqa: E402
                                global_loss, select_boxes, two_boxes_in_outer, views_frame)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'siamese-detr')
torch.manual_seed(0)
np.random.seed(0)
random.seed(0)


def arr(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {'shape': list(t.shape), 'data': [round(float(v), 8) for v in t.reshape(-1).tolist()]}


def ours(prefix, module):
    """state_dict under ssdet's names and layout (Linear weights transposed to [in, out])."""
    out = {}
    for name, p in module.state_dict().items():
        if name.endswith('num_batches_tracked'):
            continue
        out[f'{prefix}.{name}'] = arr(p.t() if p.dim() == 2 else p)
    return out


def random_boxes(batch, m, sizes):
    out = []
    for (h, w) in sizes:
        x0 = torch.rand(m) * w * 0.6
        y0 = torch.rand(m) * h * 0.6
        bw = (torch.rand(m) * 0.35 + 0.05) * w
        bh = (torch.rand(m) * 0.35 + 0.05) * h
        out.append(torch.stack([x0, y0, x0 + bw, y0 + bh], -1))
    return torch.stack(out)


def criterion_case(deformable, layers=3, batch=2, queries=12, m=4, d=16, channels=24):
    head = PredictHead(d, channels)
    hs = torch.randn(layers, batch, queries, d, requires_grad=True)
    ref = torch.rand(batch, queries, 2) * 0.9 + 0.05 if deformable else None
    sizes = [(48, 64), (56, 40)]
    img_size = torch.tensor(sizes, dtype=torch.float32)
    target_box = random_boxes(batch, m, sizes)
    gt = torch.relu(torch.randn(batch * m, channels)) + 0.01
    summed, raw, matches = direction_loss(head, hs, ref, target_box, img_size, gt)
    total = sum(summed.values())
    total.backward()
    weights = {}
    weights.update(ours('class_embed', head.class_embed))
    weights.update(ours('bbox_embed', head.bbox_embed))
    weights.update(ours('feature_align', head.feature_align))
    return {
        'numQueries': queries, 'numPatches': m, 'weights': weights, 'hs': arr(hs),
        'referencePoints': arr(ref) if deformable else None,
        'targetBoxes': arr(target_box), 'imageSizes': [[w, h] for (h, w) in sizes], 'gtFeature': arr(gt),
        'raw': {k: float(v) for k, v in raw.items()},
        'weighted': {k: float(v) for k, v in summed.items()},
        'total': float(total),
        'matches': [[{'predictions': s.tolist(), 'targets': t.tolist()} for s, t in layer] for layer in matches],
        'gradHs': arr(hs.grad),
    }


def global_case(batch=4, in_dim=24, hid=16, out=12):
    head = GlobalHead(in_dim, hid, out)
    with torch.no_grad():  # non-trivial BN affine parameters
        for mod in head.modules():
            if isinstance(mod, torch.nn.BatchNorm1d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    head.train()
    a = torch.randn(batch, in_dim, requires_grad=True)
    b = torch.randn(batch, in_dim, requires_grad=True)
    loss = global_loss(head, a, b)
    loss.backward()
    weights = {}
    weights.update(ours('projector', head.projector))
    weights.update(ours('predictor', head.predictor))
    return {'inDim': in_dim, 'hiddenDim': hid, 'outDim': out, 'weights': weights, 'pooledA': arr(a), 'pooledB': arr(b),
            'loss': float(loss), 'gradA': arr(a.grad), 'gradB': arr(b.grad)}


def query_case(strides, channels, batch=2, m=4, queries=8, d=6, image=(160, 192)):
    h, w = image
    maps = [torch.randn(batch, c, h // s, w // s) for c, s in zip(channels, strides)]
    boxes = random_boxes(batch, m, [image] * batch)
    boxes[0, 0] = torch.tensor([0.0, 0.0, float(w), float(h)])  # the whole view
    boxes[1, 1] = torch.tensor([10.0, 12.0, 13.0, 14.0])  # smaller than a stride-32 cell
    patch2query = torch.nn.Linear(sum(channels), d)
    query_embed = torch.randn(queries, d)
    with torch.no_grad():
        q = align_and_proj(maps, strides, list(boxes), patch2query, query_embed, queries)
    weights = ours('patch2query', patch2query)
    weights['query_embed.weight'] = arr(query_embed)
    return {'strides': list(strides), 'numQueries': queries, 'numPatches': m, 'weights': weights,
            'features': [arr(f.permute(0, 2, 3, 1)) for f in maps],  # NHWC
            'boxes': arr(boxes), 'queryPos': arr(q.permute(1, 0, 2))}


def disturb_case(n=6):
    box = random_boxes(1, n, [(50, 70)])[0]
    box[0] = torch.tensor([0.0, 0.0, 70.0, 50.0])  # pushed past the view: clamped
    normals = torch.randn(n, 4) * 2
    size = torch.tensor([50.0, 70.0])  # H, W
    return {'boxes': arr(box), 'normals': arr(normals), 'width': 70, 'height': 50,
            'disturbed': arr(disturb(box, size, normals))}


def boxes_case(count, seed, original=(200, 150), resized=(240, 180), flip=True, tiny=False):
    g = torch.Generator().manual_seed(seed)
    W0, H0 = original
    w1, h1 = resized
    x0 = torch.rand(count, generator=g) * W0 * 0.8
    y0 = torch.rand(count, generator=g) * H0 * 0.8
    bw = (torch.rand(count, generator=g) * 0.5 + 0.02) * W0
    bh = (torch.rand(count, generator=g) * 0.5 + 0.02) * H0
    if tiny:  # every proposal below 0.05 × the intersection's area: nothing survives
        bw, bh = bw * 0.1, bh * 0.1
    proposals = torch.stack([x0, y0, (x0 + bw).clamp(max=W0), (y0 + bh).clamp(max=H0)], -1).round()
    # RandomResizeWithTarget then SiameseRandomHorizontalFlipWithTarget on the proposals.
    boxes = proposals * torch.tensor([w1 / W0, h1 / H0, w1 / W0, h1 / H0])
    if flip:
        boxes = boxes[:, [2, 1, 0, 3]] * torch.tensor([-1, 1, -1, 1]) + torch.tensor([w1, 0, w1, 0])
    outer = (17, 9, 17 + 190, 9 + 150)
    uniforms = torch.rand(3, generator=g).tolist()
    box1, box2, inter = two_boxes_in_outer(outer, 0.5, True, uniforms)
    q, k, size, in_v1, in_v2 = views_frame(outer, box1, box2, inter)
    normals = torch.randn(10, 4, generator=g)
    picked = select_boxes(boxes, q, k, size, in_v1, in_v2, inter, normals)
    case = {
        'original': list(original), 'resized': list(resized), 'flip': flip,
        'proposals': arr(proposals), 'outer': list(outer), 'uniforms': uniforms, 'normals': arr(normals),
        'viewA': list(q), 'viewB': list(k), 'intersection': list(inter), 'width': size[1], 'height': size[0],
        'intersectionA': list(in_v1), 'intersectionB': list(in_v2),
    }
    if picked is None:
        case['selected'] = None
    else:
        aq, ak, kept, padded = picked
        case['selected'] = {'boxesA': arr(aq), 'boxesB': arr(ak), 'kept': kept, 'padded': padded}
    return case


def main():
    fixture = {
        'criterion': {'detr': criterion_case(False), 'deformable': criterion_case(True)},
        'global': global_case(),
        'queries': {'singleScale': query_case((32,), (10,)), 'multiScale': query_case((8, 16, 32), (4, 6, 8))},
        'disturb': disturb_case(),
        'boxes': [boxes_case(40, 1), boxes_case(6, 2, flip=False), boxes_case(3, 3), boxes_case(25, 4), boxes_case(5, 5, tiny=True)],
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'golden.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB')
    for name, case in fixture['criterion'].items():
        print(name, round(case['total'], 5), {k: round(v, 5) for k, v in case['weighted'].items()})
    print('global', fixture['global']['loss'])
    print('boxes', [None if c['selected'] is None else (c['selected']['kept'], c['selected']['padded'])
                    for c in fixture['boxes']])


if __name__ == '__main__':
    main()
