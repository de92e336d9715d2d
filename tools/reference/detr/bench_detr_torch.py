"""PyTorch counterpart of `packages/detr/bench/detr.bench.ts`: one training step of DETR and of
Deformable DETR (4 levels, no box refinement / two-stage) at batch 2 on 480x480 random images,
5 random boxes per image, frozen torchvision ResNet-50 (FrozenBatchNorm2d, no gradients),
AdamW(lr 1e-4, weight decay 1e-4), torch.set_num_threads(2), CPU.

Run: /usr/bin/python3 tools/reference/detr/bench_detr_torch.py [--repeats 2] [--json]
Prints the median s/step (after a warm-up step) and images/s per model on stderr, and with
--json a {model: seconds} object on stdout — `npm run bench -- detr` runs it that way. The models follow facebookresearch/detr and
fundamentalvision/Deformable-DETR semantics (post-norm layers, pos added to queries/keys,
aux losses per decoder layer, Hungarian matching with scipy); written here, not copied.
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from scipy.optimize import linear_sum_assignment
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(0)

BATCH, SIZE, NUM_CLASSES, BOXES = 2, 480, 91, 5


# ---------- box ops ----------
def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def generalized_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = area_a[:, None] + area_b[None] - inter
    iou = inter / union
    lt2 = torch.min(a[:, None, :2], b[None, :, :2])
    rb2 = torch.max(a[:, None, 2:], b[None, :, 2:])
    hull = (rb2 - lt2).clamp(min=0).prod(-1)
    return iou - (hull - union) / hull


# ---------- positions ----------
def sine_pos(mask, num_feats=128, offset=0.0):
    """mask [B,H,W] (1 = image) -> [B,d,H,W]; DETR's PositionEmbeddingSine(normalize=True)."""
    y = mask.cumsum(1)
    x = mask.cumsum(2)
    eps, scale = 1e-6, 2 * math.pi
    y = (y + offset) / (y[:, -1:, :] + eps) * scale
    x = (x + offset) / (x[:, :, -1:] + eps) * scale
    dim_t = 10000 ** (2 * (torch.arange(num_feats) // 2) / num_feats)
    px = x[..., None] / dim_t
    py = y[..., None] / dim_t
    px = torch.stack([px[..., 0::2].sin(), px[..., 1::2].cos()], 4).flatten(3)
    py = torch.stack([py[..., 0::2].sin(), py[..., 1::2].cos()], 4).flatten(3)
    return torch.cat([py, px], 3).permute(0, 3, 1, 2)


class MLP(nn.Module):
    def __init__(self, i, h, o, n):
        super().__init__()
        dims = [i] + [h] * (n - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [o]))

    def forward(self, x):
        for k, layer in enumerate(self.layers):
            x = layer(x) if k == len(self.layers) - 1 else F.relu(layer(x))
        return x


def frozen_resnet50():
    net = torchvision.models.resnet50(norm_layer=torchvision.ops.FrozenBatchNorm2d)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def resnet_levels(net, x):
    with torch.no_grad():
        x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
        c2 = net.layer1(x)
        c3 = net.layer2(c2)
        c4 = net.layer3(c3)
        c5 = net.layer4(c4)
    return c3, c4, c5


# ---------- DETR transformer (post-norm) ----------
class EncLayer(nn.Module):
    def __init__(self, d, h, ff, p=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h, dropout=p)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(p)

    def forward(self, src, pos, pad):
        q = src + pos
        src = self.norm1(src + self.drop(self.self_attn(q, q, src, key_padding_mask=pad)[0]))
        return self.norm2(src + self.drop(self.linear2(self.drop(F.relu(self.linear1(src))))))


class DecLayer(nn.Module):
    def __init__(self, d, h, ff, p=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h, dropout=p)
        self.cross_attn = nn.MultiheadAttention(d, h, dropout=p)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(p)

    def forward(self, tgt, memory, pos, query_pos, pad):
        q = tgt + query_pos
        tgt = self.norm1(tgt + self.drop(self.self_attn(q, q, tgt)[0]))
        attn = self.cross_attn(tgt + query_pos, memory + pos, memory, key_padding_mask=pad)[0]
        tgt = self.norm2(tgt + self.drop(attn))
        return self.norm3(tgt + self.drop(self.linear2(self.drop(F.relu(self.linear1(tgt))))))


class DETR(nn.Module):
    def __init__(self, d=256, heads=8, ff=2048, layers=6, queries=100):
        super().__init__()
        self.input_proj = nn.Conv2d(2048, d, 1)
        self.query_embed = nn.Embedding(queries, d)
        self.encoder = nn.ModuleList(EncLayer(d, heads, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DecLayer(d, heads, ff) for _ in range(layers))
        self.decoder_norm = nn.LayerNorm(d)
        self.class_embed = nn.Linear(d, NUM_CLASSES + 1)
        self.bbox_embed = MLP(d, d, 4, 3)

    def forward(self, c5):
        b, _, h, w = c5.shape
        mask = torch.ones(b, h, w)
        pos = sine_pos(mask).flatten(2).permute(2, 0, 1)
        src = self.input_proj(c5).flatten(2).permute(2, 0, 1)
        pad = mask.flatten(1) == 0
        for layer in self.encoder:
            src = layer(src, pos, pad)
        query_pos = self.query_embed.weight[:, None].repeat(1, b, 1)
        tgt = torch.zeros_like(query_pos)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, src, pos, query_pos, pad)
            hs.append(self.decoder_norm(tgt))
        hs = torch.stack(hs).transpose(1, 2)  # [L, B, Q, d]
        return self.class_embed(hs), self.bbox_embed(hs).sigmoid()


# ---------- Deformable DETR ----------
def ms_deform_attn_core(value, shapes, sampling_locations, attention_weights):
    """value [B,S,M,D], locations [B,Q,M,L,P,2] in [0,1], weights [B,Q,M,L,P] -> [B,Q,M*D]."""
    b, _, m, dh = value.shape
    _, q, _, nl, p, _ = sampling_locations.shape
    values = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * sampling_locations - 1
    sampled = []
    for lvl, (h, w) in enumerate(shapes):
        v = values[lvl].flatten(2).transpose(1, 2).reshape(b * m, dh, h, w)
        g = grids[:, :, :, lvl].transpose(1, 2).flatten(0, 1)
        sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    aw = attention_weights.transpose(1, 2).reshape(b * m, 1, q, nl * p)
    out = (torch.stack(sampled, -2).flatten(-2) * aw).sum(-1).view(b, m * dh, q)
    return out.transpose(1, 2)


class MSDeformAttn(nn.Module):
    def __init__(self, d=256, levels=4, heads=8, points=4):
        super().__init__()
        self.l, self.m, self.p = levels, heads, points
        self.sampling_offsets = nn.Linear(d, heads * levels * points * 2)
        self.attention_weights = nn.Linear(d, heads * levels * points)
        self.value_proj, self.output_proj = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, query, ref, value_in, shapes, pad):
        b, q, d = query.shape
        value = self.value_proj(value_in).masked_fill(pad[..., None], 0.0)
        value = value.view(b, -1, self.m, d // self.m)
        off = self.sampling_offsets(query).view(b, q, self.m, self.l, self.p, 2)
        aw = self.attention_weights(query).view(b, q, self.m, self.l * self.p).softmax(-1)
        aw = aw.view(b, q, self.m, self.l, self.p)
        norm = torch.tensor([[w, h] for h, w in shapes], dtype=torch.float32)
        loc = ref[:, :, None, :, None, :] + off / norm[None, None, None, :, None, :]
        return self.output_proj(ms_deform_attn_core(value, shapes, loc, aw))


class DefEncLayer(nn.Module):
    def __init__(self, d, ff, p=0.1):
        super().__init__()
        self.self_attn = MSDeformAttn(d)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(p)

    def forward(self, src, pos, ref, shapes, pad):
        src = self.norm1(src + self.drop(self.self_attn(src + pos, ref, src, shapes, pad)))
        return self.norm2(src + self.drop(self.linear2(self.drop(F.relu(self.linear1(src))))))


class DefDecLayer(nn.Module):
    def __init__(self, d, heads, ff, p=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, dropout=p)
        self.cross_attn = MSDeformAttn(d)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(p)

    def forward(self, tgt, query_pos, ref, memory, shapes, pad):
        q = (tgt + query_pos).transpose(0, 1)
        tgt = self.norm1(tgt + self.drop(self.self_attn(q, q, tgt.transpose(0, 1))[0].transpose(0, 1)))
        tgt = self.norm2(tgt + self.drop(self.cross_attn(tgt + query_pos, ref, memory, shapes, pad)))
        return self.norm3(tgt + self.drop(self.linear2(self.drop(F.relu(self.linear1(tgt))))))


class DeformableDETR(nn.Module):
    def __init__(self, d=256, heads=8, ff=1024, layers=6, queries=300, levels=4):
        super().__init__()
        # Official input_proj: Conv + GroupNorm(32, d) per level, the fourth a 3x3/s2 conv on C5.
        self.input_proj = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, d, 1), nn.GroupNorm(32, d)) for c in (512, 1024, 2048)]
            + [nn.Sequential(nn.Conv2d(2048, d, 3, 2, 1), nn.GroupNorm(32, d))]
        )
        self.level_embed = nn.Parameter(torch.randn(levels, d))
        self.query_embed = nn.Embedding(queries, 2 * d)
        self.encoder = nn.ModuleList(DefEncLayer(d, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DefDecLayer(d, heads, ff) for _ in range(layers))
        self.reference_points = nn.Linear(d, 2)
        self.class_embed = nn.Linear(d, NUM_CLASSES)
        self.bbox_embed = MLP(d, d, 4, 3)
        nn.init.constant_(self.class_embed.bias, -math.log((1 - 0.01) / 0.01))

    def forward(self, c3, c4, c5):
        srcs = [proj(f) for proj, f in zip(self.input_proj[:3], (c3, c4, c5))]
        srcs.append(self.input_proj[3](c5))
        b = c5.shape[0]
        shapes = [tuple(s.shape[-2:]) for s in srcs]
        masks = [torch.ones(b, h, w) for h, w in shapes]
        src = torch.cat([s.flatten(2).transpose(1, 2) for s in srcs], 1)
        pos = torch.cat(
            [
                sine_pos(m, offset=-0.5).flatten(2).transpose(1, 2) + self.level_embed[lvl]
                for lvl, m in enumerate(masks)
            ],
            1,
        )
        pad = torch.cat([m.flatten(1) == 0 for m in masks], 1)
        # Encoder reference points: pixel centres normalised per level (valid ratios all 1).
        refs = []
        for h, w in shapes:
            ry, rx = torch.meshgrid(
                torch.linspace(0.5, h - 0.5, h) / h, torch.linspace(0.5, w - 0.5, w) / w, indexing="ij"
            )
            refs.append(torch.stack([rx.reshape(-1), ry.reshape(-1)], -1))
        enc_ref = torch.cat(refs, 0)[None, :, None].repeat(b, 1, len(shapes), 1)
        memory = src
        for layer in self.encoder:
            memory = layer(memory, pos, enc_ref, shapes, pad)
        query_pos, tgt = self.query_embed.weight.split(memory.shape[-1], 1)
        query_pos = query_pos[None].expand(b, -1, -1)
        tgt = tgt[None].expand(b, -1, -1)
        ref = self.reference_points(query_pos).sigmoid()
        dec_ref = ref[:, :, None].repeat(1, 1, len(shapes), 1)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, query_pos, dec_ref, memory, shapes, pad)
            hs.append(tgt)
        hs = torch.stack(hs)
        raw = self.bbox_embed(hs)
        inv = torch.log(ref.clamp(1e-5, 1 - 1e-5) / (1 - ref.clamp(1e-5, 1 - 1e-5)))
        raw = torch.cat([raw[..., :2] + inv, raw[..., 2:]], -1)
        return self.class_embed(hs), raw.sigmoid()


