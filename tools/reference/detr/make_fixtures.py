#!/usr/bin/python3
"""Golden fixtures for @ssdet/detr.

Run (dev-time only; tests read the JSON it writes and never run Python):
    /usr/bin/python3 tools/reference/detr/make_fixtures.py
Needs Debian's python3-torch (1.13) and python3-scipy. Writes tools/reference/fixtures/detr/*.json.

What it checks, each computed in PyTorch with small random weights that are stored in the fixture
under @ssdet/detr's variable names and layout (Linear weights [in, out], i.e. torch's transposed):
  attention.json    torch.nn.MultiheadAttention (key_padding_mask, boolean and float attn_mask,
                    head-averaged weights).
  transformer.json  DETR's encoder/decoder layers (post-norm and pre-norm, pos / query_pos
                    handling, block-diagonal tgt_mask) and a 2+2-layer DETR transformer with
                    return_intermediate, written here after DETR's models/transformer.py
                    semantics on top of torch.nn modules; DETR's sine position embedding.
  deformable.json   the multi-scale deformable attention core written per the definition of
                    Deformable DETR's ms_deform_attn_core_pytorch (F.grid_sample, bilinear, zeros
                    padding, align_corners=False): outputs and gradients w.r.t. value, sampling
                    locations and attention weights; the MSDeformAttn module (2-d and 4-d
                    reference points); encoder reference points.
  matcher.json      scipy.optimize.linear_sum_assignment's total cost on random rectangular
                    matrices, including integer costs with many ties.
  criterion.json    pairwise GIoU; DETR's Hungarian matcher and SetCriterion (CE with eos_coef,
                    L1, GIoU, auxiliary layers) and Deformable DETR's focal variant, with the
                    gradients of the weighted total w.r.t. every layer's logits and boxes.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'detr')
torch.manual_seed(0)
rng = np.random.default_rng(0)


def arr(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {'shape': list(t.shape), 'data': [round(float(v), 7) for v in t.reshape(-1).tolist()]}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB')


def ours(module, prefix=''):
    """state_dict in @ssdet/detr's layout: 2-D weights transposed to [in, out]."""
    out = {}
    for name, p in module.state_dict().items():
        if p.dim() == 2 and not name.endswith('level_embed') and not name.endswith('query_embed'):
            p = p.t()
        out[prefix + name] = arr(p)
    return out


def randomize(module, scale=0.3):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * scale)


# ---------------------------------------------------------------- attention
def attention_fixture():
    E, H, B, L, S = 16, 4, 2, 5, 7
    mha = nn.MultiheadAttention(E, H, dropout=0.0)
    randomize(mha)
    mha.eval()
    q = torch.randn(B, L, E)
    k = torch.randn(B, S, E)
    v = torch.randn(B, S, E)
    kpm = torch.zeros(B, S, dtype=torch.bool)
    kpm[0, 5:] = True
    kpm[1, 6:] = True
    bool_mask = torch.rand(L, S) < 0.3
    bool_mask[:, 0] = False  # every row keeps a key
    float_mask = torch.randn(L, S)
    cases = {}
    for name, kw in {
        'plain': {},
        'padding_and_bool_mask': {'key_padding_mask': kpm, 'attn_mask': bool_mask},
        'float_mask': {'attn_mask': float_mask},
    }.items():
        out, w = mha(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), need_weights=True, **kw)
        cases[name] = {'output': arr(out.transpose(0, 1)), 'weights': arr(w)}
    write('attention.json', {
        'embedDim': E, 'numHeads': H, 'weights': ours(mha),
        'query': arr(q), 'key': arr(k), 'value': arr(v),
        'keyPaddingMask': arr(kpm.float()), 'boolMask': arr(bool_mask.float()), 'floatMask': arr(float_mask),
        'cases': cases,
    })


# ---------------------------------------------------------------- DETR transformer (per models/transformer.py)
def with_pos(x, pos):
    return x if pos is None else x + pos


class EncLayer(nn.Module):
    def __init__(self, d, h, ffn, pre):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h)
        self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.pre = pre

    def forward(self, src, pos, kpm):  # seq-first
        if self.pre:
            y = self.norm1(src)
            qk = with_pos(y, pos)
            src = src + self.self_attn(qk, qk, y, key_padding_mask=kpm)[0]
            return src + self.linear2(F.relu(self.linear1(self.norm2(src))))
        qk = with_pos(src, pos)
        src = self.norm1(src + self.self_attn(qk, qk, src, key_padding_mask=kpm)[0])
        return self.norm2(src + self.linear2(F.relu(self.linear1(src))))


