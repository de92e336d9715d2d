#!/usr/bin/python3
"""Golden PLRC values, for @ssdet/plugin-plrc's fidelity tests.

Run from the repository root with Debian's python3-torch (1.13), scipy and matplotlib:

    git -C <a clone of facebookresearch/PLRC> archive HEAD PLRC | tar -x -C /tmp/plrc-official
    /usr/bin/python3 tools/reference/plrc/make_plrc_golden.py [--official /tmp/plrc-official]

Writes tools/reference/fixtures/plrc/plrc_golden.json, which
packages/plugin-plrc/src/fidelity.test.ts reads (values and gradients within 1e-4 relative).

The official loss module (PLRC/models/plrc_loss.py: SupConLoss, NCEAverage, SelfDistillation, and
PLRC/models/utils.py: overlap) is imported from the given directory at fixture time only -- it is
not part of this repository. It is written for CUDA and torch.distributed; on the CPU,
`Tensor.cuda` is made the identity and `all_reduce` a single-process no-op. Its hard-coded sizes
(mask 56 x 56, 4096 prototypes, a 65,536-key queue) are set to the small fixture sizes on the
instances. What happens before the losses in PLRC/models/builder.py (grid_sample of the points,
the key points' argmax reordering, bilinear upsampling of the fcs_2 maps) needs the encoders and
DDP, so it is re-written here from a reading of it (not copied) and feeds the official loss.

Cases:
1. point: SupConLoss.compute_cont_loss(p, q) on L2-normalised [B, C, 1, P] points, gradients with
   respect to the raw points (the normalisation is part of Memory_Loss.forward).
2. image: NCEAverage.forward(mode='image'): the official targets arange(B) and the official
   queue update that truncates at K; and, from our own script following it, the paper's InfoNCE
   (positive at index 0 for every row) and a queue that wraps round. Gradient w.r.t. q.
3. distillation: SelfDistillation.forward at epochs 0, 7 and 45 (teacher temperature warm-up
   0.04 -> 0.07 over 30 of 100 epochs) with a non-zero centre; the loss, d loss / d student and
   the centre after its momentum update.
4. overlap: utils.overlap on coordinates with flips, as the set of (b, q pixel, k pixel) pairs.
5. pipeline: from 4 x 4 head maps to both point-branch losses -- the builder's grid_sample (both
   the official (row, col) -> (x, y) order and the transposed, image-correct one), argmax
   reordering, keep, interpolate to S x S -- then Memory_Loss.forward(mode='point') with
   (ts_ratio, cl_ratio) = (1, 0) and (0, 1): L_ts and L_point, with the gradients with respect to
   the query's fcs map and both fcs_2 maps.
6. head: the official resnet.ProjHead (fcs_2) in training mode on fixed weights, with the L2
   bottleneck and the key's L1 (`dy=True`): outputs, d/d input and d/d weight_v for a fixed
   cotangent, and the BatchNorm running statistics after the forward.
"""
import argparse
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
OUT = os.path.join(ROOT, 'tools', 'reference', 'fixtures', 'plrc')


def stored(t):
    """A float tensor as JSON: 9 significant digits give every float32 back exactly."""
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return {'shape': list(a.shape), 'data': [float('%.9g' % v) for v in a.astype(np.float32).flatten().tolist()]}


def stored_int(a):
    a = np.asarray(a)
    return {'shape': list(a.shape), 'data': [int(v) for v in a.flatten().tolist()]}


def import_official(path):
    """PLRC.models.plrc_loss, utils and resnet from `path`, made to run on one CPU process."""
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    import torch.distributed as dist
    dist.all_reduce = lambda tensor, *args, **kwargs: None
    dist.get_world_size = lambda *args, **kwargs: 1
    sys.path.insert(0, path)
    import PLRC.models.plrc_loss as plrc_loss  # noqa: E402
    import PLRC.models.utils as plrc_utils  # noqa: E402
    import PLRC.models.resnet as plrc_resnet  # noqa: E402
    return plrc_loss, plrc_utils, plrc_resnet


def official_args(batch):
    return types.SimpleNamespace(batch_size=batch, world_size=1, rank=0, ts_ratio=0.3, cl_ratio=0.3, im_ratio=0.7)


# ---------------------------------------------------------------------------------------------
# 1. L_point: SupCon over the points of the shared region.

