#!/usr/bin/python3
"""Reference fixtures for the TypeScript port of the Faster/Mask R-CNN training losses and RoI heads
(torchvision 0.14 torchvision.models.detection).

Dev-time only: tests read tools/reference/fixtures/transfer/roi_heads.json and never run Python.

Setup (Debian bookworm packages only, no PyPI): torch 1.13.1 and torchvision 0.14.1
    apt-get update
    apt-get install -y python3-torch python3-torchvision
Then, from the repository root (use Debian's interpreter, not a pyenv one):
    /usr/bin/python3 tools/reference/transfer/make_roi_head_fixtures.py [--out PATH]

Deterministic: every input comes from numpy.random.RandomState with fixed seeds, the random
samplers (BalancedPositiveNegativeSampler uses torch.randperm) run right after torch.manual_seed, and
torch runs single-threaded. A port cannot reproduce torch's RNG, so the sampled indices are stored.
The script asserts the properties the fixtures rely on: no IoU within 1e-3 of a Matcher/NMS threshold,
unique argmax gt for every matched box, FPN level values (4 + log2(sqrt(area) / 224)) at least 1e-3
away from a level boundary, scores at least 1e-4 away from score thresholds and at least 1e-6 apart
from each other, truncated expanded paste-mask boxes at least 1e-3 away from an integer, and that the
outputs of RoIHeads.forward / RegionProposalNetwork.compute_loss equal the recomputation from the
stored pieces.

Number format: every float32 value is written as the shortest decimal that parses back to the same
float32 (Math.fround / Float32Array of the parsed number gives torch's exact value); integral values
are written without a fraction. Inputs (boxes, logits, deltas, features, weights, masks) are dyadic
rationals (multiples of 2^-k), hence exact in float32 and float64 alike.
Tensors of rank >= 3 and all layer weights are stored as {"shape": [...], "data": [flat, row-major]}
(NCHW for feature maps / pooled features / masks); boxes are nested [[x1, y1, x2, y2], ...] (xyxy);
index lists are int arrays; per-image data is a list with one entry per image.

Output layout (every section has a "notes" string; *Seed keys record the deterministic searches;
*Margin / margins keys are diagnostics: the smallest distance of a value to the decision threshold):
  meta          versions (torch, torchvision, numpy, Debian package versions), number format.
  rpnLoss       config (Matcher 0.7/0.3 low-quality, sampler 8 per image / 0.5); paddedImageSize, imageSizes,
                featureShapes, numAnchorsPerLevel, numAnchors A; anchors [A][4] (identical for both images);
                gtBoxes[i]; objectness [2A] and predBboxDeltas [2A][4] (concatenated over images, image-major,
                as compute_loss receives them); per image [i]: matchedGtIndex [A] (-1 below, -2 between),
                labels [A] (1, 0, -1), regressionTargets [A][4] (every anchor, against gt[max(m, 0)]);
                samplerSeed; sampledPositive[i] / sampledNegative[i] (ascending indices into image i's
                anchors); lossObjectness, lossBoxReg; iouMargin.
  boxHead       config; paddedImageSize, imageSizes, featureNames, features {'0'..'3'} [2,8,H,W] (NCHW);
                weights (RoIHeads state_dict keys box_head.*, box_predictor.*; Linear weight [out, in]);
                proposals[i]; levels[i] (feature index per proposal); pooledFeatures [R,8,7,7] (NCHW,
                proposals concatenated over images); classLogits [R][4]; boxRegression [R][16];
                decodedBoxes [R][16] (before clipping); scores [R][4] (softmax); postprocess[] {scoreThresh,
                nmsThresh, detectionsPerImg, numCandidates[i], detections[i] {boxes, scores, labels},
                margins[i]}; levelMargin.
  boxHeadTraining  config; imageSizes; proposals[i]; gtBoxes[i]; gtLabels[i]; proposalsWithGt[i];
                matchedIdxsRaw[i] / matchedIdxsClamped[i] / labels[i] (per proposalWithGt, before
                sampling); samplerSeed; sampledPositive[i] / sampledNegative[i] / sampledIndices[i]
                (ascending indices into proposalsWithGt[i]); sampledProposals[i]; sampledMatchedIdxs[i];
                sampledLabels[i]; sampledLevels[i]; regressionTargets[i] [S_i][4]; classLogits [S][4] and
                boxRegression [S][16] (sampled rows concatenated over images); lossClassifier, lossBoxReg.
  maskHead      config; weights (mask_head.*, mask_predictor.*); inference {boxes[i], labels[i], levels[i],
                pooledSum, headSum, maskLogitsOfLabel [R,1,28,28], maskProbs [R,1,28,28] (rows concatenated
                over images)}; training {imageSize [48, 64], gtMasks[i] int [G_i,48,64] (0/1), gtShapes[i],
                gtBoxes[i], gtLabels[i], proposals[i], matchedIdxs[i], maskLogits [P,4,28,28], maskTargets
                [P,28,28] (rows concatenated over images), lossMask}.
  pasteMasks    imageSize [h, w], padding, masks [R,1,28,28], boxes, expandedBoxesFloat, expandedBoxes (int),
                pasted [R,1,h,w]; resizeBoxes.cases[] {fromSize, toSize, boxes, ratioHeightWidth, resized}.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection import roi_heads as rh_mod
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.roi_heads import RoIHeads
from torchvision.models.detection.rpn import RegionProposalNetwork, RPNHead
from torchvision.models.detection.transform import resize_boxes
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops import boxes as box_ops

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'transfer', 'roi_heads.json')

torch.set_num_threads(1)

IOU_MARGIN = 1e-3
LEVEL_MARGIN = 1e-3
SCORE_MARGIN = 1e-4
SCORE_GAP = 1e-6

FPN_NAMES = ['0', '1', '2', '3']
CHANNELS = 8
NUM_CLASSES = 4
REPRESENTATION = 32
BOX_PADDED = (160, 320)
BOX_IMAGE_SIZES = [(160, 320), (136, 280)]
BOX_GRIDS = [(40, 80), (20, 40), (10, 20), (5, 10)]


# ----------------------------------------------------------------------------- number formatting

def f32(x):
    v = np.float32(x)
    if not np.isfinite(v):
        raise ValueError(f'non-finite value {v}')
    if float(v).is_integer() and abs(float(v)) < 2 ** 53:
        return int(v)
    return float(repr(v))  # numpy's repr of float32 is the shortest round-trip decimal


def fl(t):
    """Tensor/array of floats -> nested lists of f32 numbers."""
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    a = a.astype(np.float32)
    if a.ndim == 0:
        return f32(a)
    return [fl(x) for x in a] if a.ndim > 1 else [f32(x) for x in a]


def il(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return a.astype(np.int64).tolist()


def packed(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    a = a.astype(np.float32)
    return {'shape': list(a.shape), 'data': [f32(x) for x in a.reshape(-1)]}


def packed_int(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return {'shape': list(a.shape), 'data': a.astype(np.int64).reshape(-1).tolist()}


def dyadic(a, q):
    """Round to multiples of 1/q (q a power of two) and return float32 (exact in both precisions)."""
    out = (np.round(np.asarray(a, dtype=np.float64) * q) / q).astype(np.float32)
    assert np.array_equal(out.astype(np.float64) * q, np.round(out.astype(np.float64) * q))
    return out


def tdy(a, q):
    return torch.from_numpy(dyadic(a, q))


def fsum(t):
    return float(t.detach().double().sum())


# ----------------------------------------------------------------------------- checks

def iou64(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    with np.errstate(invalid='ignore', divide='ignore'):
        return inter / (area_a[:, None] + area_b[None, :] - inter)


def threshold_distance(vals, thresholds):
    vals = np.asarray(vals, np.float64).reshape(-1)
    vals = vals[np.isfinite(vals)]
    return min(float(np.min(np.abs(vals - t))) for t in thresholds) if vals.size else math.inf


def check_matching(gt, boxes, thresholds, matches):
    """IoUs away from thresholds, float32/float64 agree on per-gt maxima (low-quality rule), and every
    matched box has a unique best gt (torch.max's choice among tied gts is not specified)."""
    q64 = iou64(gt, boxes)
    q32 = box_ops.box_iou(torch.from_numpy(np.asarray(gt)), torch.from_numpy(np.asarray(boxes))).numpy()
    assert threshold_distance(q64, thresholds) > IOU_MARGIN, threshold_distance(q64, thresholds)
    assert np.array_equal(q32 == q32.max(1, keepdims=True), q64 == q64.max(1, keepdims=True))
    for n in np.where(np.asarray(matches) >= 0)[0]:
        col = q64[:, n]
        assert np.sum(col == col.max()) == 1, f'tied best gt for box {n}'
        assert int(np.argmax(col)) == int(matches[n])


def level_values(boxes):
    b = np.asarray(boxes, np.float64)
    return 4 + np.log2(np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])) / 224.0)


