#!/usr/bin/env python3
"""SoCo fidelity fixtures for @ssdet/plugin-soco (dev-time only; the tests read the JSON).

Run:  /usr/bin/python3 tools/reference/soco/make_soco_golden.py
Writes tools/reference/fixtures/soco/soco_golden.json (a few kB).

What it checks, following hologerry/SoCo (contrast/models/SoCo_FPN.py, contrast/data/bboxs_utils.py),
re-implemented here in plain torch/numpy (not copied):

1. The loss L = l(1->2) + l(2->1) + l(1->3) + l(3->1) of `regression_loss_bboxs_aware` on fixed
   predictor/projector outputs, with the official matching matrix: each view's boxes become a
   [P*K] vector holding the proposal id at the box's assigned level and a per-view sentinel
   elsewhere; C = (ids_a[:, None] == ids_b[None, :]); the embeddings are L2-normalised and
   l = -2 * mean_n( sum(C * q z^T) / (sum(C) + 1e-6) ). Padding slots (id -1) and boxes with no
   level are never assigned. Cases: duplicated ids (padding copies), different levels in the two
   views, a box too large for every level, an image with no match at all. Both layouts: every-level
   (M = 4K, level-major) and assigned-level (M = K).
2. The official box pipeline for one view: inclusive proposals (x2 = x1 + w - 1) clipped to the
   crop (`clip_bboxs`), resized to the view and truncated (`resize_bboxs(...).astype(int)`), assigned
   to a level (`assign_bboxs_to_feature_map`, aware_range [48, 96, 192, 224]), and the RoIs handed to
   RoIAlign (`bboxs_to_tensor` * view size), with and without the horizontal flip.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'soco', 'soco_golden.json')
LEVELS = 4
THRESHOLDS = [48, 96, 192, 224]


def assigned_ids(ids, levels, sentinel):
    """[B, K] ids and levels -> [B, LEVELS*K] level-major id vectors (sentinel where unassigned)."""
    b, k = ids.shape
    out = np.full((b, LEVELS, k), float(sentinel))
    for n in range(b):
        for i in range(k):
            if ids[n, i] >= 0 and levels[n, i] >= 0:
                out[n, levels[n, i], i] = ids[n, i]
    return out.reshape(b, LEVELS * k)


def matching(a_ids, a_levels, b_ids, b_levels, every_level):
    if every_level:
        a = assigned_ids(a_ids, a_levels, -1)
        b = assigned_ids(b_ids, b_levels, -2)
    else:
        a = np.where((a_ids >= 0) & (a_levels >= 0), a_ids, -1).astype(float)
        b = np.where((b_ids >= 0) & (b_levels >= 0), b_ids, -2).astype(float)
    return torch.tensor((a[:, :, None] == b[:, None, :]).astype(np.float32))


def regression_loss(q, z, c):
    q = F.normalize(q, dim=2)
    z = F.normalize(z, dim=2)
    sim = torch.bmm(q, z.transpose(1, 2))
    per_image = (sim * c).sum(-1).sum(-1) / (c.sum(-1).sum(-1) + 1e-6)
    return -2 * per_image.mean()


def loss_case(rng, every_level):
    b, k, d = 3, 4, 8
    m = LEVELS * k if every_level else k
    # Image 0: ordinary; image 1: padding copies, a -1 slot, a box with no level; image 2: no match.
    ids = {
        'v1_v2': np.array([[0, 1, 2, 3], [5, 5, 6, -1], [10, 11, 12, 13]]),
        'v2': np.array([[1, 0, 3, 2], [5, 6, 6, 5], [20, 21, 22, 23]]),
        'v1_v3': np.array([[4, 2, 2, 7], [8, 9, 8, 9], [30, 31, 32, 33]]),
        'v3': np.array([[2, 4, 7, 4], [9, 8, -1, 8], [40, 41, 42, 43]]),
    }
    levels = {
        'v1_v2': np.array([[0, 1, 2, 3], [3, 3, 2, 0], [0, 0, 1, 1]]),
        'v2': np.array([[1, 0, 3, 3], [2, -1, 2, 3], [0, 0, 1, 1]]),
        'v1_v3': np.array([[2, 2, 2, 3], [1, 1, 1, -1], [0, 0, 1, 1]]),
        'v3': np.array([[1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 1, 1]]),
    }
    emb = {}
    for name in ['q_v1_v2', 'z_v1_v2', 'q_v2', 'z_v2', 'q_v1_v3', 'z_v1_v3', 'q_v3', 'z_v3']:
        emb[name] = torch.tensor(rng.standard_normal((b, m, d)), dtype=torch.float32)
    c12 = matching(ids['v1_v2'], levels['v1_v2'], ids['v2'], levels['v2'], every_level)
    c13 = matching(ids['v1_v3'], levels['v1_v3'], ids['v3'], levels['v3'], every_level)
    terms = {
        'l12': regression_loss(emb['q_v1_v2'], emb['z_v2'], c12).item(),
        'l21': regression_loss(emb['q_v2'], emb['z_v1_v2'], c12.transpose(1, 2)).item(),
        'l13': regression_loss(emb['q_v1_v3'], emb['z_v3'], c13).item(),
        'l31': regression_loss(emb['q_v3'], emb['z_v1_v3'], c13.transpose(1, 2)).item(),
    }
    return {
        'everyLevel': every_level,
        'batch': b, 'k': k, 'dim': d, 'm': m,
        'ids': {key: value.flatten().tolist() for key, value in ids.items()},
        'levels': {key: value.flatten().tolist() for key, value in levels.items()},
        'embeddings': {key: value.flatten().tolist() for key, value in emb.items()},
        'matchCounts': {'v1_v2': c12.sum(dim=(1, 2)).tolist(), 'v1_v3': c13.sum(dim=(1, 2)).tolist()},
        'terms': terms,
        'total': sum(terms.values()),
    }


def official_boxes_case(rng, flip):
    """One view of a 320x240 image: crop (top, left, h, w) resized to `view` pixels."""
    width, height = 320, 240
    top, left, h, w, view = 30, 50, 170, 200, 224
    props = []
    for _ in range(8):
        x1, y1 = int(rng.integers(0, 260)), int(rng.integers(0, 190))
        bw, bh = int(rng.integers(8, 160)), int(rng.integers(8, 140))
        props.append([x1, y1, min(x1 + bw - 1, width - 1), min(y1 + bh - 1, height - 1)])
    props.append([0, 0, width - 1, height - 1])  # fills the view: larger than 224, no level
    crop = [left, top, left + w - 1, top + h - 1]  # inclusive, as clip_bboxs
    rows = []
    for i, (x1, y1, x2, y2) in enumerate(props):
        if crop[0] < x2 and x1 < crop[2] and crop[1] < y2 and y1 < crop[3]:
            nx1, ny1 = max(crop[0], x1) - left, max(crop[1], y1) - top
            nx2, ny2 = min(crop[2], x2) - left, min(crop[3], y2) - top
            rows.append([nx1, ny1, nx2, ny2, i])
    clipped = np.array(rows, dtype=float)
    resized = clipped.copy()
    resized[:, [0, 2]] = resized[:, [0, 2]] / w * view
    resized[:, [1, 3]] = resized[:, [1, 3]] / h * view
    resized = resized.astype(int)
    levels = []
    for x1, y1, x2, y2, _ in resized:
        size = math.sqrt((x2 - x1 + 1) * (y2 - y1 + 1))
        levels.append(next((j for j, t in enumerate(THRESHOLDS) if size <= t), -1))
    norm = clipped[:, :4].copy()
    norm[:, [0, 2]] /= w
    norm[:, [1, 3]] /= h
    if flip:
        norm = np.stack([1.0 - norm[:, 2], norm[:, 1], 1.0 - norm[:, 0], norm[:, 3]], axis=1)
    rois = norm * view
    return {
        'image': [width, height],
        'crop': [left, top, w, h],
        'view': view,
        'flip': flip,
        'proposalsInclusive': props,
        'keptIds': [int(r[4]) for r in rows],
        'levels': levels,
        'rois': rois.flatten().tolist(),
    }


def main():
    rng = np.random.default_rng(20211206)
    fixture = {
        'source': 'tools/reference/soco/make_soco_golden.py (torch %s)' % torch.__version__,
        'loss': [loss_case(rng, True), loss_case(rng, False)],
        'boxes': [official_boxes_case(np.random.default_rng(7), False),
                  official_boxes_case(np.random.default_rng(7), True)],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f)
    print('wrote', os.path.relpath(OUT), 'totals', [case['total'] for case in fixture['loss']],
          'levels', fixture['boxes'][0]['levels'])


if __name__ == '__main__':
    main()