# ---------- matcher and criterion ----------
@torch.no_grad()
def hungarian(logits, boxes, targets, focal):
    out = []
    for b, (labels, tboxes) in enumerate(targets):
        if focal:
            prob = logits[b].sigmoid()
            neg = 0.75 * prob**2 * -(1 - prob + 1e-8).log()
            pos = 0.25 * (1 - prob) ** 2 * -(prob + 1e-8).log()
            cost_class = (pos - neg)[:, labels] * 2
        else:
            cost_class = -logits[b].softmax(-1)[:, labels]
        cost = (
            cost_class
            + 5 * torch.cdist(boxes[b], tboxes, p=1)
            - 2 * generalized_iou(cxcywh_to_xyxy(boxes[b]), cxcywh_to_xyxy(tboxes))
        )
        rows, cols = linear_sum_assignment(cost.numpy())
        out.append((torch.as_tensor(rows), torch.as_tensor(cols)))
    return out


def set_loss(logits, boxes, targets, focal):
    matches = hungarian(logits, boxes, targets, focal)
    num_boxes = sum(len(t[0]) for t in targets)
    b_idx = torch.cat([torch.full_like(r, i) for i, (r, _) in enumerate(matches)])
    q_idx = torch.cat([r for r, _ in matches])
    tgt_labels = torch.cat([t[0][c] for t, (_, c) in zip(targets, matches)])
    tgt_boxes = torch.cat([t[1][c] for t, (_, c) in zip(targets, matches)])
    if focal:
        onehot = torch.zeros_like(logits)
        onehot[b_idx, q_idx, tgt_labels] = 1
        prob = logits.sigmoid()
        ce = F.binary_cross_entropy_with_logits(logits, onehot, reduction="none")
        p_t = prob * onehot + (1 - prob) * (1 - onehot)
        loss = ce * (1 - p_t) ** 2 * (0.25 * onehot + 0.75 * (1 - onehot))
        loss_class = 2 * loss.mean(1).sum() / num_boxes * logits.shape[1]
    else:
        classes = torch.full(logits.shape[:2], NUM_CLASSES, dtype=torch.long)
        classes[b_idx, q_idx] = tgt_labels
        weight = torch.ones(NUM_CLASSES + 1)
        weight[-1] = 0.1
        loss_class = F.cross_entropy(logits.transpose(1, 2), classes, weight)
    src = boxes[b_idx, q_idx]
    loss_bbox = F.l1_loss(src, tgt_boxes, reduction="none").sum() / num_boxes
    giou = torch.diag(generalized_iou(cxcywh_to_xyxy(src), cxcywh_to_xyxy(tgt_boxes)))
    loss_giou = (1 - giou).sum() / num_boxes
    return loss_class + 5 * loss_bbox + 2 * loss_giou