def point_case(plrc_loss, g, b, p, c):
    q_raw = torch.randn(b, p, c, generator=g, requires_grad=True)
    k_raw = torch.randn(b, p, c, generator=g, requires_grad=True)
    loss_module = plrc_loss.SupConLoss(official_args(b))
    # Memory_Loss.forward normalises along the channel axis of [B, C, 1, P].
    q = F.normalize(q_raw.permute(0, 2, 1).unsqueeze(2), dim=1)
    k = F.normalize(k_raw.permute(0, 2, 1).unsqueeze(2), dim=1)
    loss = loss_module.compute_cont_loss(k, q)
    gq, gk = torch.autograd.grad(loss, [q_raw, k_raw])
    return {'queries': stored(q_raw), 'keys': stored(k_raw), 'loss': float(loss), 'gradQueries': stored(gq),
            'gradKeys': stored(gk), 'temperature': 0.2, 'baseTemperature': 0.07}


# ---------------------------------------------------------------------------------------------
# 2. L_img: NCEAverage with its queue.

def image_case(plrc_loss, g, b, d, k_size, pointer):
    q_raw = torch.randn(b, d, generator=g, requires_grad=True)
    k_raw = torch.randn(b, d, generator=g)
    stdv = 1.0 / np.sqrt(d / 3)
    queue = torch.rand(k_size, d, generator=g) * 2 * stdv - stdv

    module = plrc_loss.NCEAverage(official_args(b))
    module.Ks = [k_size]
    module.queue_x = queue.clone()
    module.ptr = torch.tensor([float(pointer)])
    loss_official, _ = module([q_raw], [q_raw, k_raw], None, [k_raw], None, None, None, None, True, 0, mode='image')
    loss_official = loss_official.sum()
    (grad_official,) = torch.autograd.grad(loss_official, [q_raw])

    # The paper's InfoNCE (MoCo eq. 1): the positive at index 0 of every row.
    qn, kn = F.normalize(q_raw, dim=1), F.normalize(k_raw, dim=1)
    logits = torch.cat([(qn * kn).sum(1, keepdim=True), qn @ queue.t()], 1) / 0.2
    loss_paper = F.cross_entropy(logits, torch.zeros(b, dtype=torch.long))
    (grad_paper,) = torch.autograd.grad(loss_paper, [q_raw])
    # A queue that wraps round (MoCo's, when K is not a multiple of B).
    wrapped = queue.clone()
    for i in range(b):
        wrapped[(pointer + i) % k_size] = kn[i].detach()
    return {
        'queries': stored(q_raw), 'keys': stored(k_raw), 'queue': stored(queue), 'pointer': pointer,
        'temperature': 0.2,
        'official': {'loss': float(loss_official), 'gradQueries': stored(grad_official),
                     'queueAfter': stored(module.queue_x), 'pointerAfter': int(module.ptr.item())},
        'paper': {'loss': float(loss_paper), 'gradQueries': stored(grad_paper), 'queueAfter': stored(wrapped),
                  'pointerAfter': (pointer + b) % k_size},
    }


# ---------------------------------------------------------------------------------------------
# 3. L_ts: SelfDistillation with its centre.

def distillation_case(plrc_loss, g, m, dim, epoch):
    student = torch.randn(m, dim, generator=g, requires_grad=True)
    teacher = torch.randn(m, dim, generator=g) * 0.3
    center = torch.randn(1, dim, generator=g) * 0.1
    module = plrc_loss.SelfDistillation(official_args(m), out_dim=16, warmup_teacher_temp=0.04, teacher_temp=0.07,
                                        warmup_teacher_temp_epochs=30, nepochs=100, student_temp=0.1,
                                        center_momentum=0.9)
    module.center = center.clone()
    loss = module(student_output=student, teacher_output=teacher, epoch=epoch)
    (grad,) = torch.autograd.grad(loss, [student])
    return {'epoch': epoch, 'teacherTemperature': float(module.teacher_temp_schedule[epoch]), 'student': stored(student),
            'teacher': stored(teacher), 'center': stored(center), 'loss': float(loss), 'gradStudent': stored(grad),
            'centerAfter': stored(module.center)}


# ---------------------------------------------------------------------------------------------
# 4 and 5. Overlap, and the point branch from the head maps.

def random_coords(g, b):
    """Official `coord`s: [x0, y0, x1, y1] normalised by (W - 1, H - 1); a flip swaps x0 and x1."""
    coords = []
    for i in range(b):
        x0, y0 = torch.rand(2, generator=g) * 0.4
        w, h = 0.35 + torch.rand(2, generator=g) * 0.55
        box = [float(x0), float(y0), min(1.0, float(x0 + w)), min(1.0, float(y0 + h))]
        if i % 2 == 1:
            box[0], box[2] = box[2], box[0]
        coords.append(box)
    return torch.tensor(coords)