def level_margin(boxes):
    """Distance of 4 + log2(sqrt(area) / 224) to the level boundaries that matter (3, 4, 5)."""
    v = level_values(boxes)
    return min(float(np.min(np.abs(v - k))) for k in (3, 4, 5))


def check_levels(boxes, levels):
    assert level_margin(boxes) > LEVEL_MARGIN, level_margin(boxes)
    v = level_values(boxes)
    assert np.array_equal(np.clip(np.floor(v), 2, 5).astype(np.int64) - 2, np.asarray(levels))


def place_boxes(rng, image_size, plan, shrink=0.96):
    """plan entries: (w, h) placed at a random position (size scaled by U(shrink, 1)), or an explicit box."""
    h, w = image_size
    out = []
    for item in plan:
        if len(item) == 4:
            out.append(list(item))
            continue
        bw, bh = item[0] * rng.uniform(shrink, 1.0), item[1] * rng.uniform(shrink, 1.0)
        x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
        out.append([x1, y1, x1 + bw, y1 + bh])
    return out


def set_dyadic_(param, rng, std, q):
    with torch.no_grad():
        param.copy_(tdy(rng.normal(0, std, tuple(param.shape)), q))


class RecordingSampler:
    """Wraps a BalancedPositiveNegativeSampler and keeps the masks it returns."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []

    def __call__(self, labels):
        pos, neg = self.inner(labels)
        self.calls.append(([p.clone() for p in pos], [n.clone() for n in neg]))
        return pos, neg


def smooth_l1_64(x, y, beta):
    d = np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def bce_logits_64(x, y):
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))


def margin_out(x):
    """Margins for the JSON diagnostics (None when no comparison was made)."""
    return float(f'{x:.4g}') if math.isfinite(x) else None


def rel_close(a, b, tol=2e-6):
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


# ----------------------------------------------------------------------------- rpn loss

RPN_PADDED = (64, 80)
RPN_IMAGE_SIZES = [(64, 80), (56, 72)]
RPN_GRIDS = [(8, 10), (4, 5)]
RPN_SIZES = ((16,), (32,))
RPN_RATIOS = ((0.5, 1.0, 2.0),) * 2
RPN_BATCH = 8
RPN_SAMPLER_SEED = 7


def rpn_gt_candidates(rng, anchors, image_size, n):
    """Half jittered anchors (many positives), half random boxes, all inside the image."""
    h, w = image_size
    inside = anchors[(anchors[:, 0] >= 0) & (anchors[:, 1] >= 0) & (anchors[:, 2] <= w) & (anchors[:, 3] <= h)]
    out = []
    for k in range(n):
        if k % 2 == 0:
            a = inside[rng.randint(len(inside))].astype(np.float64)
            aw, ah = a[2] - a[0], a[3] - a[1]
            b = a + rng.normal(0, 0.06, 4) * [aw, ah, aw, ah]
        else:
            bw, bh = rng.uniform(10, 40, 2)
            x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            b = np.array([x1, y1, x1 + bw, y1 + bh])
        b = np.clip(b, 0, [w, h, w, h])
        out.append(b)
    return dyadic(np.stack(out), 4)


def make_rpn_loss():
    gen = AnchorGenerator(sizes=RPN_SIZES, aspect_ratios=RPN_RATIOS)
    images = ImageList(torch.zeros(2, 3, *RPN_PADDED), list(RPN_IMAGE_SIZES))
    feats = [torch.zeros(2, 1, h, w) for h, w in RPN_GRIDS]
    anchors = gen(images, feats)
    assert torch.equal(anchors[0], anchors[1])
    a_np = anchors[0].numpy()
    num_anchors = a_np.shape[0]
    head = RPNHead(1, gen.num_anchors_per_location()[0])
    topn = dict(training=100, testing=100)
    rpn = RegionProposalNetwork(gen, head, 0.7, 0.3, RPN_BATCH, 0.5, topn, topn, 0.7)
    matcher = rpn.proposal_matcher
    num_pos_max = int(RPN_BATCH * 0.5)

    for seed in range(300, 600):
        rng = np.random.RandomState(seed)
        gts = [rpn_gt_candidates(rng, a_np, RPN_IMAGE_SIZES[0], 5),
               rpn_gt_candidates(rng, a_np, RPN_IMAGE_SIZES[1], 3)]
        try:
            matches = []
            for g in gts:
                m = matcher(box_ops.box_iou(torch.from_numpy(g), anchors[0]))
                check_matching(g, a_np, (0.3, 0.7), m.numpy())
                matches.append(m)
        except AssertionError:
            continue
        npos = [int((m >= 0).sum()) for m in matches]
        nbetween = [int((m == -2).sum()) for m in matches]
        low_quality = [int(((m >= 0) & torch.from_numpy(iou64(g, a_np).max(0) < 0.7)).sum())
                       for g, m in zip(gts, matches)]
        # image 0: more positives than the sampler takes; image 1: fewer (negatives fill up)
        if npos[0] > num_pos_max and 0 < npos[1] < num_pos_max and min(nbetween) > 0 and sum(low_quality) > 0:
            break
    else:
        raise RuntimeError('no gt seed for rpnLoss')
    gt_seed = seed

    rng = np.random.RandomState(61)
    objectness = tdy(rng.normal(0, 2.0, (2 * num_anchors, 1)), 16)
    deltas = tdy(rng.normal(0, 0.5, (2 * num_anchors, 4)), 16)
    targets = [{'boxes': torch.from_numpy(g)} for g in gts]
    with torch.no_grad():
        labels, matched_gt_boxes = rpn.assign_targets_to_anchors(anchors, targets)
        reg_targets = rpn.box_coder.encode(matched_gt_boxes, anchors)
        rec = RecordingSampler(rpn.fg_bg_sampler)
        rpn.fg_bg_sampler = rec
        torch.manual_seed(RPN_SAMPLER_SEED)
        loss_obj, loss_box = rpn.compute_loss(objectness, deltas, labels, reg_targets)
    assert len(rec.calls) == 1
    pos_masks, neg_masks = rec.calls[0]
    pos = [torch.where(p)[0] for p in pos_masks]
    neg = [torch.where(n)[0] for n in neg_masks]

    # self-check: labels/targets from the matcher output, sample sizes, losses from the stored pieces
    for i in range(2):
        m = matches[i]
        exp_labels = torch.where(m >= 0, 1.0, torch.where(m == -1, 0.0, -1.0))
        assert torch.equal(labels[i], exp_labels)
        exp_t = rpn.box_coder.encode_single(torch.from_numpy(gts[i])[m.clamp(min=0)], anchors[i])
        assert torch.equal(reg_targets[i], exp_t)
        n_pos = min(int((m >= 0).sum()), num_pos_max)
        assert len(pos[i]) == n_pos and len(neg[i]) == min(int((m == -1).sum()), RPN_BATCH - n_pos)
        assert bool((labels[i][pos[i]] == 1).all()) and bool((labels[i][neg[i]] == 0).all())
    gpos = torch.cat([pos[0], pos[1] + num_anchors])
    gneg = torch.cat([neg[0], neg[1] + num_anchors])
    sampled = torch.cat([gpos, gneg])
    all_labels = torch.cat(labels)
    all_targets = torch.cat(reg_targets)
    obj_manual = F.binary_cross_entropy_with_logits(objectness.flatten()[sampled], all_labels[sampled])
    box_manual = F.smooth_l1_loss(deltas[gpos], all_targets[gpos], beta=1 / 9, reduction='sum') / sampled.numel()
    assert torch.equal(obj_manual, loss_obj) and torch.equal(box_manual, loss_box)
    obj64 = bce_logits_64(objectness.flatten()[sampled].numpy(), all_labels[sampled].numpy()).mean()
    box64 = smooth_l1_64(deltas[gpos].numpy(), all_targets[gpos].numpy(), 1 / 9).sum() / sampled.numel()
    assert rel_close(obj64, loss_obj) and rel_close(box64, loss_box), (obj64, loss_obj, box64, loss_box)

    return {
        'notes': 'RegionProposalNetwork pieces: labels, matched gt = assign_targets_to_anchors(anchors, gt) with '
                 'Matcher(0.7, 0.3, allow_low_quality_matches=True) on box_iou(gt, anchors); labels 1 where '
                 'matchedGtIndex >= 0 (incl. low-quality matches), 0 where -1, -1 where -2. regressionTargets = '
                 'BoxCoder(1,1,1,1).encode(gt[max(matchedGtIndex, 0)], anchors) for EVERY anchor (negatives '
                 'are encoded against gt 0 and ignored). Anchors crossing the image border are kept. '
                 'compute_loss: BalancedPositiveNegativeSampler(batchSizePerImage, 0.5) per image draws '
                 'randperm(#pos)[:numPos = min(#pos, 4)] then randperm(#neg)[:min(#neg, 8 - numPos)] (torch RNG, '
                 'seeded with samplerSeed; the resulting sets are stored). lossObjectness = mean BCE-with-logits '
                 'over the sampled anchors of both images (positives first, then negatives, ascending global '
                 'index); lossBoxReg = sum smooth_l1(beta=1/9) over sampled positives of predBboxDeltas vs '
                 'regressionTargets, divided by the total number of sampled anchors (pos + neg, both images). '
                 'Global index of anchor a of image i = i * numAnchors + a.',
        'config': {'fgIouThresh': 0.7, 'bgIouThresh': 0.3, 'allowLowQualityMatches': True,
                   'batchSizePerImage': RPN_BATCH, 'positiveFraction': 0.5, 'boxCoderWeights': [1, 1, 1, 1],
                   'smoothL1Beta': 1 / 9, 'anchorSizes': [list(s) for s in RPN_SIZES],
                   'aspectRatios': [list(r) for r in RPN_RATIOS]},
        'gtSeed': gt_seed,
        'iouMargin': margin_out(min(threshold_distance(iou64(g, a_np), (0.3, 0.7)) for g in gts)),
        'paddedImageSize': list(RPN_PADDED),
        'imageSizes': [list(s) for s in RPN_IMAGE_SIZES],
        'featureShapes': [list(f.shape) for f in feats],
        'numAnchorsPerLevel': [h * w * 3 for h, w in RPN_GRIDS],
        'numAnchors': num_anchors,
        'anchors': fl(anchors[0]),
        'gtBoxes': [fl(g) for g in gts],
        'objectness': fl(objectness.flatten()),
        'predBboxDeltas': fl(deltas),
        'matchedGtIndex': [il(m) for m in matches],
        'labels': [il(l) for l in labels],
        'regressionTargets': [fl(t) for t in reg_targets],
        'samplerSeed': RPN_SAMPLER_SEED,
        'sampledPositive': [il(p) for p in pos],
        'sampledNegative': [il(n) for n in neg],
        'lossObjectness': f32(loss_obj),
        'lossBoxReg': f32(loss_box),
    }


# ----------------------------------------------------------------------------- shared RoI heads

def make_features():
    rng = np.random.RandomState(71)
    # small integers (dyadic with q = 1) keep the largest arrays of the file short
    return OrderedDict((name, tdy(np.clip(rng.normal(0.8, 1.0, (2, CHANNELS, h, w)), -2, 4), 1))
                       for name, (h, w) in zip(FPN_NAMES, BOX_GRIDS))


def build_roi_heads(weight_seed):
    torch.manual_seed(0)
    heads = RoIHeads(
        MultiScaleRoIAlign(FPN_NAMES, 7, 2), TwoMLPHead(CHANNELS * 7 * 7, REPRESENTATION),
        FastRCNNPredictor(REPRESENTATION, NUM_CLASSES),
        0.5, 0.5, 16, 0.25, None, 0.05, 0.5, 100,
        mask_roi_pool=MultiScaleRoIAlign(FPN_NAMES, 14, 2),
        mask_head=MaskRCNNHeads(CHANNELS, (8, 8), 1),
        mask_predictor=MaskRCNNPredictor(8, 8, NUM_CLASSES))
    rng = np.random.RandomState(weight_seed)
    sd = dict(heads.named_parameters())
    scales = {  # (std, q)
        'box_head.fc6.weight': (0.06, 8), 'box_head.fc6.bias': (0.3, 16),
        'box_head.fc7.weight': (0.25, 16), 'box_head.fc7.bias': (0.3, 16),
        'box_predictor.cls_score.weight': (0.45, 32), 'box_predictor.cls_score.bias': (0.2, 32),
        'box_predictor.bbox_pred.weight': (0.25, 32), 'box_predictor.bbox_pred.bias': (0.2, 32),
        'mask_head.0.0.weight': (0.15, 32), 'mask_head.0.0.bias': (0.2, 32),
        'mask_head.1.0.weight': (0.18, 32), 'mask_head.1.0.bias': (0.2, 32),
        'mask_predictor.conv5_mask.weight': (0.35, 32), 'mask_predictor.conv5_mask.bias': (0.2, 32),
        'mask_predictor.mask_fcn_logits.weight': (0.45, 32), 'mask_predictor.mask_fcn_logits.bias': (0.3, 32),
    }
    assert set(scales) == set(sd), set(sd) ^ set(scales)
    for k, (std, q) in scales.items():
        set_dyadic_(sd[k], rng, std, q)
    heads.eval()
    return heads


def box_only(heads):
    """RoIHeads sharing the box modules of `heads`, without the mask branch."""
    b = RoIHeads(heads.box_roi_pool, heads.box_head, heads.box_predictor,
                 0.5, 0.5, 16, 0.25, None, 0.05, 0.5, 100)
    b.train(heads.training)
    return b


def weights_of(heads, prefixes):
    return {k: packed(v) for k, v in heads.state_dict().items() if k.startswith(prefixes)}


def pooler_levels(pool, boxes):
    return pool.map_levels(boxes)


# ----------------------------------------------------------------------------- box head (inference)

# level 2 (sqrt(area) >= 224) needs nearly the whole 160x320 image
BOX_PLANS = [
    [(3, 3), (14, 22), (30, 18), (44, 60), (70, 52), (150, 118), (210, 100), (1.75, 0, 320, 160),
     (0, 0.75, 318.5, 160)],
    [(5, 7), (26, 24), (56, 34), (84, 100), (130, 110), (270, 132), (64, 120)],
]


def box_proposals():
    """Hand-picked sizes (levels 0, 1 and 2) at random positions, plus shifted copies for NMS."""
    for seed in range(81, 200):
        rng = np.random.RandomState(seed)
        out = []
        for (h, w), plan in zip(BOX_IMAGE_SIZES, BOX_PLANS):
            boxes = place_boxes(rng, (h, w), plan)
            for src in (3, 4):  # shifted copies: overlapping predictions for NMS
                b = np.asarray(boxes[src])
                bw, bh = b[2] - b[0], b[3] - b[1]
                d = rng.uniform(-0.15, 0.15, 2) * [bw, bh]
                boxes.append([max(b[0] + d[0], 0), max(b[1] + d[1], 0), min(b[2] + d[0], w), min(b[3] + d[1], h)])
            out.append(dyadic(np.asarray(boxes), 4))
        if all(level_margin(b) > LEVEL_MARGIN for b in out):
            return seed, [torch.from_numpy(b) for b in out]
    raise RuntimeError('no proposal seed')


def greedy_nms64(boxes, scores, labels, thr):
    order = np.argsort(-scores.astype(np.float64), kind='stable')
    keep = []
    alive = np.ones(len(order), bool)
    for a in range(len(order)):
        if not alive[a]:
            continue
        i = order[a]
        keep.append(int(i))
        rest = np.where(alive[a + 1:])[0] + a + 1
        if len(rest):
            same = labels[order[rest]] == labels[i]
            iou = iou64(boxes[i:i + 1], boxes[order[rest]])[0]
            alive[rest[same & (iou > thr)]] = False
    return keep


POSTPROCESS_VARIANTS = [(0.05, 0.5, 100), (0.05, 0.5, 6), (0.3, 0.5, 100)]


def candidate_checks(boxes_pp, scores_pp, labels_pp, variant):
    """Margins of the decisions postprocess_detections makes for one image (float32 inputs)."""
    thr, nms_thr, _ = variant
    s = scores_pp.numpy()
    margins = {'scoreThresh': threshold_distance(s, (thr,))}
    assert margins['scoreThresh'] > SCORE_MARGIN, margins
    sel = s > thr
    b, s, l = boxes_pp.numpy()[sel], s[sel], labels_pp.numpy()[sel]
    wh = np.minimum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    margins['minSide'] = float(np.min(wh)) if len(wh) else math.inf
    assert margins['minSide'] > 0.5  # remove_small_boxes(1e-2) never fires
    ss = np.sort(s.astype(np.float64))
    margins['scoreGap'] = float(np.min(np.diff(ss))) if len(ss) > 1 else math.inf
    assert margins['scoreGap'] > SCORE_GAP, margins
    iou = iou64(b, b)
    same = (l[:, None] == l[None, :]) & ~np.eye(len(l), dtype=bool)
    margins['nmsIou'] = threshold_distance(iou[same], (nms_thr,))
    assert margins['nmsIou'] > IOU_MARGIN, margins
    return b, s, l, margins


def run_box_inference(heads, feats, proposals):
    image_sizes = list(BOX_IMAGE_SIZES)
    with torch.no_grad():
        pooled = heads.box_roi_pool(feats, proposals, image_sizes)
        hidden = heads.box_head(pooled)
        logits, regression = heads.box_predictor(hidden)
        decoded = heads.box_coder.decode(regression, proposals).reshape(-1, NUM_CLASSES * 4)
        scores = F.softmax(logits, -1)
    return pooled, logits, regression, decoded, scores


def make_box_head(feats):
    proposal_seed, proposals = box_proposals()
    counts = [len(p) for p in proposals]
    for weight_seed in range(900, 1100):
        heads = build_roi_heads(weight_seed)
        pooled, logits, regression, decoded, scores = run_box_inference(heads, feats, proposals)
        try:
            per_variant = []
            for variant in POSTPROCESS_VARIANTS:
                dets = []
                offs = 0
                for i, n in enumerate(counts):
                    bx = box_ops.clip_boxes_to_image(decoded[offs:offs + n].reshape(n, NUM_CLASSES, 4),
                                                     BOX_IMAGE_SIZES[i])[:, 1:].reshape(-1, 4)
                    sc = scores[offs:offs + n, 1:].reshape(-1)
                    lb = torch.arange(1, NUM_CLASSES).repeat(n)
                    b, s, l, mg = candidate_checks(bx, sc, lb, variant)
                    keep = greedy_nms64(b, s, l, variant[1])[:variant[2]]
                    dets.append((b[keep], s[keep], l[keep], len(s), mg))
                    offs += n
                per_variant.append(dets)
        except AssertionError:
            continue
        multi = int(((scores[:, 1:] > 0.05).sum(1) >= 2).sum())
        nms_removed = [d[3] - len(d[2]) for d in per_variant[0]]
        truncated = any(d[3] > 6 and len(d[2]) == 6 for d in per_variant[1])
        classes_all = [set(d[2].tolist()) for d in per_variant[0]]
        classes_top = set(np.concatenate([d[2] for d in per_variant[1]]).tolist())
        if multi >= len(scores) // 2 and min(nms_removed) > 0 and truncated and \
                all(len(d[2]) > 0 for d in per_variant[2]) and all(c == {1, 2, 3} for c in classes_all) and \
                len(classes_top) == 3 and all(d[3] >= 1.5 * n for d, n in zip(per_variant[0], counts)):
            break
    else:
        raise RuntimeError('no weight seed for boxHead')

    levels = [pooler_levels(heads.box_roi_pool, [p]) for p in proposals]
    for p, lv in zip(proposals, levels):
        check_levels(p.numpy(), lv.numpy())
    used = set(torch.cat(levels).tolist())
    assert {0, 1, 2} <= used, used
    assert all(s == 2 ** -(k + 2) for s, k in zip(heads.box_roi_pool.scales, range(4)))

    # postprocess_detections for each variant, checked against the float64 replay and RoIHeads.forward
    postprocess = []
    for v, (thr, nms_thr, topk) in enumerate(POSTPROCESS_VARIANTS):
        heads.score_thresh, heads.nms_thresh, heads.detections_per_img = thr, nms_thr, topk
        with torch.no_grad():
            boxes, scs, lbs = heads.postprocess_detections(logits, regression, proposals, list(BOX_IMAGE_SIZES))
            fwd_heads = box_only(heads)
            fwd_heads.score_thresh, fwd_heads.nms_thresh, fwd_heads.detections_per_img = thr, nms_thr, topk
            fwd, _ = fwd_heads(feats, proposals, list(BOX_IMAGE_SIZES))
        dets = []
        for i in range(2):
            rb, rs, rl, _, _ = per_variant[v][i]
            assert np.array_equal(boxes[i].numpy(), rb) and np.array_equal(scs[i].numpy(), rs) and \
                np.array_equal(lbs[i].numpy(), rl)
            assert torch.equal(fwd[i]['boxes'], boxes[i]) and torch.equal(fwd[i]['scores'], scs[i]) and \
                torch.equal(fwd[i]['labels'], lbs[i])
            dets.append({'boxes': fl(boxes[i]), 'scores': fl(scs[i]), 'labels': il(lbs[i])})
        postprocess.append({'scoreThresh': thr, 'nmsThresh': nms_thr, 'detectionsPerImg': topk,
                            'numCandidates': [per_variant[v][i][3] for i in range(2)], 'detections': dets,
                            'margins': [{k: margin_out(x) for k, x in per_variant[v][i][4].items()} for i in range(2)]})
    heads.score_thresh, heads.nms_thresh, heads.detections_per_img = 0.05, 0.5, 100

    section = {
        'notes': 'Eval-mode RoIHeads box branch. pooledFeatures = MultiScaleRoIAlign(["0","1","2","3"], 7, '
                 'sampling_ratio=2)(features, proposals, imageSizes): roi_align with aligned=False (legacy: no '
                 '-0.5 shift, roi width/height clamped to >= 1 feature pixel), spatial scale 1/4, 1/8, 1/16, 1/32 '
                 'inferred as 2^round(log2(featureHeight / max image height over imageSizes)) (here max = padded); '
                 'level = clamp(floor(4 + log2(sqrt(area) / 224) '
                 '+ 1e-6), 2, 5) - 2, area = (x2-x1)*(y2-y1) in image pixels; rows in proposal order (image 0 '
                 'then image 1), batch index = image. TwoMLPHead: flatten [R, 8*7*7] (c, y, x) -> relu(fc6) -> '
                 'relu(fc7); FastRCNNPredictor: cls_score, bbox_pred (class k deltas in columns 4k..4k+3). '
                 'PyTorch Linear weights are [out, in]. decodedBoxes = BoxCoder(10,10,5,5).decode(boxRegression, '
                 'proposals) (dw/dh clamped at log(1000/16)); scores = softmax(classLogits). postprocess_detections: '
                 'per image clip to imageSize, drop class 0, flatten (proposal-major, then class 1..3), keep '
                 'score > scoreThresh, remove_small_boxes(1e-2), batched_nms(per class, nmsThresh), then the first '
                 'detectionsPerImg in decreasing score order. RoIHeads.forward(eval) gives identical results. '
                 'features are small integers everywhere, including image 1\'s padding (outside its imageSize); '
                 'proposal 0 of image 0 (3x3 px) is narrower than one feature pixel (roi size clamp).',
        'config': {'numClasses': NUM_CLASSES, 'channels': CHANNELS, 'representationSize': REPRESENTATION,
                   'roiOutputSize': 7, 'samplingRatio': 2, 'aligned': False, 'canonicalScale': 224,
                   'canonicalLevel': 4, 'boxCoderWeights': [10, 10, 5, 5],
                   'bboxXformClip': heads.box_coder.bbox_xform_clip,
                   'minSize': 1e-2, 'scales': heads.box_roi_pool.scales},
        'proposalSeed': proposal_seed,
        'weightSeed': weight_seed,
        'paddedImageSize': list(BOX_PADDED),
        'imageSizes': [list(s) for s in BOX_IMAGE_SIZES],
        'featureNames': FPN_NAMES,
        'features': {k: packed(v) for k, v in feats.items()},
        'weights': weights_of(heads, ('box_head.', 'box_predictor.')),
        'proposals': [fl(p) for p in proposals],
        'levels': [il(l) for l in levels],
        'levelMargin': margin_out(min(level_margin(p.numpy()) for p in proposals)),
        'pooledFeatures': packed(pooled),
        'classLogits': fl(logits),
        'boxRegression': fl(regression),
        'decodedBoxes': fl(decoded),
        'scores': fl(scores),
        'postprocess': postprocess,
    }
    return section, heads


# ----------------------------------------------------------------------------- box head (training)

TRAIN_SAMPLER_SEED = 11


def training_inputs(rng):
    out = []
    for (h, w), labels in zip(BOX_IMAGE_SIZES, ([1, 3, 2], [2, 2, 3])):
        gt = []
        for _ in labels:
            bw, bh = rng.uniform(20, 110, 2)
            x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            gt.append([x1, y1, x1 + bw, y1 + bh])
        gt = dyadic(np.asarray(gt), 4)
        props = []
        for k in range(16):
            if k < 5:  # jittered gt: candidates for positives
                g = gt[k % len(gt)].astype(np.float64)
                gw, gh = g[2] - g[0], g[3] - g[1]
                b = g + rng.normal(0, 0.15, 4) * [gw, gh, gw, gh]
            else:
                bw, bh = rng.uniform(8, 120, 2)
                x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
                b = np.array([x1, y1, x1 + bw, y1 + bh])
            b = np.clip(b, 0, [w, h, w, h])
            b[2:] = np.maximum(b[2:], b[:2] + 2)
            props.append(b)
        out.append((dyadic(np.asarray(props), 4), gt, np.asarray(labels, np.int64)))
    return out


def make_box_head_training(heads, feats):
    matcher = det_utils.Matcher(0.5, 0.5, allow_low_quality_matches=False)
    bs, frac = 16, 0.25
    num_pos_max = int(bs * frac)
    for seed in range(1200, 1500):
        rng = np.random.RandomState(seed)
        data = training_inputs(rng)
        if not all(level_margin(np.concatenate([p, g])) > LEVEL_MARGIN for p, g, _ in data):
            continue
        try:
            stats = []
            for props, gt, _ in data:
                allp = np.concatenate([props, gt])
                m = matcher(box_ops.box_iou(torch.from_numpy(gt), torch.from_numpy(allp))).numpy()
                check_matching(gt, allp, (0.5,), m)
                stats.append((int((m >= 0).sum()), int((m == -1).sum())))
        except AssertionError:
            continue
        # positive sampling active in some image, negative sampling active in some image
        if any(p > num_pos_max for p, _ in stats) and any(n > bs - min(p, num_pos_max) for p, n in stats):
            break
    else:
        raise RuntimeError('no seed for boxHeadTraining')
    input_seed = seed
    proposals = [torch.from_numpy(p) for p, _, _ in data]
    targets = [{'boxes': torch.from_numpy(g), 'labels': torch.from_numpy(l)} for _, g, l in data]
    gt_boxes = [t['boxes'] for t in targets]
    gt_labels = [t['labels'] for t in targets]

    train_heads = box_only(heads)
    train_heads.train()
    with torch.no_grad():
        # manual pieces
        with_gt = train_heads.add_gt_proposals(list(proposals), gt_boxes)
        raw = [matcher(box_ops.box_iou(g, p)) for g, p in zip(gt_boxes, with_gt)]
        clamped, labels = train_heads.assign_targets_to_proposals(with_gt, gt_boxes, gt_labels)
        rec = RecordingSampler(train_heads.fg_bg_sampler)
        train_heads.fg_bg_sampler = rec
        torch.manual_seed(TRAIN_SAMPLER_SEED)
        sampled = train_heads.subsample(labels)
        pos = [torch.where(p)[0] for p in rec.calls[0][0]]
        neg = [torch.where(n)[0] for n in rec.calls[0][1]]
        s_props = [p[s] for p, s in zip(with_gt, sampled)]
        s_matched = [m[s] for m, s in zip(clamped, sampled)]
        s_labels = [l[s] for l, s in zip(labels, sampled)]
        reg_targets = train_heads.box_coder.encode([g[m] for g, m in zip(gt_boxes, s_matched)], s_props)
        pooled = train_heads.box_roi_pool(feats, s_props, list(BOX_IMAGE_SIZES))
        logits, regression = train_heads.box_predictor(train_heads.box_head(pooled))
        loss_cls, loss_box = rh_mod.fastrcnn_loss(logits, regression, s_labels, list(reg_targets))

        # torchvision's own path
        torch.manual_seed(TRAIN_SAMPLER_SEED)
        tv_props, tv_matched, tv_labels, tv_targets = train_heads.select_training_samples(list(proposals), targets)
        torch.manual_seed(TRAIN_SAMPLER_SEED)
        _, losses = train_heads(feats, list(proposals), list(BOX_IMAGE_SIZES), targets)

    for i in range(2):
        assert torch.equal(tv_props[i], s_props[i]) and torch.equal(tv_matched[i], s_matched[i])
        assert torch.equal(tv_labels[i], s_labels[i]) and torch.equal(tv_targets[i], reg_targets[i])
        assert torch.equal(sampled[i], torch.sort(torch.cat([pos[i], neg[i]]))[0])
        assert torch.equal(clamped[i], raw[i].clamp(min=0))
        exp_labels = torch.where(raw[i] >= 0, gt_labels[i][raw[i].clamp(min=0)], torch.zeros_like(raw[i]))
        assert torch.equal(labels[i], exp_labels) and not bool((raw[i] == -2).any())
        # gt boxes appended at the end match themselves
        n = len(proposals[i])
        assert il(raw[i][n:]) == list(range(len(gt_boxes[i])))
        n_pos = min(int((raw[i] >= 0).sum()), num_pos_max)
        assert len(pos[i]) == n_pos and len(neg[i]) == min(int((raw[i] == -1).sum()), bs - n_pos)
    assert torch.equal(losses['loss_classifier'], loss_cls) and torch.equal(losses['loss_box_reg'], loss_box)
    # float64 recomputation from the stored pieces
    lab = torch.cat(s_labels).numpy()
    lg = logits.double().numpy()
    ce = np.mean(np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1)) + lg.max(1) - lg[np.arange(len(lab)), lab])
    tg = torch.cat(reg_targets).numpy()
    pidx = np.where(lab > 0)[0]
    rg = regression.numpy().reshape(len(lab), NUM_CLASSES, 4)[pidx, lab[pidx]]
    bl = smooth_l1_64(rg, tg[pidx], 1 / 9).sum() / len(lab)
    assert rel_close(ce, loss_cls) and rel_close(bl, loss_box), (ce, loss_cls, bl, loss_box)
    levels = [pooler_levels(train_heads.box_roi_pool, [p]) for p in s_props]
    for p, lv in zip(s_props, levels):
        check_levels(p.numpy(), lv.numpy())

    return {
        'notes': 'Training-mode RoIHeads box branch (same features/weights as boxHead). select_training_samples: '
                 'proposalsWithGt = cat(proposals, gtBoxes) per image (gt appended AFTER the proposals); '
                 'matchedIdxsRaw = Matcher(0.5, 0.5, allow_low_quality_matches=False)(box_iou(gt, '
                 'proposalsWithGt)) (-1 below 0.5; -2 cannot occur); matchedIdxsClamped = max(raw, 0) (background '
                 'maps to gt 0); labels = gtLabels[clamped], then 0 where raw == -1. '
                 'BalancedPositiveNegativeSampler(16, 0.25): positives labels >= 1, up to 4 by randperm, negatives '
                 'labels == 0, up to 16 - numPos by randperm (torch RNG, samplerSeed; sets stored); '
                 'sampledIndices = torch.where(pos | neg) -> ascending index order (positives and negatives '
                 'interleaved). sampledProposals/sampledMatchedIdxs/sampledLabels are indexed by sampledIndices; '
                 'regressionTargets = BoxCoder(10,10,5,5).encode(gt[sampledMatchedIdxs], sampledProposals) '
                 '(negatives encoded against gt 0). classLogits/boxRegression = box head on the sampled '
                 'proposals (concatenated over images). fastrcnn_loss: lossClassifier = mean cross-entropy over all '
                 'sampled rows; lossBoxReg = sum smooth_l1(beta=1/9) of boxRegression[row, 4*label..4*label+3] '
                 'vs regressionTargets over rows with label > 0, divided by the number of sampled rows. '
                 'Equal to RoIHeads.forward(train) run with the same seed.',
        'config': {'fgIouThresh': 0.5, 'bgIouThresh': 0.5, 'batchSizePerImage': bs, 'positiveFraction': frac,
                   'boxCoderWeights': [10, 10, 5, 5], 'smoothL1Beta': 1 / 9},
        'inputSeed': input_seed,
        'iouMargin': margin_out(min(threshold_distance(iou64(g.numpy(), p.numpy()), (0.5,))
                                    for g, p in zip(gt_boxes, with_gt))),
        'levelMargin': margin_out(min(level_margin(p.numpy()) for p in with_gt)),
        'imageSizes': [list(s) for s in BOX_IMAGE_SIZES],
        'proposals': [fl(p) for p in proposals],
        'gtBoxes': [fl(g) for g in gt_boxes],
        'gtLabels': [il(l) for l in gt_labels],
        'proposalsWithGt': [fl(p) for p in with_gt],
        'matchedIdxsRaw': [il(m) for m in raw],
        'matchedIdxsClamped': [il(m) for m in clamped],
        'labels': [il(l) for l in labels],
        'samplerSeed': TRAIN_SAMPLER_SEED,
        'sampledPositive': [il(p) for p in pos],
        'sampledNegative': [il(n) for n in neg],
        'sampledIndices': [il(s) for s in sampled],
        'sampledProposals': [fl(p) for p in s_props],
        'sampledMatchedIdxs': [il(m) for m in s_matched],
        'sampledLabels': [il(l) for l in s_labels],
        'sampledLevels': [il(l) for l in levels],
        'regressionTargets': [fl(t) for t in reg_targets],
        'classLogits': fl(logits),
        'boxRegression': fl(regression),
        'lossClassifier': f32(loss_cls),
        'lossBoxReg': f32(loss_box),
    }


# ----------------------------------------------------------------------------- mask head

MASK_IMAGE = (48, 64)


def rasterize(shapes, size):
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    masks = []
    for kind, x1, y1, x2, y2 in shapes:
        if kind == 'rect':
            m = (xx >= x1) & (xx < x2) & (yy >= y1) & (yy < y2)
        else:
            cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
            m = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1
        masks.append(m)
    return np.stack(masks).astype(np.uint8)


def make_mask_head(heads, feats, box_section):
    # --- inference on given detections (3 per image)
    det_plans = [[(20, 26), (120, 150), (0.5, 0.25, 320, 160)], [(34, 18), (60, 88), (150, 124)]]
    for det_seed in range(91, 200):
        rng = np.random.RandomState(det_seed)
        det_boxes = [dyadic(np.asarray(place_boxes(rng, size, plan, 0.97)), 4)
                     for size, plan in zip(BOX_IMAGE_SIZES, det_plans)]
        if all(level_margin(b) > LEVEL_MARGIN for b in det_boxes):
            break
    else:
        raise RuntimeError('no detection seed')
    det_boxes = [torch.from_numpy(b) for b in det_boxes]
    det_labels = [torch.from_numpy(rng.randint(1, NUM_CLASSES, len(b)).astype(np.int64)) for b in det_boxes]
    with torch.no_grad():
        pooled = heads.mask_roi_pool(feats, det_boxes, list(BOX_IMAGE_SIZES))
        hidden = heads.mask_head(pooled)
        mask_logits = heads.mask_predictor(hidden)
        probs = rh_mod.maskrcnn_inference(mask_logits, det_labels)
    labels_cat = torch.cat(det_labels)
    logits_of_label = mask_logits[torch.arange(len(labels_cat)), labels_cat][:, None]
    probs_cat = torch.cat(probs)
    assert torch.equal(probs_cat, torch.sigmoid(logits_of_label))
    assert mask_logits.shape == (6, NUM_CLASSES, 28, 28) and float(mask_logits.std()) > 0.3
    levels = [pooler_levels(heads.mask_roi_pool, [b]) for b in det_boxes]
    for b, lv in zip(det_boxes, levels):
        check_levels(b.numpy(), lv.numpy())
    assert {0, 1, 2} <= set(torch.cat(levels).tolist())
    # RoIHeads.forward(eval) with the mask branch: masks of its detections = the manual pieces
    with torch.no_grad():
        props = [torch.tensor(p) for p in box_section['proposals']]
        result, _ = heads(feats, props, list(BOX_IMAGE_SIZES))
        ml = heads.mask_predictor(heads.mask_head(heads.mask_roi_pool(feats, [r['boxes'] for r in result],
                                                                      list(BOX_IMAGE_SIZES))))
        manual = rh_mod.maskrcnn_inference(ml, [r['labels'] for r in result])
    for r, m in zip(result, manual):
        assert torch.equal(r['masks'], m) and len(m) > 0

    # --- training loss on a small 48x64 case
    rng = np.random.RandomState(92)
    shapes = [
        [('ellipse', 6.25, 4.5, 30.75, 27.25), ('rect', 28.5, 18.25, 58.75, 44.5)],
        [('rect', 3.5, 22.75, 25.25, 46.5), ('ellipse', 20.5, 2.25, 61.75, 35.5)],
    ]
    gt_masks = [torch.from_numpy(rasterize(s, MASK_IMAGE)) for s in shapes]
    gt_boxes, proposals, matched = [], [], []
    for gm, order in zip(gt_masks, ([1, 0], [0, 1])):
        gb = []
        for m in gm.numpy():
            ys, xs = np.where(m)
            gb.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        gb = np.asarray(gb, np.float64)
        gt_boxes.append(torch.from_numpy(gb.astype(np.float32)))
        pb = []
        for g in order:
            b = gb[g]
            bw, bh = b[2] - b[0], b[3] - b[1]
            p = b + rng.normal(0, 0.08, 4) * [bw, bh, bw, bh]
            pb.append(np.clip(p, 0, [MASK_IMAGE[1], MASK_IMAGE[0]] * 2))
        proposals.append(torch.from_numpy(dyadic(np.asarray(pb), 4)))
        matched.append(torch.tensor(order, dtype=torch.int64))
    gt_labels = [torch.tensor([2, 1]), torch.tensor([3, 1])]
    num_p = sum(len(p) for p in proposals)
    train_logits = tdy(rng.normal(0, 1.5, (num_p, NUM_CLASSES, 28, 28)), 1)
    with torch.no_grad():
        loss = rh_mod.maskrcnn_loss(train_logits, proposals, gt_masks, gt_labels, matched)
        mask_targets = torch.cat([rh_mod.project_masks_on_boxes(m, p, i, 28)
                                  for m, p, i in zip(gt_masks, proposals, matched)])
        # the same projection spelled out: roi_align(sampling_ratio=-1, aligned=False, scale 1)
        for m, p, i, off in zip(gt_masks, proposals, matched, (0, 2)):
            rois = torch.cat([i[:, None].float(), p], 1)
            t = torchvision.ops.roi_align(m[:, None].float(), rois, (28, 28), 1.0, -1, False)[:, 0]
            assert torch.equal(t, mask_targets[off:off + len(p)])
    sel_labels = torch.cat([l[i] for l, i in zip(gt_labels, matched)])
    sel = train_logits[torch.arange(num_p), sel_labels]
    assert torch.equal(loss, F.binary_cross_entropy_with_logits(sel, mask_targets))
    assert rel_close(bce_logits_64(sel.numpy(), mask_targets.numpy()).mean(), loss)
    sizes = torch.cat(proposals)
    assert bool(((sizes[:, 2:] - sizes[:, :2]) > 28).any())  # adaptive sampling grid > 1 somewhere
    assert 0.05 < float(mask_targets.mean()) < 0.95

    return {
        'notes': 'Mask branch. inference: mask_roi_pool = MultiScaleRoIAlign(["0","1","2","3"], 14, sampling_ratio=2, '
                 'aligned=False) on boxHead.features with the given boxes (levels as in boxHead); MaskRCNNHeads(8, '
                 '(8, 8), dilation 1): two [3x3 conv pad 1 + bias, relu] (weights [out,in,3,3]); '
                 'MaskRCNNPredictor(8, 8, 4): ConvTranspose2d(8, 8, 2, stride 2) (weight [in,out,2,2]: out[o, 2y+i, '
                 '2x+j] = bias[o] + sum_c in[c,y,x] * w[c,o,i,j]), relu, 1x1 conv -> mask logits [R,4,28,28]. '
                 'maskrcnn_inference picks channel labels[r] (the DETECTION label, per row, images concatenated) and '
                 'applies sigmoid: maskProbs = sigmoid(maskLogitsOfLabel). pooledSum/headSum are float64 sums of the '
                 'pooled [R,8,14,14] and mask-head [R,8,14,14] tensors. training: maskrcnn_loss: targets = '
                 'project_masks_on_boxes = roi_align(gtMasks[i][:, None] as float, rois = [matchedIdx, proposal], '
                 '(28, 28), spatial_scale 1, sampling_ratio -1 (adaptive: ceil(roiSize / 28) samples per bin), '
                 'aligned=False)[:, 0]; lossMask = mean BCE-with-logits of maskLogits[p, gtLabels[i][matchedIdx]] '
                 'vs maskTargets over all P*28*28 values (images concatenated). gtMasks pixel (y, x) is 1 when '
                 '(x+0.5, y+0.5) lies in the rectangle / ellipse; gtBoxes are the tight pixel boxes of the masks.',
        'config': {'maskRoiOutputSize': 14, 'samplingRatio': 2, 'maskHeadLayers': [8, 8], 'dilation': 1,
                   'dimReduced': 8, 'numClasses': NUM_CLASSES, 'discretizationSize': 28},
        'weights': weights_of(heads, ('mask_head.', 'mask_predictor.')),
        'inference': {
            'detectionSeed': det_seed,
            'boxes': [fl(b) for b in det_boxes],
            'labels': [il(l) for l in det_labels],
            'levels': [il(l) for l in levels],
            'levelMargin': margin_out(min(level_margin(b.numpy()) for b in det_boxes)),
            'pooledSum': fsum(pooled),
            'headSum': fsum(hidden),
            'maskLogitsOfLabel': packed(logits_of_label),
            'maskProbs': packed(probs_cat),
        },
        'training': {
            'imageSize': list(MASK_IMAGE),
            'gtMasks': [packed_int(m) for m in gt_masks],
            'gtShapes': [[list(s) for s in sh] for sh in shapes],
            'gtBoxes': [fl(b) for b in gt_boxes],
            'gtLabels': [il(l) for l in gt_labels],
            'proposals': [fl(p) for p in proposals],
            'matchedIdxs': [il(m) for m in matched],
            'maskLogits': packed(train_logits),
            'maskTargets': packed(mask_targets),
            'lossMask': f32(loss),
        },
    }


# ----------------------------------------------------------------------------- paste masks / resize boxes

PASTE_IMAGE = (40, 56)


def make_paste_masks():
    rng = np.random.RandomState(101)
    boxes = np.array([
        [5.25, 6.5, 30.75, 28.25],     # inside
        [-8.5, 20.25, 14.75, 47.5],    # outside left and bottom
        [40.25, 3.5, 41.0, 4.25],      # tiny (0.75 x 0.75)
        [30.5, -3.25, 62.0, 36.75],    # outside top and right
    ], np.float32)
    masks = tdy(rng.uniform(0, 1, (len(boxes), 1, 28, 28)), 8)
    tb = torch.from_numpy(boxes)
    padded, scale = rh_mod.expand_masks(masks, padding=1)
    assert scale == 30 / 28 and padded.shape[-1] == 30
    exp_f = rh_mod.expand_boxes(tb.clone(), scale)
    expanded = exp_f.to(torch.int64)
    # truncation toward zero must not depend on float32 vs float64 rounding
    b64 = boxes.astype(np.float64)
    c = (b64[:, :2] + b64[:, 2:]) / 2
    half = (b64[:, 2:] - b64[:, :2]) / 2 * (30 / 28)
    e64 = np.concatenate([c - half, c + half], 1)
    assert np.array_equal(np.trunc(e64).astype(np.int64), expanded.numpy())
    assert float(np.min(np.abs(e64 - np.round(e64)))) > 1e-3
    with torch.no_grad():
        pasted = rh_mod.paste_masks_in_image(masks, tb, PASTE_IMAGE, padding=1)
    assert pasted.shape == (len(boxes), 1) + PASTE_IMAGE
    # self-check: each pasted mask is the bilinear resize of the padded mask placed at the int box
    for r in range(len(boxes)):
        x0, y0, x1, y1 = expanded[r].tolist()
        w, h = max(x1 - x0 + 1, 1), max(y1 - y0 + 1, 1)
        res = F.interpolate(padded[r:r + 1], size=(h, w), mode='bilinear', align_corners=False)[0, 0]
        pad = 64
        canvas = torch.zeros(PASTE_IMAGE[0] + 2 * pad, PASTE_IMAGE[1] + 2 * pad)
        canvas[y0 + pad:y0 + pad + h, x0 + pad:x0 + pad + w] = res
        want = canvas[pad:pad + PASTE_IMAGE[0], pad:pad + PASTE_IMAGE[1]]
        assert torch.equal(pasted[r, 0], want), r
    assert int(expanded[2, 2] - expanded[2, 0]) + 1 <= 2  # tiny box: a 2x2 patch at most

    cases = []
    rboxes = dyadic(np.array([[0, 0, 1066, 800], [12.5, 40.25, 300.75, 512.5], [533, 400, 534, 401.5],
                              [1000.25, 700.75, 1066, 800]]), 4)
    for from_size, to_size in [((800, 1066), (480, 640)), ((800, 1199), (427, 640)), ((608, 800), (1024, 1333))]:
        out = resize_boxes(torch.from_numpy(rboxes), list(from_size), list(to_size))
        ratios = [np.float32(np.float32(t) / np.float32(f)) for t, f in zip(to_size, from_size)]
        exp = rboxes * np.array([ratios[1], ratios[0], ratios[1], ratios[0]], np.float32)
        assert np.array_equal(out.numpy(), exp.astype(np.float32))
        cases.append({'fromSize': list(from_size), 'toSize': list(to_size), 'boxes': fl(rboxes),
                      'ratioHeightWidth': [f32(r) for r in ratios], 'resized': fl(out)})

    return {
        'notes': 'paste_masks_in_image(masks, boxes, imageSize, padding=1) as used by GeneralizedRCNNTransform.'
                 'postprocess: masks zero-padded to 30x30 (expand_masks, scale = 30/28); boxes expanded about their '
                 'centre (float32: half = (x2-x1)*0.5*scale, x1 = cx - half ...) then cast to int64 (TRUNCATION '
                 'toward zero, so -2.7 -> -2) = expandedBoxes; per mask w = max(int(x2 - x1 + 1), 1), h likewise, the '
                 '30x30 mask is resized with F.interpolate(bilinear, align_corners=False) to [h, w] and its part at '
                 'rows y1..y1+h-1, cols x1..x1+w-1 that lies inside the image is copied; the rest is 0. pasted is '
                 '[R,1,h,w] (NCHW). resizeBoxes: transform.resize_boxes(boxes, fromSize, toSize) with float32 '
                 'ratio = float32(to) / float32(from) per axis, x * ratioWidth, y * ratioHeight (sizes are [h, w]).',
        'imageSize': list(PASTE_IMAGE),
        'padding': 1,
        'masks': packed(masks),
        'boxes': fl(boxes),
        'expandedBoxesFloat': fl(exp_f),
        'expandedBoxes': il(expanded),
        'truncationMargin': margin_out(float(np.min(np.abs(e64 - np.round(e64))))),
        'pasted': packed(pasted),
        'resizeBoxes': {'cases': cases},
    }


# ----------------------------------------------------------------------------- main

def debian_versions():
    try:
        out = subprocess.run(['dpkg-query', '-W', '-f', '${Package}=${Version}\\n', 'python3-torch',
                              'python3-torchvision'], capture_output=True, text=True, check=True).stdout
        return out.split()
    except (OSError, subprocess.CalledProcessError):
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=OUT)
    args = ap.parse_args()

    feats = make_features()
    box_section, heads = make_box_head(feats)
    data = {
        'meta': {
            'generator': 'tools/reference/transfer/make_roi_head_fixtures.py',
            'torch': torch.__version__, 'torchvision': torchvision.__version__, 'numpy': np.__version__,
            'python': platform.python_version(),
            'debianPackages': debian_versions(),
            'numberFormat': 'float32 values as the shortest decimal that round-trips to float32 (use '
                            'Math.fround/Float32Array for the exact value); integral values without fraction; '
                            'inputs are dyadic, exact in float32 and float64. Rank>=3 tensors and layer weights: '
                            '{shape, data(flat row-major)}. Boxes: [[x1,y1,x2,y2],...]. Image sizes are [h, w].',
        },
        'rpnLoss': make_rpn_loss(),
        'boxHead': box_section,
        'boxHeadTraining': make_box_head_training(heads, feats),
        'maskHead': make_mask_head(heads, feats, box_section),
        'pasteMasks': make_paste_masks(),
    }
    text = json.dumps(data, separators=(',', ':'), allow_nan=False)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text + '\n')

    print(f'torch {torch.__version__}, torchvision {torchvision.__version__}; wrote {args.out} '
          f'({len(text) + 1} bytes)')
    for k, v in data.items():
        print(f'  {k}: {len(json.dumps(v, separators=(",", ":")))} bytes')
    r = data['rpnLoss']
    print('rpnLoss gtSeed', r['gtSeed'], 'pos/neg sampled', [len(p) for p in r['sampledPositive']],
          [len(n) for n in r['sampledNegative']], 'losses', r['lossObjectness'], r['lossBoxReg'])
    b = data['boxHead']
    print('boxHead weightSeed', b['weightSeed'], 'levels', b['levels'],
          'detections', [(p['scoreThresh'], p['detectionsPerImg'], p['numCandidates'],
                          [len(d['scores']) for d in p['detections']]) for p in b['postprocess']])
    t = data['boxHeadTraining']
    print('boxHeadTraining inputSeed', t['inputSeed'], 'sampled', t['sampledIndices'], 'labels', t['sampledLabels'],
          'losses', t['lossClassifier'], t['lossBoxReg'])
    print('maskHead levels', data['maskHead']['inference']['levels'], 'lossMask',
          data['maskHead']['training']['lossMask'])
    print('pasteMasks expanded', data['pasteMasks']['expandedBoxes'])


if __name__ == '__main__':
    sys.exit(main())
