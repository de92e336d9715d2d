"""DETReg's criterion and matchers in PyTorch, written for ssdet's reference fixtures and bench.

Follows amirbar/DETReg (read, not copied): `models/deformable_detr.py` (`SetCriterion`:
loss_labels with the sigmoid focal loss × Q, loss_boxes, loss_object_embedding on the last layer
only), `models/detr.py` (the DETR variant: cross-entropy with the no-object weight eos_coef),
`models/def_matcher.py` (focal class cost, α 0.25, γ 2 fixed), `models/detr_matcher.py` (−p̂(c)),
`models/segmentation.py` (`sigmoid_focal_loss`: per element, `.mean(1).sum() / num_boxes`),
`util/box_ops.py` and `models/__init__.py` (weight_dict). Single process: num_boxes is the batch's
prior count clamped at 1.
"""
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn


class MLP(nn.Module):
    """DETR's MLP: Linear layers with ReLU between them."""

    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [output_dim]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else F.relu(layer(x))
        return x


def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)


def generalized_box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[:, :2])
    rb = torch.min(a[:, None, 2:], b[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b - inter
    iou = inter / union
    lt_c = torch.min(a[:, None, :2], b[:, :2])
    rb_c = torch.max(a[:, None, 2:], b[:, 2:])
    wh_c = (rb_c - lt_c).clamp(min=0)
    area_c = wh_c[..., 0] * wh_c[..., 1]
    return iou - (area_c - union) / area_c


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


@torch.no_grad()
def match(outputs, targets, focal, cost_class, cost_bbox=5.0, cost_giou=2.0):
    """def_matcher (focal) or detr_matcher (softmax): one (queries, targets) pair per image."""
    bs, nq = outputs['pred_logits'].shape[:2]
    logits = outputs['pred_logits'].flatten(0, 1)
    boxes = outputs['pred_boxes'].flatten(0, 1)
    ids = torch.cat([t['labels'] for t in targets])
    tboxes = torch.cat([t['boxes'] for t in targets])
    if focal:
        prob = logits.sigmoid()
        alpha, gamma = 0.25, 2.0
        neg = (1 - alpha) * (prob ** gamma) * (-(1 - prob + 1e-8).log())
        pos = alpha * ((1 - prob) ** gamma) * (-(prob + 1e-8).log())
        c_class = pos[:, ids] - neg[:, ids]
    else:
        c_class = -logits.softmax(-1)[:, ids]
    c_bbox = torch.cdist(boxes, tboxes, p=1)
    c_giou = -generalized_box_iou(cxcywh_to_xyxy(boxes), cxcywh_to_xyxy(tboxes))
    cost = (cost_bbox * c_bbox + cost_class * c_class + cost_giou * c_giou).view(bs, nq, -1)
    sizes = [len(t['boxes']) for t in targets]
    out = []
    for i, c in enumerate(cost.split(sizes, -1)):
        rows, cols = linear_sum_assignment(c[i].numpy())
        out.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
    return out


def sigmoid_focal_loss(inputs, targets, num_boxes, alpha=0.25, gamma=2.0):
    prob = inputs.sigmoid()
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction='none')
    p_t = prob * targets + (1 - prob) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss.mean(1).sum() / num_boxes


def _src_idx(indices):
    return (torch.cat([torch.full_like(s, i) for i, (s, _) in enumerate(indices)]),
            torch.cat([s for s, _ in indices]))


def layer_losses(outputs, targets, indices, num_boxes, focal, num_classes, eos_coef, embedding):
    """loss_ce, loss_bbox, loss_giou (and loss_object_embedding) of one decoder layer."""
    logits = outputs['pred_logits']
    idx = _src_idx(indices)
    target_classes_o = torch.cat([t['labels'][j] for t, (_, j) in zip(targets, indices)])
    target_classes = torch.full(logits.shape[:2], num_classes, dtype=torch.int64)
    target_classes[idx] = target_classes_o
    if focal:
        onehot = torch.zeros(logits.shape[0], logits.shape[1], logits.shape[2] + 1)
        onehot.scatter_(2, target_classes.unsqueeze(-1), 1)
        loss_ce = sigmoid_focal_loss(logits, onehot[:, :, :-1], num_boxes) * logits.shape[1]
    else:
        weight = torch.ones(num_classes + 1)
        weight[-1] = eos_coef
        loss_ce = F.cross_entropy(logits.transpose(1, 2), target_classes, weight)
    src_boxes = outputs['pred_boxes'][idx]
    tgt_boxes = torch.cat([t['boxes'][j] for t, (_, j) in zip(targets, indices)], 0)
    losses = {
        'loss_ce': loss_ce,
        'loss_bbox': F.l1_loss(src_boxes, tgt_boxes, reduction='none').sum() / num_boxes,
        'loss_giou': (1 - torch.diag(generalized_box_iou(
            cxcywh_to_xyxy(src_boxes), cxcywh_to_xyxy(tgt_boxes)))).sum() / num_boxes,
    }
    if embedding:
        src = outputs['pred_features'][idx]
        tgt = torch.cat([t['patches'][j] for t, (_, j) in zip(targets, indices)], 0)
        losses['loss_object_embedding'] = F.l1_loss(src, tgt, reduction='mean')
    return losses


def detreg_loss(outputs, targets, focal, num_classes, weights, eos_coef=0.1):
    """The weighted total, every term (unweighted) and the matches ('' = last layer, '_i' aux)."""
    num_boxes = max(float(sum(len(t['labels']) for t in targets)), 1.0)
    terms, matches = {}, {}
    indices = match(outputs, targets, focal, weights['loss_ce'])
    matches[''] = indices
    terms.update(layer_losses(outputs, targets, indices, num_boxes, focal, num_classes, eos_coef, True))
    for i, aux in enumerate(outputs.get('aux_outputs', [])):
        indices = match(aux, targets, focal, weights['loss_ce'])
        matches[f'_{i}'] = indices
        for k, v in layer_losses(aux, targets, indices, num_boxes, focal, num_classes, eos_coef, False).items():
            terms[f'{k}_{i}'] = v
    total = sum(v * weights[k.rsplit('_', 1)[0] if k[-1].isdigit() else k] for k, v in terms.items())
    return total, terms, matches