class DecLayer(nn.Module):
    def __init__(self, d, h, ffn, pre):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h)
        self.multihead_attn = nn.MultiheadAttention(d, h)
        self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.pre = pre

    def forward(self, tgt, memory, pos, query_pos, kpm, tgt_mask):
        def self_att(x):
            qk = with_pos(x, query_pos)
            return self.self_attn(qk, qk, x, attn_mask=tgt_mask)[0]

        def cross(x):
            return self.multihead_attn(with_pos(x, query_pos), with_pos(memory, pos), memory, key_padding_mask=kpm)[0]

        if self.pre:
            tgt = tgt + self_att(self.norm1(tgt))
            tgt = tgt + cross(self.norm2(tgt))
            return tgt + self.linear2(F.relu(self.linear1(self.norm3(tgt))))
        tgt = self.norm1(tgt + self_att(tgt))
        tgt = self.norm2(tgt + cross(tgt))
        return self.norm3(tgt + self.linear2(F.relu(self.linear1(tgt))))


class Encoder(nn.Module):
    def __init__(self, n, d, h, ffn, pre):
        super().__init__()
        self.layers = nn.ModuleList([EncLayer(d, h, ffn, pre) for _ in range(n)])
        self.norm = nn.LayerNorm(d) if pre else None

    def forward(self, src, pos, kpm):
        for layer in self.layers:
            src = layer(src, pos, kpm)
        return src if self.norm is None else self.norm(src)


class Decoder(nn.Module):
    def __init__(self, n, d, h, ffn, pre):
        super().__init__()
        self.layers = nn.ModuleList([DecLayer(d, h, ffn, pre) for _ in range(n)])
        self.norm = nn.LayerNorm(d)

    def forward(self, tgt, memory, pos, query_pos, kpm, tgt_mask):
        inter = []
        for layer in self.layers:
            tgt = layer(tgt, memory, pos, query_pos, kpm, tgt_mask)
            inter.append(self.norm(tgt))
        return torch.stack(inter)


class DetrTransformer(nn.Module):
    def __init__(self, d, h, ffn, pre, n_enc=2, n_dec=2):
        super().__init__()
        self.encoder = Encoder(n_enc, d, h, ffn, pre)
        self.decoder = Decoder(n_dec, d, h, ffn, pre)


def sine_pos(mask, num_pos_feats, offset=0.0, temperature=10000, scale=2 * math.pi):
    """DETR PositionEmbeddingSine(normalize=True); mask True = padding. Returns [B, 2F, H, W]."""
    not_mask = ~mask
    y = not_mask.cumsum(1, dtype=torch.float32)
    x = not_mask.cumsum(2, dtype=torch.float32)
    eps = 1e-6
    y = (y + offset) / (y[:, -1:, :] + eps) * scale
    x = (x + offset) / (x[:, :, -1:] + eps) * scale
    dim_t = torch.arange(num_pos_feats, dtype=torch.float32)
    dim_t = temperature ** (2 * torch.div(dim_t, 2, rounding_mode='floor') / num_pos_feats)
    px = x[:, :, :, None] / dim_t
    py = y[:, :, :, None] / dim_t
    px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3).permute(0, 3, 1, 2)


def block_mask(q, groups):
    per = q // groups
    g = torch.arange(q) // per
    return g[:, None] != g[None, :]


