"""UP-DETR in PyTorch, written for ssdet's reference checks (dev-time only).

Our own code, following the semantics of dddzg/up-detr: `models/updetr.py` (query patches,
repeat-interleave, query dropout, block-diagonal self-attention mask), `models/detr.py`
(`SetCriterion`: loss_labels with eos_coef, loss_boxes, loss_feature; `MLP`),
`models/matcher.py` (Hungarian matching with SciPy), `models/transformer.py` (pre-norm DETR
transformer) and `util/box_ops.py`. Used by make_updetr_golden.py and bench_updetr_torch.py.

One deliberate difference: the decoder's attention mask is built per patch group (correct for
every ratio of queries to patches); `official_group_mask` reproduces the official loop.
"""
import math

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn


# ---------------------------------------------------------------------------- boxes
def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def pairwise_giou(a, b):
    """[N, 4] × [M, 4] xyxy → [N, M] generalized IoU."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    top_left = torch.max(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union
    hull_tl = torch.min(a[:, None, :2], b[None, :, :2])
    hull_br = torch.max(a[:, None, 2:], b[None, :, 2:])
    hull = (hull_br - hull_tl).clamp(min=0).prod(-1)
    return iou - (hull - union) / hull


# ---------------------------------------------------------------------------- matching + loss
@torch.no_grad()
def hungarian_match(logits, boxes, targets, cost_class=1.0, cost_bbox=5.0, cost_giou=2.0):
    """Per image: (query indices, target indices) minimising
    cost_bbox·L1 + cost_class·(−p(class)) + cost_giou·(−GIoU)."""
    matches = []
    for b, t in enumerate(targets):
        prob = logits[b].softmax(-1)
        c = (cost_bbox * torch.cdist(boxes[b], t['boxes'], p=1)
             - cost_class * prob[:, t['labels']]
             - cost_giou * pairwise_giou(cxcywh_to_xyxy(boxes[b]), cxcywh_to_xyxy(t['boxes'])))
        rows, cols = linear_sum_assignment(c.numpy())
        matches.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
    return matches


def layer_losses(layer, targets, matches, num_boxes, num_classes, eos_coef):
    """UP-DETR's loss_labels / loss_boxes / loss_feature for one decoder layer (unweighted)."""
    logits, boxes = layer['pred_logits'], layer['pred_boxes']
    batch_idx = torch.cat([torch.full_like(q, b) for b, (q, _) in enumerate(matches)])
    query_idx = torch.cat([q for q, _ in matches])
    target_classes = torch.full(logits.shape[:2], num_classes, dtype=torch.int64)
    target_classes[batch_idx, query_idx] = torch.cat([t['labels'][j] for t, (_, j) in zip(targets, matches)])
    class_weight = torch.ones(num_classes + 1)
    class_weight[-1] = eos_coef
    out = {'loss_ce': F.cross_entropy(logits.transpose(1, 2), target_classes, class_weight)}

    src = boxes[batch_idx, query_idx]
    tgt = torch.cat([t['boxes'][j] for t, (_, j) in zip(targets, matches)])
    out['loss_bbox'] = (src - tgt).abs().sum() / num_boxes
    giou = torch.diag(pairwise_giou(cxcywh_to_xyxy(src), cxcywh_to_xyxy(tgt)))
    out['loss_giou'] = (1 - giou).sum() / num_boxes

    if 'pred_feature' in layer:
        # gt_feature is [B·M, C], image-major; pick each matched patch's row.
        gt = layer['gt_feature'].view(len(targets), -1, layer['gt_feature'].shape[-1])
        predicted = F.normalize(layer['pred_feature'][batch_idx, query_idx], dim=1)
        target = F.normalize(torch.cat([gt[b][j] for b, (_, j) in enumerate(matches)]), dim=1)
        out['loss_feature'] = ((predicted - target) ** 2).sum() / num_boxes
    return out


def updetr_loss(outputs, targets, num_classes=2, eos_coef=0.1, weights=None, costs=(1.0, 5.0, 2.0)):
    """All layers: final + aux, each matched on its own. Returns (total, unweighted terms, matches)."""
    weights = weights or {'loss_ce': 1.0, 'loss_bbox': 5.0, 'loss_giou': 2.0, 'loss_feature': 1.0}
    num_boxes = max(1.0, float(sum(len(t['labels']) for t in targets)))
    layers = [(outputs, '')] + [(aux, f'_{i}') for i, aux in enumerate(outputs.get('aux_outputs', []))]
    terms, all_matches = {}, []
    for layer, suffix in layers:
        matches = hungarian_match(layer['pred_logits'], layer['pred_boxes'], targets, *costs)
        all_matches.append((suffix, matches))
        for name, value in layer_losses(layer, targets, matches, num_boxes, num_classes, eos_coef).items():
            terms[name + suffix] = value
    total = sum(value * weights[name.rsplit('_', 1)[0] if name[-1].isdigit() else name] for name, value in terms.items())
    return total, terms, all_matches


# ---------------------------------------------------------------------------- modules
class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        outs = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(dims, outs))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


def group_mask(num_queries, num_patches):
    """Additive [Q, Q] mask: 0 inside a patch group, −inf across groups (per-group loop)."""
    per = num_queries // num_patches
    mask = torch.full((num_queries, num_queries), float('-inf'))
    for g in range(num_patches):
        mask[g * per:(g + 1) * per, g * per:(g + 1) * per] = 0
    return mask


def official_group_mask(num_queries, num_patches):
    """The official UPDETR.__init__ loop: over query_per_patch, not over patches."""
    per = num_queries // num_patches
    mask = torch.ones(num_queries, num_queries) * float('-inf')
    for i in range(per):
        mask[i * per:(i + 1) * per, i * per:(i + 1) * per] = 0
    return mask


