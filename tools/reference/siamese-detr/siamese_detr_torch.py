"""Siamese DETR in PyTorch, written for ssdet's reference checks (dev-time only).

Our own code, following the semantics of Zx55/SiameseDETR:
  - models/siamese_detr.py       SiameseDETR.align_and_proj (RoIAlign 7x7 → avgpool → patch2query →
                                 repeat_interleave → + query_embed), add_randomness_on_multiview_box,
                                 forward_train (two directions averaged 0.5/0.5);
  - models/heads/siamdetr_head.py SiameseDETRPredictHead (class_embed Linear(d, 3), bbox_embed
                                 MLP(d, d, 4, 3), feature_align MLP(d, d, C, 2)), SiamDETRCriterion
                                 (loss_labels with eos 0.1, loss_boxes and loss_feature divided by
                                 bs·num_patches), SiameseDETREncoderGlobalLatentHead + loss_contra;
  - models/necks/nonlinear.py     NonLinearNeckV3 (projector) / NonLinearNeckV2 (predictor);
  - models/necks/conditional_tr.py pred_bbox_with_reference (Deformable: + inverse_sigmoid(ref));
  - models/utils/hungarian_matcher.py (SciPy linear_sum_assignment);
  - datasets/pipelines/helper.py  gen_two_boxes_in_outerbox_with_iou;
  - datasets/siamese_detr.py      clip_and_remove_out_box, anchor_mapping_np, pick_boxes,
                                 pad_jitter_box.
Randomness (random.random, torch.randn) is passed in as fixed draws so that ssdet can replay it.
Used by make_siamese_detr_golden.py and bench_siamese_detr_torch.py.
"""
import math

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn
from torchvision.ops import roi_align


# ---------------------------------------------------------------------------- boxes
def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def xyxy_to_cxcywh(b):
    x0, y0, x1, y1 = b.unbind(-1)
    return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1)