def transformer_fixture():
    d, h, ffn, B, Hh, Ww, Q = 16, 4, 32, 2, 4, 5, 6
    S = Hh * Ww
    pad = torch.zeros(B, Hh, Ww, dtype=torch.bool)
    pad[1, 3:, :] = True
    pad[1, :, 4:] = True
    pos = sine_pos(pad, d // 2)  # [B, d, H, W]
    src = torch.randn(B, d, Hh, Ww)
    query = torch.randn(Q, d)
    tgt_in = torch.randn(B, Q, d)
    memory_in = torch.randn(B, S, d)
    tgt_mask = block_mask(Q, 3)
    seq = lambda x: x.transpose(0, 1)  # [B, L, d] -> [L, B, d]
    pos_seq = pos.flatten(2).permute(2, 0, 1)  # [S, B, d]
    kpm = pad.flatten(1)
    qpos = query[:, None].repeat(1, B, 1)
    fixture = {
        'dModel': d, 'numHeads': h, 'dimFeedforward': ffn,
        'pixelMask': arr((~pad).float()), 'pos': arr(pos.permute(0, 2, 3, 1)),
        'src': arr(src.permute(0, 2, 3, 1)), 'query': arr(query), 'tgtIn': arr(tgt_in), 'memoryIn': arr(memory_in),
        'tgtMask': arr(tgt_mask.float()), 'cases': {},
    }
    deform_pos = sine_pos(pad, d // 2, offset=-0.5)
    fixture['posDeformable'] = arr(deform_pos.permute(0, 2, 3, 1))
    for pre in (False, True):
        name = 'pre' if pre else 'post'
        enc = EncLayer(d, h, ffn, pre)
        dec = DecLayer(d, h, ffn, pre)
        full = DetrTransformer(d, h, ffn, pre)
        for m in (enc, dec, full):
            randomize(m)
            m.eval()
        with torch.no_grad():
            enc_out = enc(seq(memory_in), pos_seq, kpm).transpose(0, 1)
            dec_out = dec(seq(tgt_in), seq(memory_in), pos_seq, qpos, kpm, tgt_mask).transpose(0, 1)
            memory = full.encoder(src.flatten(2).permute(2, 0, 1), pos_seq, kpm)
            hs = full.decoder(torch.zeros(Q, B, d), memory, pos_seq, qpos, kpm, tgt_mask)  # [L, Q, B, d]
        fixture['cases'][name] = {
            'encoderLayer': {'weights': ours(enc), 'output': arr(enc_out)},
            'decoderLayer': {'weights': ours(dec), 'output': arr(dec_out)},
            'transformer': {
                'weights': ours(full), 'hs': arr(hs.transpose(1, 2)),
                'memory': arr(memory.permute(1, 0, 2).reshape(B, Hh, Ww, d)),
            },
        }
    write('transformer.json', fixture)


# ---------------------------------------------------------------- deformable attention
def ms_deform_attn_reference(value, shapes, locations, weights):
    """Per the definition of Deformable DETR's ms_deform_attn_core_pytorch.
    value [N, S, M, D], locations [N, Lq, M, L, P, 2], weights [N, Lq, M, L, P] -> [N, Lq, M*D]."""
    N, _, M, D = value.shape
    _, Lq, _, L, P, _ = locations.shape
    per_level = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * locations - 1
    sampled = []
    for lid, (h, w) in enumerate(shapes):
        v = per_level[lid].flatten(2).transpose(1, 2).reshape(N * M, D, h, w)
        g = grids[:, :, :, lid].transpose(1, 2).flatten(0, 1)  # [N*M, Lq, P, 2]
        sampled.append(F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False))
    a = weights.transpose(1, 2).reshape(N * M, 1, Lq, L * P)
    out = (torch.stack(sampled, dim=-2).flatten(-2) * a).sum(-1).view(N, M * D, Lq)
    return out.transpose(1, 2).contiguous()


class MSDeformAttnRef(nn.Module):
    def __init__(self, d, L, M, P):
        super().__init__()
        self.d, self.L, self.M, self.P = d, L, M, P
        self.sampling_offsets = nn.Linear(d, M * L * P * 2)
        self.attention_weights = nn.Linear(d, M * L * P)
        self.value_proj = nn.Linear(d, d)
        self.output_proj = nn.Linear(d, d)

    def forward(self, query, ref, inp, shapes, padding):
        N, Lq, _ = query.shape
        S = inp.shape[1]
        value = self.value_proj(inp).masked_fill(padding[..., None], 0.0).view(N, S, self.M, self.d // self.M)
        off = self.sampling_offsets(query).view(N, Lq, self.M, self.L, self.P, 2)
        att = F.softmax(self.attention_weights(query).view(N, Lq, self.M, self.L * self.P), -1)
        att = att.view(N, Lq, self.M, self.L, self.P)
        if ref.shape[-1] == 2:
            norm = torch.tensor([[w, h] for h, w in shapes], dtype=torch.float32)
            loc = ref[:, :, None, :, None, :] + off / norm[None, None, None, :, None, :]
        else:
            loc = ref[:, :, None, :, None, :2] + off / self.P * ref[:, :, None, :, None, 2:] * 0.5
        return self.output_proj(ms_deform_attn_reference(value, shapes, loc, att))


def deformable_fixture():
    N, M, D, Lq, P = 2, 2, 4, 3, 3
    shapes = [(4, 5), (2, 3)]
    S = sum(h * w for h, w in shapes)
    value = torch.randn(N, S, M, D, requires_grad=True)
    loc = (torch.rand(N, Lq, M, len(shapes), P, 2) * 1.4 - 0.2).requires_grad_(True)
    att = F.softmax(torch.randn(N, Lq, M, len(shapes) * P), -1).view(N, Lq, M, len(shapes), P).detach().requires_grad_(True)
    out = ms_deform_attn_reference(value, shapes, loc, att)
    cot = torch.randn_like(out)
    gv, gl, ga = torch.autograd.grad((out * cot).sum(), [value, loc, att])
    core = {'spatialShapes': shapes, 'value': arr(value), 'locations': arr(loc), 'attention': arr(att),
            'output': arr(out), 'cotangent': arr(cot), 'gradValue': arr(gv), 'gradLocations': arr(gl),
            'gradAttention': arr(ga)}

    d, L, Mh, Pp = 16, 2, 4, 2
    module = MSDeformAttnRef(d, L, Mh, Pp)
    randomize(module, 0.3)
    module.eval()
    query = torch.randn(N, 5, d)
    inp = torch.randn(N, S, d)
    padding = torch.zeros(N, S, dtype=torch.bool)
    padding[1, 15:20] = True
    ref2 = torch.rand(N, 5, L, 2)
    ref4 = torch.cat([torch.rand(N, 5, L, 2), torch.rand(N, 5, L, 2) * 0.5 + 0.1], -1)
    with torch.no_grad():
        out2 = module(query, ref2, inp, shapes, padding)
        out4 = module(query, ref4, inp, shapes, padding)
    mod = {'dModel': d, 'numLevels': L, 'numHeads': Mh, 'numPoints': Pp, 'spatialShapes': shapes,
           'weights': ours(module), 'query': arr(query), 'input': arr(inp), 'paddingMask': arr(padding.float()),
           'ref2': arr(ref2), 'ref4': arr(ref4), 'output2': arr(out2), 'output4': arr(out4)}

    # Encoder reference points, per DeformableTransformerEncoder.get_reference_points.
    valid = torch.tensor([[[1.0, 1.0], [1.0, 1.0]], [[0.8, 0.75], [0.6, 0.5]]])  # [N, L, (w, h)]
    refs = []
    for lvl, (h, w) in enumerate(shapes):
        ry, rx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h), torch.linspace(0.5, w - 0.5, w), indexing='ij')
        ry = ry.reshape(-1)[None] / (valid[:, None, lvl, 1] * h)
        rx = rx.reshape(-1)[None] / (valid[:, None, lvl, 0] * w)
        refs.append(torch.stack((rx, ry), -1))
    ref_points = torch.cat(refs, 1)[:, :, None] * valid[:, None]
    write('deformable.json', {'core': core, 'module': mod,
                              'encoderReference': {'spatialShapes': shapes, 'validRatios': arr(valid),
                                                   'points': arr(ref_points)}})