def sine_position(mask, num_pos_feats, temperature=10000):
    """DETR's PositionEmbeddingSine(normalize=True); mask True on padding. → [B, 2F, H, W]."""
    not_mask = ~mask
    y = not_mask.cumsum(1, dtype=torch.float32)
    x = not_mask.cumsum(2, dtype=torch.float32)
    eps, scale = 1e-6, 2 * math.pi
    y = y / (y[:, -1:, :] + eps) * scale
    x = x / (x[:, :, -1:] + eps) * scale
    dim_t = torch.arange(num_pos_feats, dtype=torch.float32)
    dim_t = temperature ** (2 * (dim_t // 2) / num_pos_feats)
    px, py = x[:, :, :, None] / dim_t, y[:, :, :, None] / dim_t
    px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3).permute(0, 3, 1, 2)


class PreNormEncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout)
        self.ffn = nn.Sequential(nn.Linear(d, ffn), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn, d))
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, src, pos, key_padding_mask):
        x = self.norm1(src)
        q = x + pos
        src = src + self.drop1(self.attn(q, q, x, key_padding_mask=key_padding_mask)[0])
        return src + self.drop2(self.ffn(self.norm2(src)))


class PreNormDecoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, dropout=dropout)
        self.cross_attn = nn.MultiheadAttention(d, heads, dropout=dropout)
        self.ffn = nn.Sequential(nn.Linear(d, ffn), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn, d))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(3))
        self.drops = nn.ModuleList(nn.Dropout(dropout) for _ in range(3))

    def forward(self, tgt, memory, pos, query_pos, tgt_mask, memory_key_padding_mask):
        x = self.norms[0](tgt)
        q = x + query_pos
        tgt = tgt + self.drops[0](self.self_attn(q, q, x, attn_mask=tgt_mask)[0])
        x = self.norms[1](tgt)
        tgt = tgt + self.drops[1](self.cross_attn(x + query_pos, memory + pos, memory,
                                                  key_padding_mask=memory_key_padding_mask)[0])
        return tgt + self.drops[2](self.ffn(self.norms[2](tgt)))


class UpdetrTorch(nn.Module):
    """UP-DETR pre-training model: frozen ResNet (FrozenBN) + pre-norm DETR transformer + heads."""

    def __init__(self, backbone='resnet50', d=256, heads=8, ffn=2048, enc=6, dec=6, dropout=0.1,
                 num_queries=100, num_patches=10, num_classes=2, mask_ratio=0.1):
        super().__init__()
        import torchvision
        from torchvision.ops.misc import FrozenBatchNorm2d
        resnet = getattr(torchvision.models, backbone)(weights=None, norm_layer=FrozenBatchNorm2d)
        self.body = nn.Sequential(*list(resnet.children())[:-2])
        for p in self.body.parameters():
            p.requires_grad_(False)  # --fre_cnn
        channels = 2048 if backbone == 'resnet50' else 512
        self.input_proj = nn.Conv2d(channels, d, 1)
        self.encoder = nn.ModuleList(PreNormEncoderLayer(d, heads, ffn, dropout) for _ in range(enc))
        self.encoder_norm = nn.LayerNorm(d)
        self.decoder = nn.ModuleList(PreNormDecoderLayer(d, heads, ffn, dropout) for _ in range(dec))
        self.decoder_norm = nn.LayerNorm(d)
        self.class_embed = nn.Linear(d, num_classes + 1)
        self.bbox_embed = MLP(d, d, 4, 3)
        self.query_embed = nn.Embedding(num_queries, d)
        self.patch2query = nn.Linear(channels, d)
        self.feature_align = MLP(d, d, channels, 2)
        self.num_queries, self.num_patches, self.mask_ratio, self.d = num_queries, num_patches, mask_ratio, d
        self.register_buffer('attention_mask', group_mask(num_queries, num_patches))

    def forward(self, images, mask, patches):
        """images [B, 3, H, W], mask [B, H, W] True on padding, patches [B, M, 3, S, S]."""
        bs, m = patches.shape[:2]
        src = self.body(images)
        mask = F.interpolate(mask[None].float(), size=src.shape[-2:]).to(torch.bool)[0]
        pos = sine_position(mask, self.d // 2).flatten(2).permute(2, 0, 1)
        gt_feature = self.body(patches.flatten(0, 1)).mean((2, 3))
        queries = (self.patch2query(gt_feature).view(bs, m, -1)
                   .repeat_interleave(self.num_queries // self.num_patches, dim=1).permute(1, 0, 2))
        if self.training:
            keep = (torch.rand(self.num_queries, bs, 1) > self.mask_ratio).float()
            queries = queries * keep
        query_pos = queries + self.query_embed.weight.unsqueeze(1)
        memory = self.input_proj(src).flatten(2).permute(2, 0, 1)
        padding = mask.flatten(1)
        for layer in self.encoder:
            memory = layer(memory, pos, padding)
        memory = self.encoder_norm(memory)
        tgt = torch.zeros_like(query_pos)
        hs = []
        for layer in self.decoder:
            tgt = layer(tgt, memory, pos, query_pos, self.attention_mask, padding)
            hs.append(self.decoder_norm(tgt))
        hs = torch.stack(hs).transpose(1, 2)  # [L, B, Q, d]
        logits, boxes, features = self.class_embed(hs), self.bbox_embed(hs).sigmoid(), self.feature_align(hs)
        layer = lambda i: {'pred_logits': logits[i], 'pred_boxes': boxes[i], 'pred_feature': features[i],
                           'gt_feature': gt_feature}
        out = layer(-1)
        out['aux_outputs'] = [layer(i) for i in range(len(hs) - 1)]
        return out
