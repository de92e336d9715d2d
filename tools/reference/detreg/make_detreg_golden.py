#!/usr/bin/python3
"""Golden fixtures for @ssdet/plugin-detreg.

Run (dev-time only; the tests read the JSON this writes and never run Python):
    /usr/bin/python3 tools/reference/detreg/make_detreg_golden.py
Needs Debian's python3-torch (1.13) and python3-scipy. Writes
tools/reference/fixtures/detreg/golden.json (well under 1 MB).

What it checks, with our own PyTorch code (detreg_torch.py) following amirbar/DETReg:
  deformable  DETReg's loss on Deformable DETR outputs: fixed decoder outputs hs [L, B, Q, d] of
              3 layers and reference points [B, Q, 2] → class_embed (sigmoid logits), bbox_embed
              (σ(bbox_embed(h) + [σ⁻¹(ref), 0, 0]), `DeformableDETR.forward_samples`),
              feature_embed on the last layer (weights stored in ssdet's layout, Linear weights
              [in, out]) → per layer the Hungarian matching (def_matcher: focal cost 2, L1 5,
              GIoU 2, SciPy) and SetCriterion's focal loss (α 0.25, γ 2, × Q), L1, GIoU, plus the
              embedding L1 (mean) on the last layer only; weights 2/5/2/1 (models/__init__.py,
              default_settings). Stores every term, the total, the matches, d total/d hs and
              d total/d ref.
  detr        The same for the DETR variant (models/detr.py, detr_matcher): softmax logits over
              C + 1 classes, cross-entropy with eos_coef 0.1, costs and weights 1/5/2/1.
The priors' teacher embeddings are fixed non-negative arrays (a ReLU network's pooled output).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detreg_torch import MLP, detreg_loss, inverse_sigmoid  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'detreg')
torch.manual_seed(0)
np.random.seed(0)


def arr(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {'shape': list(t.shape), 'data': [round(float(v), 8) for v in t.reshape(-1).tolist()]}


def ours(prefix, module):
    """state_dict under ssdet's names and layout (Linear weights transposed to [in, out])."""
    return {f'{prefix}.{name}': arr(p.t() if p.dim() == 2 else p) for name, p in module.state_dict().items()}


def priors(count):
    """Selective-Search-like boxes: xyxy in a unit image, as normalised cxcywh."""
    x0 = torch.rand(count) * 0.7
    y0 = torch.rand(count) * 0.7
    w = torch.rand(count) * (1 - x0 - 0.02) + 0.02
    h = torch.rand(count) * (1 - y0 - 0.02) + 0.02
    return torch.stack([x0 + w / 2, y0 + h / 2, w, h], 1)


def case(deformable, num_layers=3, batch=2, num_queries=10, d=32, embedding_dim=12, num_classes=3,
         counts=(4, 7)):
    logit_count = num_classes if deformable else num_classes + 1
    class_embed = torch.nn.Linear(d, logit_count)
    bbox_embed = MLP(d, d, 4, 3)
    feature_embed = MLP(d, d, embedding_dim, 2)
    hs = torch.randn(num_layers, batch, num_queries, d, requires_grad=True)
    ref = torch.rand(batch, num_queries, 2).clamp(0.05, 0.95).requires_grad_(True)
    targets = [{'labels': torch.ones(n, dtype=torch.int64), 'boxes': priors(n),
                'patches': torch.relu(torch.randn(n, embedding_dim)) + 0.05} for n in counts]

    logits = class_embed(hs)
    raw = bbox_embed(hs)
    if deformable:
        raw = torch.cat([raw[..., :2] + inverse_sigmoid(ref), raw[..., 2:]], -1)
    boxes = raw.sigmoid()
    outputs = {'pred_logits': logits[-1], 'pred_boxes': boxes[-1], 'pred_features': feature_embed(hs[-1])}
    outputs['aux_outputs'] = [{'pred_logits': logits[i], 'pred_boxes': boxes[i]} for i in range(num_layers - 1)]
    cls = 2.0 if deformable else 1.0
    weights = {'loss_ce': cls, 'loss_bbox': 5.0, 'loss_giou': 2.0, 'loss_object_embedding': 1.0}
    total, terms, matches = detreg_loss(outputs, targets, deformable, num_classes, weights)
    total.backward()
    ordered = [matches[f'_{i}'] for i in range(num_layers - 1)] + [matches['']]
    stored = {}
    stored.update(ours('class_embed', class_embed))
    stored.update(ours('bbox_embed', bbox_embed))
    stored.update(ours('feature_embed', feature_embed))
    return {
        'numClasses': num_classes,
        'numQueries': num_queries,
        'weights': stored,
        'hs': arr(hs),
        'referencePoints': arr(ref),
        'targets': [{'labels': t['labels'].tolist(), 'boxes': arr(t['boxes']), 'embeddings': arr(t['patches'])}
                    for t in targets],
        'losses': {name: float(value) for name, value in terms.items()},
        'total': float(total),
        'numBoxes': sum(counts),
        'matches': [[{'predictions': q.tolist(), 'targets': j.tolist()} for q, j in layer] for layer in ordered],
        'gradHs': arr(hs.grad),
        **({'gradReferencePoints': arr(ref.grad)} if deformable else {}),
    }


def main():
    fixture = {'deformable': case(True), 'detr': case(False)}
    del fixture['detr']['referencePoints']
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'golden.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB')
    for name in ('deformable', 'detr'):
        print(name, round(fixture[name]['total'], 6), {k: round(v, 5) for k, v in fixture[name]['losses'].items()})


if __name__ == '__main__':
    main()