# ---------------------------------------------------------------- matcher
def matcher_fixture():
    cases = []
    for k in range(90):
        r, c = int(rng.integers(1, 13)), int(rng.integers(1, 13))
        kind = ['uniform', 'integer', 'constant'][k % 3] if k < 87 else 'large'
        if kind == 'uniform':
            cost = rng.normal(size=(r, c))
        elif kind == 'integer':
            cost = rng.integers(0, 4, size=(r, c)).astype(np.float64)
        elif kind == 'constant':
            cost = np.full((r, c), 2.5)
        else:
            r, c = 40, 25
            cost = rng.normal(size=(r, c)) * 100
        rows, cols = linear_sum_assignment(cost)
        cases.append({'rows': r, 'cols': c, 'cost': [float(v) for v in cost.reshape(-1)],
                      'total': float(cost[rows, cols].sum()), 'pairs': int(len(rows))})
    write('matcher.json', {'cases': cases})


# ---------------------------------------------------------------- box ops + criterion (models/matcher.py, models/detr.py)
def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)


def giou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None] - inter
    iou = inter / union
    lt2 = torch.min(a[:, None, :2], b[None, :, :2])
    rb2 = torch.max(a[:, None, 2:], b[None, :, 2:])
    wh2 = (rb2 - lt2).clamp(min=0)
    area = wh2[..., 0] * wh2[..., 1]
    return iou - (area - union) / area, iou


