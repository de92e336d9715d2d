"""ProSeCo's LocInfoNCE in PyTorch, written independently from the paper's equations for ssdet's
fidelity fixtures and bench (no official code exists).

Bouniot, Audigier, Loesch, Habrard, "Proposal-Contrastive Pretraining for Object Detection from
Fewer Data", ICLR 2023 (arXiv 2310.16835), method (Fig. 2 and abstract): the student's predictions on the strong view are
matched to the teacher's proposals on the weak view; each student embedding is contrasted against
every teacher embedding of the batch; its positives are the proposals of the same image whose box
overlaps the anchor box with IoU >= delta (plus the matched one), all others are negatives.

This file does not import ssdet code or share its structure: the matching is SciPy's
linear_sum_assignment on a dense cost, IoU is torchvision.ops.box_iou, the loss is written with
log_softmax over a masked matrix.
"""
import torch
import torch.nn.functional as F
import torchvision
from scipy.optimize import linear_sum_assignment


def cxcywh_to_xyxy(b):
    return torchvision.ops.box_convert(b, 'cxcywh', 'xyxy')


@torch.no_grad()
def match_proposals(student_boxes, teacher_boxes, cost_bbox=5.0, cost_giou=2.0, cost_emb=0.0,
                    student_emb=None, teacher_emb=None):
    """[B, Q, 4], [B, P, 4] normalised cxcywh -> LongTensor [B*Q]: flat teacher index, -1 if none.

    cost_emb > 0 adds cost_emb * (-cosine similarity) of the embeddings [B, Q, E] / [B, P, E]
    (Fig. 2 matches the "full predictions"; an option, off by default)."""
    b, q = student_boxes.shape[:2]
    p = teacher_boxes.shape[1]
    matched = torch.full((b * q,), -1, dtype=torch.long)
    for i in range(b):
        s, t = student_boxes[i].double(), teacher_boxes[i].double()
        cost = cost_bbox * torch.cdist(s, t, p=1) - cost_giou * torchvision.ops.generalized_box_iou(
            cxcywh_to_xyxy(s), cxcywh_to_xyxy(t))
        if cost_emb > 0:
            cos = F.cosine_similarity(student_emb[i].double()[:, None, :],
                                      teacher_emb[i].double()[None, :, :], dim=-1)
            cost = cost - cost_emb * cos
        rows, cols = linear_sum_assignment(cost.numpy())
        for r, c in zip(rows, cols):
            matched[i * q + r] = i * p + c
    return matched


@torch.no_grad()
def location_positives(anchor_xyxy, anchor_image, key_xyxy, key_image, matched, delta):
    """[N, M] bool: same image and IoU(anchor_i, key_j) >= delta, or j == matched[i]."""
    iou = torchvision.ops.box_iou(anchor_xyxy.double(), key_xyxy.double())
    same = anchor_image[:, None] == key_image[None, :]
    pos = same & (iou >= delta)
    rows = torch.nonzero(matched >= 0).flatten()
    pos[rows, matched[rows]] = True
    return pos


def loc_info_nce(student, teacher, positives, tau, aggregation='mean-log'):
    """student [N, D], teacher [M, D], positives [N, M] bool -> scalar (mean over anchors with a positive)."""
    z = F.normalize(student, dim=1)
    zt = F.normalize(teacher, dim=1)
    log_prob = F.log_softmax(z @ zt.t() / tau, dim=1)
    count = positives.sum(1)
    keep = count > 0
    if aggregation == 'mean-log':
        per_anchor = -(log_prob * positives).sum(1)[keep] / count[keep]
    else:
        per_anchor = -torch.logsumexp(log_prob.masked_fill(~positives, float('-inf')), dim=1)[keep]
    return per_anchor.mean()


def proseco_contrast(student_boxes, student_emb, teacher_boxes, teacher_emb, delta, tau,
                     anchor='teacher', aggregation='mean-log', cost_bbox=5.0, cost_giou=2.0,
                     cost_emb=0.0):
    """The whole LocInfoNCE term from the final decoder layer of both detectors.

    student_boxes [B, Q, 4], student_emb [B, Q, E], teacher_boxes [B, P, 4], teacher_emb [B, P, E].
    Returns (loss, matched, positives)."""
    b, q = student_boxes.shape[:2]
    p = teacher_boxes.shape[1]
    matched = match_proposals(student_boxes, teacher_boxes, cost_bbox, cost_giou, cost_emb,
                              student_emb.detach(), teacher_emb.detach())
    s_xyxy = cxcywh_to_xyxy(student_boxes.reshape(-1, 4)).detach()
    t_xyxy = cxcywh_to_xyxy(teacher_boxes.reshape(-1, 4)).detach()
    if anchor == 'teacher':
        anchor_xyxy = torch.where((matched >= 0)[:, None], t_xyxy[matched.clamp(min=0)], s_xyxy)
    else:
        anchor_xyxy = s_xyxy
    positives = location_positives(anchor_xyxy, torch.arange(b).repeat_interleave(q), t_xyxy,
                                   torch.arange(b).repeat_interleave(p), matched, delta)
    loss = loc_info_nce(student_emb.reshape(b * q, -1), teacher_emb.reshape(b * p, -1).detach(),
                        positives, tau, aggregation)
    return loss, matched, positives