def pairwise_giou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union
    hull = (torch.max(a[:, None, 2:], b[None, :, 2:]) - torch.min(a[:, None, :2], b[None, :, :2])).clamp(min=0).prod(-1)
    return iou - (hull - union) / hull


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(dims, dims[1:] + [output_dim]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(0, 1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


# ---------------------------------------------------------------------------- prediction head
class PredictHead(nn.Module):
    """class_embed, bbox_embed, feature_align of SiameseDETRPredictHead."""

    def __init__(self, d, channels):
        super().__init__()
        self.class_embed = nn.Linear(d, 3)
        self.bbox_embed = MLP(d, d, 4, 3)
        self.feature_align = MLP(d, d, channels, 2)

    def forward(self, hs, ref=None):
        logits = self.class_embed(hs)
        if ref is None:
            boxes = self.bbox_embed(hs).sigmoid()
        else:  # (init, inter) references of a Deformable decoder without refinement: all equal.
            outs = []
            for lvl in range(hs.shape[0]):
                tmp = self.bbox_embed(hs[lvl])
                tmp = torch.cat([tmp[..., :2] + inverse_sigmoid(ref), tmp[..., 2:]], -1)
                outs.append(tmp.sigmoid())
            boxes = torch.stack(outs)
        return logits, boxes, self.feature_align(hs)


@torch.no_grad()
def hungarian_match(logits, boxes, targets, cost_class=1.0, cost_bbox=5.0, cost_giou=2.0):
    bs, q = logits.shape[:2]
    prob = logits.flatten(0, 1).softmax(-1)
    out_bbox = boxes.flatten(0, 1)
    tgt_ids = torch.cat([t['labels'] for t in targets])
    tgt_bbox = torch.cat([t['boxes'] for t in targets])
    c = (cost_bbox * torch.cdist(out_bbox, tgt_bbox, p=1) - cost_class * prob[:, tgt_ids]
         - cost_giou * pairwise_giou(cxcywh_to_xyxy(out_bbox), cxcywh_to_xyxy(tgt_bbox)))
    c = c.view(bs, q, -1)
    sizes = [len(t['boxes']) for t in targets]
    out = []
    for i, part in enumerate(c.split(sizes, -1)):
        rows, cols = linear_sum_assignment(part[i].numpy())
        out.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
    return out


def layer_terms(logits, boxes, features, targets, gt_feature, matches, eos_coef=0.1):
    bs = len(targets)
    num_patches = len(targets[0]['boxes'])
    num_boxes = bs * num_patches
    batch_idx = torch.cat([torch.full_like(s, i) for i, (s, _) in enumerate(matches)])
    src_idx = torch.cat([s for s, _ in matches])
    # loss_labels: 3 logits, no-object = 2, weight eos_coef.
    target_classes = torch.full(logits.shape[:2], 2, dtype=torch.int64)
    target_classes[batch_idx, src_idx] = torch.cat([t['labels'][j] for t, (_, j) in zip(targets, matches)])
    empty_weight = torch.ones(3)
    empty_weight[-1] = eos_coef
    loss_ce = F.cross_entropy(logits.transpose(1, 2), target_classes, empty_weight)
    # loss_boxes
    src_boxes = boxes[batch_idx, src_idx]
    tgt_boxes = torch.cat([t['boxes'][j] for t, (_, j) in zip(targets, matches)])
    loss_bbox = F.l1_loss(src_boxes, tgt_boxes, reduction='none').sum() / num_boxes
    loss_giou = (1 - torch.diag(pairwise_giou(cxcywh_to_xyxy(src_boxes), cxcywh_to_xyxy(tgt_boxes)))).sum() / num_boxes
    # loss_feature: gt_feature [bs·M, C] viewed per image, gathered by the matched target indices.
    gt = gt_feature.view(bs, num_patches, -1)
    tgt_feat = torch.cat([g[j] for g, (_, j) in zip(gt, matches)], 0)
    loss_feature = F.mse_loss(F.normalize(features[batch_idx, src_idx], dim=1), F.normalize(tgt_feat, dim=1),
                              reduction='none').sum() / num_boxes
    return {'loss_ce': loss_ce, 'loss_bbox': loss_bbox, 'loss_giou': loss_giou, 'loss_feature': loss_feature}


WEIGHTS = {'loss_ce': 1.0, 'loss_bbox': 5.0, 'loss_giou': 2.0, 'loss_feature': 3.0}


def direction_loss(head, hs, ref, target_box, img_size, gt_feature, weights=WEIGHTS):
    """One direction: hs [L, B, Q, d]; target_box [B, M, 4] xyxy pixels; img_size [B, 2] (H, W).
    Returns the weighted terms (summed over layers, name without suffix), raw per-layer terms and
    the matches (aux layers 0 … L−2 then the final layer)."""
    logits, boxes, features = head(hs, ref)
    h, w = img_size[:, 0].view(-1, 1), img_size[:, 1].view(-1, 1)
    scale = torch.cat([w, h, w, h], 1).float()
    norm = target_box / scale[:, None, :]
    targets = [{'labels': torch.ones(target_box.shape[1], dtype=torch.int64), 'boxes': xyxy_to_cxcywh(norm[i])}
               for i in range(len(norm))]
    layers = hs.shape[0]
    summed, raw, all_matches = {}, {}, []
    for lvl in list(range(layers - 1)) + [layers - 1]:
        matches = hungarian_match(logits[lvl], boxes[lvl], targets)
        all_matches.append(matches)
        terms = layer_terms(logits[lvl], boxes[lvl], features[lvl], targets, gt_feature, matches)
        suffix = '' if lvl == layers - 1 else f'_{lvl}'
        for k, v in terms.items():
            raw[k + suffix] = v
            summed[k] = summed.get(k, 0) + weights[k] * v
    return summed, raw, all_matches


# ---------------------------------------------------------------------------- global discrimination
class GlobalHead(nn.Module):
    """NonLinearNeckV3 projector + NonLinearNeckV2 predictor (plain BN: one process)."""

    def __init__(self, in_dim, hid, out):
        super().__init__()
        self.projector = nn.Module()
        self.projector.mlp = nn.Sequential(
            nn.Linear(in_dim, hid), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
            nn.Linear(hid, hid), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
            nn.Linear(hid, out), nn.BatchNorm1d(out))
        self.predictor = nn.Module()
        self.predictor.mlp = nn.Sequential(nn.Linear(out, hid), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
                                           nn.Linear(hid, out))

    def proj(self, x):
        z = self.projector.mlp(x)
        return z, self.predictor.mlp(z)


def loss_contra(pred, proj):
    p, z = F.normalize(pred, dim=1), F.normalize(proj, dim=1)
    return 2 - 2 * (p * z).sum() / p.size(0)


def global_loss(head, pooled_a, pooled_b):
    za, pa = head.proj(pooled_a)
    zb, pb = head.proj(pooled_b)
    return 0.5 * loss_contra(pa, zb.clone().detach()) + 0.5 * loss_contra(pb, za.clone().detach())


# ---------------------------------------------------------------------------- query injection
def align_and_proj(feature_maps, strides, boxes, patch2query, query_embed, num_queries):
    """feature_maps: list of [B, C_l, H_l, W_l]; boxes: list (per image) of [M, 4] pixels.
    Returns [Q, B, d] as SiameseDETR.align_and_proj."""
    bs, num_patches = len(boxes), boxes[0].shape[0]
    pooled = [roi_align(f, boxes, output_size=(7, 7), spatial_scale=1.0 / s, sampling_ratio=-1, aligned=False)
              for f, s in zip(feature_maps, strides)]
    feat = torch.cat(pooled, 1)
    feat = F.adaptive_avg_pool2d(feat, (1, 1)).flatten(1).view(bs, num_patches, -1)
    feat = patch2query(feat).repeat_interleave(num_queries // num_patches, dim=1).permute(1, 0, 2).contiguous()
    return feat + query_embed.unsqueeze(1).repeat(1, bs, 1)


def disturb(box, size, normals, ratio=0.1):
    """add_randomness_on_multiview_box's _add with torch.randn replaced by `normals` [n, 4]."""
    w = (box[:, 2] - box[:, 0]).view(-1, 1)
    h = (box[:, 3] - box[:, 1]).view(-1, 1)
    r = normals.sigmoid() * ratio * 2 - ratio
    new = box + torch.cat([w, h, w, h], -1) * r
    max_h, max_w = size.unbind()
    new[:, ::2].clamp_(min=0, max=max_w)
    new[:, 1::2].clamp_(min=0, max=max_h)
    return new


# ---------------------------------------------------------------------------- views and boxes
def two_boxes_in_outer(outer, iou, stochastic, uniforms):
    """gen_two_boxes_in_outerbox_with_iou with random.random() replaced by `uniforms` (in order)."""
    draws = iter(uniforms)
    ox1, oy1, ox2, oy2 = outer
    cy, cx = (oy1 + oy2) / 2, (ox1 + ox2) / 2
    oh, ow = oy2 - oy1, ox2 - ox1
    ar = ow / oh
    a = ar * iou + 2 * ar
    b = -(ar * oh + ow) * iou
    c = -(oh * ow * iou)
    ih = (-b + math.sqrt(b ** 2 - 4 * a * c)) / (2 * a)
    iw = ar * ih
    tl = (cx - iw / 2, cy - ih / 2)
    br = (cx + iw / 2, cy + ih / 2)
    box1, box2 = [ox1, oy1, *br], [*tl, ox2, oy2]
    if stochastic:
        dy = next(draws) * min((tl[0] - ox1) / ar, tl[1] - oy1)  # random.uniform(0, m)
        box1[0] += ar * dy
        box1[1] += dy
        dy = next(draws) * min((ox2 - br[0]) / ar, oy2 - br[1])
        box2[2] -= ar * dy
        box2[3] -= dy
    if next(draws) > 0.5:
        box1, box2 = box2, box1
    return box1, box2, [*tl, *br]


def views_frame(outer, box1, box2, inter):
    """TwoViewRandomResizedCrop's outputs: q/k coords (l, t, r, b), view size and intersections."""
    h, w = outer[3] - outer[1], outer[2] - outer[0]
    i1, j1, h1, w1 = box1[1], box1[0], box1[3] - box1[1], box1[2] - box1[0]
    i2, j2, h2, w2 = box2[1], box2[0], box2[3] - box2[1], box2[2] - box2[0]
    in_v1 = ((inter[0] - j1) * w / w1, (inter[1] - i1) * h / h1, (inter[2] - j1) * w / w1, (inter[3] - i1) * h / h1)
    in_v2 = ((inter[0] - j2) * w / w2, (inter[1] - i2) * h / h2, (inter[2] - j2) * w / w2, (inter[3] - i2) * h / h2)
    return (j1, i1, j1 + w1, i1 + h1), (j2, i2, j2 + w2, i2 + h2), (h, w), in_v1, in_v2


def anchor_mapping(anchor, loc_q, loc_k, image_height, image_width):
    x0, y0, x1, y1 = anchor
    l_q, t_q, r_q, b_q = loc_q
    l_k, t_k, r_k, b_k = loc_k
    l_a = (r_q - l_q) * x0 / image_width + l_q
    r_a = (r_q - l_q) * x1 / image_width + l_q
    t_a = (b_q - t_q) * y0 / image_height + t_q
    b_a = (b_q - t_q) * y1 / image_height + t_q
    x0 = (l_a - l_k) * image_width / (r_k - l_k)
    x1 = (r_a - l_k) * image_width / (r_k - l_k)
    y0 = (t_a - t_k) * image_height / (b_k - t_k)
    y1 = (b_a - t_k) * image_height / (b_k - t_k)
    mask = (x0 < 0) | (y0 < 0) | (x1 >= image_width) | (y1 >= image_height)
    for t in (x0, y0, x1, y1):
        t[mask] = -1
    return x0, y0, x1, y1


def select_boxes(raw, q, k, size, in_v1, in_v2, inter_raw, normals, anchor_num=10, area_min_ratio=0.05):
    """clip_and_remove_out_box + pick_boxes + pad_jitter_box (torch.randn → `normals`).
    Returns (anchors_q [M, 4], anchors_k [M, 4], kept, padded) or None."""
    view_h, view_w = size
    boxes = raw.clone().to(torch.float32)
    (l_q, t_q, r_q, b_q) = q
    irx0, iry0, irx1, iry1 = inter_raw
    boxes[:, 0].clamp_(min=irx0)
    boxes[:, 1].clamp_(min=iry0)
    boxes[:, 2].clamp_(max=irx1 - 1)
    boxes[:, 3].clamp_(max=iry1 - 1)
    boxes[:, 0::2] -= l_q
    boxes[:, 1::2] -= t_q
    boxes[:, 0::2] *= (view_w / (r_q - l_q))
    boxes[:, 1::2] *= (view_h / (b_q - t_q))
    rx0, ry0, rx1, ry1 = in_v1
    area_inter = (ry1 - ry0) * (rx1 - rx0)
    area = (boxes[:, 2:] - boxes[:, :2]).prod(dim=1)
    mask = (area >= area_min_ratio * area_inter) & (boxes >= 0).all(-1) & (boxes[:, 2:] >= boxes[:, :2]).all(-1)
    anchors_q = boxes[mask]
    x0, y0, x1, y1 = anchor_mapping(tuple(anchors_q.clone().unbind(1)), q, k, view_h, view_w)
    anchors_k = torch.stack((x0, y0, x1, y1), -1)
    labels = torch.zeros(anchors_k.shape[0])
    labels[x0 == -1] = -1
    anchors_q, anchors_k = anchors_q[labels != -1], anchors_k[labels != -1]
    kept = len(anchors_q)
    if kept == 0:
        return None
    padded = 0
    if kept < anchor_num - 1:
        need = anchor_num - 1 - kept
        padded = need
        suffix = torch.cat([anchors_q.clone() for _ in range(math.ceil(need / float(kept)))], 0)[:need]
        w = (suffix[:, 2] - suffix[:, 0]).view(-1, 1)
        h = (suffix[:, 3] - suffix[:, 1]).view(-1, 1)
        r = normals[:need].sigmoid() * 2 * 0.1 - 0.1
        suffix = suffix + torch.cat([w, h, w, h], -1) * r
        suffix[:, 0::2].clamp_(in_v1[0], in_v1[2] - 1)
        suffix[:, 1::2].clamp_(in_v1[1], in_v1[3] - 1)
        sx0, sy0, sx1, sy1 = anchor_mapping(tuple(suffix.clone().unbind(1)), q, k, view_h, view_w)
        anchors_q = torch.cat((anchors_q, suffix), 0)
        anchors_k = torch.cat((anchors_k, torch.stack((sx0, sy0, sx1, sy1), -1)), 0)
    else:
        anchors_q, anchors_k = anchors_q[:anchor_num - 1], anchors_k[:anchor_num - 1]
    anchors_q = torch.cat((torch.tensor([in_v1], dtype=torch.float64), anchors_q.double()), 0)[:anchor_num]
    anchors_k = torch.cat((torch.tensor([in_v2], dtype=torch.float64), anchors_k.double()), 0)[:anchor_num]
    return anchors_q, anchors_k, kept, padded