def overlap_pairs(plrc_utils, coord_q, coord_k, size):
    b = coord_q.shape[0]
    dummy = torch.zeros(b, size * size, 1)
    mask = plrc_utils.overlap(dummy, dummy, coord_q, coord_k, size)
    return torch.nonzero(mask)  # [M, 3]: b, q pixel, k pixel in row-major order


def overlap_case(plrc_utils, g, b, size):
    coord_q, coord_k = random_coords(g, b), random_coords(g, b)
    pairs = overlap_pairs(plrc_utils, coord_q, coord_k, size)
    return {'size': size, 'coordQuery': stored(coord_q), 'coordKey': stored(coord_k), 'pairs': stored_int(pairs.numpy())}


def sample_points(fmap, points, size, transposed):
    """The builder's grid_sample: points [B, R, P, 2] as (row, col) of the S x S mask."""
    grid = points.clone().float()
    if not transposed:
        grid = grid.flip(-1)  # (x, y) = (col, row): the image-correct order
    # The official passes (row, col) as grid_sample's (x, y): `transposed`.
    grid = grid / (size - 1) * 2 - 1
    return F.grid_sample(fmap, grid)  # [B, C, R, P], align_corners=False (the 1.13 default)


def pipeline_case(plrc_loss, plrc_utils, g, epoch, transposed):
    b, h, c1, cb, dl, size, regions, points, keep = 3, 4, 6, 5, 7, 8, 3, 8, 4
    y1_q = torch.randn(b, c1, h, h, generator=g, requires_grad=True)
    y1_k = torch.randn(b, c1, h, h, generator=g)
    # fcs_2 bottlenecks: L2-normalised (query, extra view), L1-normalised (key: `dy=True`).
    y2f_q_raw = torch.randn(b, cb, h, h, generator=g, requires_grad=True)
    y2f_q = F.normalize(y2f_q_raw, dim=1)
    y2f_k = F.normalize(torch.randn(b, cb, h, h, generator=g), dim=1, p=1)
    y2f_e = F.normalize(torch.randn(b, cb, h, h, generator=g), dim=1)
    y2l_q = torch.randn(b, dl, h, h, generator=g, requires_grad=True)
    y2l_e = torch.randn(b, dl, h, h, generator=g)
    points_q = torch.randint(0, size, (b, regions, points, 2), generator=g)
    points_k = torch.randint(0, size, (b, regions, points, 2), generator=g)
    coord_q, coord_e = random_coords(g, b), random_coords(g, b)
    center = torch.randn(1, size * size + dl, generator=g) * 0.05

    # builder.py, query branch: all points of the shared region (index 0), the first `keep` kept.
    feat_q = sample_points(y1_q, points_q, size, transposed)
    arch_q = F.normalize(feat_q[:, :, 0, :].permute(0, 2, 1), dim=-1)  # [B, P, C]
    q_points = feat_q[:, :, 0:1, :keep]
    # Key branch: for each key point i, the key point at the index of its most similar query point.
    feat_k = sample_points(y1_k, points_k, size, transposed)
    top = feat_k[:, :, 0, :].permute(0, 2, 1)  # [B, P, C]
    best = torch.matmul(F.normalize(top, dim=-1), arch_q.permute(0, 2, 1)).max(dim=2)[1]
    reordered = top.gather(1, best.unsqueeze(-1).repeat(1, 1, c1))
    k_points = reordered.permute(0, 2, 1).unsqueeze(2)[:, :, :, :keep]

    def up(x):
        y = F.interpolate(x, size=(size, size), mode='bilinear')
        return y.permute(0, 2, 3, 1).reshape(-1, x.shape[1])

    ts = [up(y2l_q), up(y2l_e), up(y2l_e)]  # the key's fcs_2 logits are never read
    ts_f = [up(y2f_q), up(y2f_e), up(y2f_k)]
    results = {}
    for name, (ts_ratio, cl_ratio) in {'distillation': (1.0, 0.0), 'point': (0.0, 1.0)}.items():
        args = official_args(b)
        args.ts_ratio, args.cl_ratio = ts_ratio, cl_ratio
        module = plrc_loss.SupConLoss(args)
        module.mask_size = size
        module.self_distillation.center = center.clone()
        fxs = [q_points, k_points, k_points]
        loss, _ = module(fxs, fxs, fxs, [torch.zeros(1, c1)], None, None, None, None, False, epoch, mode='point',
                         fxs_pre_ts=ts, coord_multiv=[coord_q], coord_multiv_2=[coord_e], fxs_pre_ts_f=ts_f)
        loss = loss.sum()
        grads = torch.autograd.grad(loss, [y1_q, y2f_q_raw, y2l_q], allow_unused=True, retain_graph=True)
        results[name] = {
            'loss': float(loss),
            'grad': {n: stored(gr if gr is not None else torch.zeros_like(t))
                     for n, gr, t in zip(['y1Query', 'y2fQueryRaw', 'y2lQuery'], grads, [y1_q, y2f_q_raw, y2l_q])},
        }
        if name == 'distillation':
            results[name]['centerAfter'] = stored(module.self_distillation.center)
    pairs = overlap_pairs(plrc_utils, coord_q, coord_e, size)
    nchw_to_nhwc = lambda t: t.permute(0, 2, 3, 1)  # noqa: E731
    return {
        'epoch': epoch, 'transposed': transposed, 'size': size, 'keep': keep,
        'inputs': {
            'y1Query': stored(nchw_to_nhwc(y1_q)), 'y1Key': stored(nchw_to_nhwc(y1_k)),
            'y2fQueryRaw': stored(nchw_to_nhwc(y2f_q_raw)), 'y2fKey': stored(nchw_to_nhwc(y2f_k)),
            'y2fExtra': stored(nchw_to_nhwc(y2f_e)), 'y2lQuery': stored(nchw_to_nhwc(y2l_q)),
            'y2lExtra': stored(nchw_to_nhwc(y2l_e)),
            'pointsQuery': stored_int(points_q.numpy()), 'pointsKey': stored_int(points_k.numpy()),
            'coordQuery': stored(coord_q), 'coordExtra': stored(coord_e), 'center': stored(center),
        },
        'pairs': stored_int(pairs.numpy()),
        'queryPoints': stored(q_points[:, :, 0, :].permute(0, 2, 1)),
        'keyPoints': stored(k_points[:, :, 0, :].permute(0, 2, 1)),
        'losses': results,
    }


