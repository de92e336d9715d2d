#!/usr/bin/python3
"""Golden fixtures for @ssdet/plugin-updetr.

Run (dev-time only; the tests read the JSON this writes and never run Python):
    /usr/bin/python3 tools/reference/updetr/make_updetr_golden.py
Needs Debian's python3-torch (1.13) and python3-scipy. Writes
tools/reference/fixtures/updetr/golden.json (well under 1 MB).

What it checks, with our own PyTorch code (updetr_torch.py) following dddzg/up-detr:
  loss      UP-DETR's full loss on fixed decoder outputs: hs [L, B, Q, d] of 3 decoder layers
            → class_embed / bbox_embed (sigmoid) / feature_align heads (weights stored in ssdet's
            layout, Linear weights [in, out]) → per layer the Hungarian matching (models/matcher.py:
            cost 1·(−p) + 5·L1 + 2·(−GIoU), SciPy) and SetCriterion's loss_labels (CE, eos 0.1),
            loss_boxes (L1, GIoU) and loss_feature (models/detr.py: MSE of L2-normalised
            feature_align(h) and gt_feature, summed, / num_boxes), weights 1/5/2/1 on every layer
            (models/__init__.py). Stores every term, the total, the matches and d total / d hs.
  queries   UPDETR.forward's query construction: patch2query(gt_feature) repeat-interleaved
            per patch group, multiplied by a fixed keep mask (mask_ratio), plus query_embed
            (optionally permuted, --query_shuffle) → query_pos [B, Q, d].
  masks     the official UPDETR.__init__ attention-mask loop for several (Q, M), as strings of
            '1' (blocked) / '0', to show where it leaves rows fully blocked.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from updetr_torch import MLP, official_group_mask, updetr_loss  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'updetr')
torch.manual_seed(0)
np.random.seed(0)


def arr(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {'shape': list(t.shape), 'data': [round(float(v), 8) for v in t.reshape(-1).tolist()]}


def ours(prefix, module):
    """state_dict under ssdet's names and layout (Linear weights transposed to [in, out])."""
    out = {}
    for name, p in module.state_dict().items():
        out[f'{prefix}.{name}'] = arr(p.t() if p.dim() == 2 else p)
    return out


def random_patches(width, height, count, min_pixel=8):
    """datasets/selfdet.py get_random_patch_from_img, as normalised cxcywh targets."""
    boxes = []
    for _ in range(count):
        sw = np.random.randint(min_pixel, width - min_pixel + 1)
        sh = np.random.randint(min_pixel, height - min_pixel + 1)
        x = np.random.randint(width - sw) if sw != width else 0
        y = np.random.randint(height - sh) if sh != height else 0
        boxes.append([(x + sw / 2) / width, (y + sh / 2) / height, sw / width, sh / height])
    return torch.tensor(boxes, dtype=torch.float32)


def loss_case(num_layers=3, batch=2, num_queries=12, num_patches=4, d=16, channels=24, num_classes=2):
    class_embed = torch.nn.Linear(d, num_classes + 1)
    bbox_embed = MLP(d, d, 4, 3)
    feature_align = MLP(d, d, channels, 2)
    hs = torch.randn(num_layers, batch, num_queries, d, requires_grad=True)
    gt_feature = torch.relu(torch.randn(batch * num_patches, channels)) + 0.01
    sizes = [(64, 48), (40, 56)]
    targets = [{'labels': torch.ones(num_patches, dtype=torch.int64),
                'boxes': random_patches(w, h, num_patches)} for (w, h) in sizes[:batch]]

    logits, boxes, features = class_embed(hs), bbox_embed(hs).sigmoid(), feature_align(hs)
    layer = lambda i: {'pred_logits': logits[i], 'pred_boxes': boxes[i], 'pred_feature': features[i],
                       'gt_feature': gt_feature}
    outputs = layer(-1)
    outputs['aux_outputs'] = [layer(i) for i in range(num_layers - 1)]
    total, terms, matches = updetr_loss(outputs, targets, num_classes=num_classes)
    total.backward()
    # Matches in ssdet's order: aux layers 0 … L−2, then the final layer.
    by_suffix = dict(matches)
    ordered = [by_suffix[f'_{i}'] for i in range(num_layers - 1)] + [by_suffix['']]
    weights = {}
    weights.update(ours('class_embed', class_embed))
    weights.update(ours('bbox_embed', bbox_embed))
    weights.update(ours('feature_align', feature_align))
    return {
        'numClasses': num_classes,
        'numQueries': num_queries,
        'numPatches': num_patches,
        'weights': weights,
        'hs': arr(hs),
        'gtFeature': arr(gt_feature),
        'targets': [{'labels': t['labels'].tolist(), 'boxes': arr(t['boxes'])} for t in targets],
        'losses': {name: float(value) for name, value in terms.items()},
        'total': float(total),
        'numBoxes': batch * num_patches,
        'matches': [[{'predictions': q.tolist(), 'targets': j.tolist()} for q, j in layer_matches]
                    for layer_matches in ordered],
        'gradHs': arr(hs.grad),
    }


def query_case(shuffle, batch=2, num_queries=12, num_patches=4, d=8, channels=10, mask_ratio=0.1):
    patch2query = torch.nn.Linear(channels, d)
    query_embed = torch.nn.Embedding(num_queries, d)
    gt_feature = torch.randn(batch * num_patches, channels)
    keep = (torch.rand(num_queries, batch, 1) > mask_ratio).float()  # as UPDETR.forward draws it
    keep[0, 0, 0] = 0.0  # make sure at least one query is dropped
    idx = torch.randperm(num_queries) if shuffle else torch.arange(num_queries)
    patch_feature = (patch2query(gt_feature).view(batch, num_patches, -1)
                     .repeat_interleave(num_queries // num_patches, dim=1).permute(1, 0, 2))
    query_pos = patch_feature * keep + query_embed.weight[idx, :].unsqueeze(1).repeat(1, batch, 1)
    weights = ours('patch2query', patch2query)
    weights['query_embed.weight'] = arr(query_embed.weight)  # [Q, d], not transposed
    return {
        'numQueries': num_queries,
        'numPatches': num_patches,
        'weights': weights,
        'gtFeature': arr(gt_feature),
        'keep': arr(keep[:, :, 0].t()),  # [B, Q]
        'order': idx.tolist(),
        'queryPos': arr(query_pos.permute(1, 0, 2)),  # [B, Q, d]
    }


def mask_cases():
    cases = []
    for q, m in [(100, 10), (100, 20), (20, 5), (20, 10), (12, 3), (12, 4), (24, 4)]:
        blocked = torch.isinf(official_group_mask(q, m)).to(torch.int64).reshape(-1).tolist()
        cases.append({'numQueries': q, 'numPatches': m, 'blocked': ''.join(map(str, blocked)),
                      'fullyBlockedRows': int(torch.isinf(official_group_mask(q, m)).all(1).sum())})
    return cases


def main():
    fixture = {
        'loss': loss_case(),
        'queries': {'plain': query_case(False), 'shuffled': query_case(True)},
        'officialMasks': mask_cases(),
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'golden.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB; total loss {fixture["loss"]["total"]:.6f}')
    print({k: round(v, 5) for k, v in fixture['loss']['losses'].items()})


if __name__ == '__main__':
    main()