def criterion(all_logits, all_boxes, targets, focal):
    # Final layer plus every auxiliary layer, each matched separately.
    return sum(set_loss(l, b, targets, focal) for l, b in zip(all_logits, all_boxes))


def random_targets():
    out = []
    for b in range(BATCH):
        labels = torch.tensor([(i * 17 + b) % NUM_CLASSES for i in range(BOXES)])
        boxes = torch.cat([torch.rand(BOXES, 2) * 0.5 + 0.25, torch.rand(BOXES, 2) * 0.4 + 0.05], 1)
        out.append((labels, boxes))
    return out


def time_step(name, model, forward, focal, repeats):
    """Median wall time of `repeats` steps after one warm-up step (oneDNN primitive creation)."""
    backbone = frozen_resnet50()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    images = torch.randn(BATCH, 3, SIZE, SIZE)
    targets = random_targets()
    model.train()

    def step():
        levels = resnet_levels(backbone, images)
        all_logits, all_boxes = forward(model, levels)
        loss = criterion(all_logits, all_boxes, targets, focal)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print(f"  {name:<40} {seconds:8.2f} s/step {BATCH / seconds:8.3f} images/s", file=sys.stderr)
    return seconds


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2, help="timed steps after one warm-up")
    parser.add_argument("--json", action="store_true", help="print {name: seconds} JSON on stdout")
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__} training steps, batch {BATCH}, {SIZE} px, {torch.get_num_threads()} threads", file=sys.stderr)
    results = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "DETR": time_step("DETR", DETR(), lambda m, lv: m(lv[2]), False, args.repeats),
        "Deformable DETR (4 levels)": time_step(
            "Deformable DETR (4 levels)", DeformableDETR(), lambda m, lv: m(*lv), True, args.repeats
        ),
    }
    if args.json:
        print(json.dumps(results))