# ---------------------------------------------------------------------------------------------
# 6. fcs_2: the official ProjHead (DINO head) in training mode, L2 (query) and L1 (`dy=True`, key).

def head_case(plrc_resnet, g, l1):
    torch.manual_seed(int(torch.randint(0, 2 ** 31, (1,), generator=g)))
    head = plrc_resnet.ProjHead(6, out_dim=10, hidden_dim=8, bottleneck_dim=4).train()
    # Non-trivial BatchNorm affine parameters.
    for module in head.mlp:
        if isinstance(module, torch.nn.BatchNorm1d):
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    weights = {name: stored(t) for name, t in head.state_dict().items() if 'num_batches_tracked' not in name}
    x = torch.randn(12, 6, generator=g, requires_grad=True)
    bottleneck, logits = head(x, dy=l1)
    cotangent = torch.randn(12, 10, generator=g)
    loss = (logits * cotangent).sum() + bottleneck.sum()
    grad_x, grad_v = torch.autograd.grad(loss, [x, head.last_layer.weight_v])
    return {'l1': l1, 'weights': weights, 'input': stored(x), 'bottleneck': stored(bottleneck), 'logits': stored(logits),
            'cotangent': stored(cotangent), 'gradInput': stored(grad_x), 'gradWeightV': stored(grad_v),
            'runningMean1': stored(head.mlp[1].running_mean), 'runningVar4': stored(head.mlp[4].running_var)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--official', default='/tmp/plrc-official',
                        help='a directory holding the official PLRC package (PLRC/models/...)')
    args = parser.parse_args()
    plrc_loss, plrc_utils, plrc_resnet = import_official(args.official)
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    golden = {
        'about': 'PLRC losses on fixed inputs, from the official PLRC/models/plrc_loss.py (facebookresearch/PLRC); '
                 'see tools/reference/plrc/make_plrc_golden.py',
        'point': [point_case(plrc_loss, g, 3, 4, 5), point_case(plrc_loss, g, 5, 16, 8)],
        'image': [image_case(plrc_loss, g, 4, 8, 10, 2), image_case(plrc_loss, g, 4, 8, 10, 8)],
        'distillation': [distillation_case(plrc_loss, g, 7, 12, e) for e in (0, 7, 45)],
        'overlap': [overlap_case(plrc_utils, g, 4, 8), overlap_case(plrc_utils, g, 3, 14)],
        'pipeline': [pipeline_case(plrc_loss, plrc_utils, g, 3, transposed=False),
                     pipeline_case(plrc_loss, plrc_utils, g, 40, transposed=True)],
        'head': [head_case(plrc_resnet, g, l1=False), head_case(plrc_resnet, g, l1=True)],
    }
    with open(os.path.join(OUT, 'plrc_golden.json'), 'w') as f:
        json.dump(golden, f, separators=(',', ':'))
    print('wrote', os.path.join(OUT, 'plrc_golden.json'))


if __name__ == '__main__':
    main()