def match(logits, boxes, targets, focal, wc, wb, wg):
    indices = []
    for i, t in enumerate(targets):
        if len(t['labels']) == 0:
            indices.append(([], []))
            continue
        with torch.no_grad():
            if focal:
                p = logits[i].sigmoid()
                neg = 0.75 * (p ** 2) * (-(1 - p + 1e-8).log())
                pos = 0.25 * ((1 - p) ** 2) * (-(p + 1e-8).log())
                cc = pos[:, t['labels']] - neg[:, t['labels']]
            else:
                cc = -logits[i].softmax(-1)[:, t['labels']]
            cb = torch.cdist(boxes[i], t['boxes'], p=1)
            cg = -giou(cxcywh_to_xyxy(boxes[i]), cxcywh_to_xyxy(t['boxes']))[0]
            C = wb * cb + wc * cc + wg * cg
        r, c = linear_sum_assignment(C.numpy())
        indices.append((r.tolist(), c.tolist()))
    return indices


def layer_losses(logits, boxes, targets, indices, num_boxes, focal, num_classes, eos):
    B, Q, _ = logits.shape
    bi = [b for b, (r, _) in enumerate(indices) for _ in r]
    qi = [q for r, _ in indices for q in r]
    if focal:
        onehot = torch.zeros(B, Q, num_classes)
        for b, (r, c) in enumerate(indices):
            for q, j in zip(r, c):
                onehot[b, q, targets[b]['labels'][j]] = 1.0
        prob = logits.sigmoid()
        ce = F.binary_cross_entropy_with_logits(logits, onehot, reduction='none')
        p_t = prob * onehot + (1 - prob) * (1 - onehot)
        loss = ce * ((1 - p_t) ** 2)
        loss = (0.25 * onehot + 0.75 * (1 - onehot)) * loss
        loss_ce = loss.mean(1).sum() / num_boxes * Q
    else:
        tc = torch.full((B, Q), num_classes, dtype=torch.int64)
        for b, (r, c) in enumerate(indices):
            for q, j in zip(r, c):
                tc[b, q] = int(targets[b]['labels'][j])
        w = torch.ones(num_classes + 1)
        w[-1] = eos
        loss_ce = F.cross_entropy(logits.transpose(1, 2), tc, w)
    src = boxes[bi, qi]
    tgt = torch.cat([t['boxes'][c] for t, (_, c) in zip(targets, indices)], 0)
    l1 = F.l1_loss(src, tgt, reduction='none').sum() / num_boxes
    g = 1 - torch.diag(giou(cxcywh_to_xyxy(src), cxcywh_to_xyxy(tgt))[0])
    return loss_ce, l1, g.sum() / num_boxes


def criterion_case(focal, counts, num_classes=3, Q=7, layers=3):
    B = len(counts)
    cols = num_classes if focal else num_classes + 1
    wc, wb, wg = (2.0 if focal else 1.0), 5.0, 2.0
    logits = [torch.randn(B, Q, cols, requires_grad=True) for _ in range(layers)]
    boxes = [torch.sigmoid(torch.randn(B, Q, 4) * 0.8).mul(torch.tensor([1, 1, 0.6, 0.6])).requires_grad_(True)
             for _ in range(layers)]
    targets = []
    for n in counts:
        tb = torch.rand(n, 4) * torch.tensor([0.6, 0.6, 0.4, 0.4]) + torch.tensor([0.2, 0.2, 0.05, 0.05])
        targets.append({'labels': torch.randint(0, num_classes, (n,)), 'boxes': tb})
    num_boxes = max(1.0, float(sum(counts)))
    losses, all_indices = {}, []
    total = 0
    for li in range(layers):
        last = li == layers - 1
        idx = match(logits[li].detach(), boxes[li].detach(), targets, focal, wc, wb, wg)
        all_indices.append(idx)
        ce, l1, g = layer_losses(logits[li], boxes[li], targets, idx, num_boxes, focal, num_classes, 0.1)
        suffix = '' if last else f'_{li}'
        losses['loss_ce' + suffix] = float(ce)
        losses['loss_bbox' + suffix] = float(l1)
        losses['loss_giou' + suffix] = float(g)
        total = total + wc * ce + wb * l1 + wg * g
    grads = torch.autograd.grad(total, logits + boxes)
    return {
        'focal': focal, 'numClasses': num_classes, 'weights': {'class': wc, 'bbox': wb, 'giou': wg},
        'logits': [arr(x) for x in logits], 'boxes': [arr(x) for x in boxes],
        'targets': [{'labels': t['labels'].tolist(), 'boxes': arr(t['boxes'])} for t in targets],
        'losses': losses, 'total': float(total), 'numBoxes': num_boxes,
        'matches': [[{'predictions': r, 'targets': c} for r, c in idx] for idx in all_indices],
        'gradLogits': [arr(g) for g in grads[:layers]], 'gradBoxes': [arr(g) for g in grads[layers:]],
    }


def criterion_fixture():
    a = torch.rand(6, 4) * 0.5
    a[:, 2:] += a[:, :2] + 0.05
    b = torch.rand(5, 4) * 0.5
    b[:, 2:] += b[:, :2] + 0.05
    b[0] = a[0]  # identical boxes: GIoU 1
    b[1] = torch.tensor([0.9, 0.9, 0.95, 0.95])  # disjoint from all
    g, iou = giou(a, b)
    write('criterion.json', {
        'giou': {'a': arr(a), 'b': arr(b), 'giou': arr(g), 'iou': arr(iou)},
        'cases': {
            'softmax': criterion_case(False, [2, 3]),
            'softmax_with_empty_image': criterion_case(False, [0, 4]),
            'focal': criterion_case(True, [3, 1]),
        },
    })


# ---------------------------------------------------------------- multi-level input projection
def input_projection_fixture():
    """Deformable DETR's input_proj (models/deformable_detr.py): per backbone level Conv1x1 +
    GroupNorm(32, d); each extra level Conv3x3/s2/p1 + GroupNorm(32, d), the first from the last
    backbone map, the next ones from the previous projected level."""
    g = torch.Generator().manual_seed(7)
    channels, d, levels = [8, 12, 16], 64, 5
    sizes = [(8, 10), (4, 5), (2, 3)]
    projs = []
    for c in channels:
        projs.append(nn.Sequential(nn.Conv2d(c, d, kernel_size=1), nn.GroupNorm(32, d)))
    in_channels = channels[-1]
    for _ in range(levels - len(channels)):
        projs.append(nn.Sequential(nn.Conv2d(in_channels, d, kernel_size=3, stride=2, padding=1), nn.GroupNorm(32, d)))
        in_channels = d
    projs = nn.ModuleList(projs)
    with torch.no_grad():
        for p in projs.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    feats = [(torch.randn(2, c, h, w, generator=g) * 2 + 0.5).requires_grad_(True) for c, (h, w) in zip(channels, sizes)]
    srcs = [projs[l](f) for l, f in enumerate(feats)]
    for l in range(len(feats), levels):
        srcs.append(projs[l](feats[-1] if l == len(feats) else srcs[-1]))
    cots = [torch.randn(s.shape, generator=g) for s in srcs]
    grads = torch.autograd.grad(sum((s * c).sum() for s, c in zip(srcs, cots)), feats)
    nhwc = lambda t: t.permute(0, 2, 3, 1)
    weights = {}
    for name, p in projs.state_dict().items():
        weights[name] = arr(p.permute(2, 3, 1, 0) if p.dim() == 4 else p)
    write('input-projection.json', {
        'backboneChannels': channels, 'dModel': d, 'numLevels': levels, 'weights': weights,
        'features': [arr(nhwc(f)) for f in feats], 'outputs': [arr(nhwc(s)) for s in srcs],
        'cotangents': [arr(nhwc(c)) for c in cots], 'gradFeatures': [arr(nhwc(gr)) for gr in grads],
    })


if __name__ == '__main__':
    attention_fixture()
    transformer_fixture()
    deformable_fixture()
    matcher_fixture()
    criterion_fixture()
    input_projection_fixture()
