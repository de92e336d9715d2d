#!/usr/bin/python3
"""Golden DetCon values, for @ssdet/plugin-detcon's fidelity tests.

Run from the repository root with Debian's python3-torch (1.13), python3-skimage (0.19) and PIL:

    /usr/bin/python3 tools/reference/detcon/make_detcon_golden.py

Writes tools/reference/fixtures/detcon/:
  * detcon_golden.json -- mask grids, mask pooling and both losses on fixed inputs, with gradients;
  * fh_<photo>.json   -- skimage Felzenszwalb-Huttenlocher label maps of the bundled photos
    (packages/data/assets/photos) at DetCon's settings, run-length encoded.

The TypeScript tests packages/plugin-detcon/src/fidelity.test.ts and
packages/plugin-detcon/src/fh-masks.test.ts read them and check our values within 1e-4 relative
(label maps and grids exactly).

What is computed, following the official JAX code (google-deepmind/detcon; read, re-written here in
PyTorch/NumPy, not copied) and lightly's PyTorch port (lightly/loss/detcon_loss.py):

1. Masks. generate_fh_masks_for_imagenet.py: skimage.segmentation.felzenszwalb(image, scale=1000,
   min_size=1000) (sigma left at skimage's 0.8) on the decoded full-resolution RGB image, stored as
   uint8 (labels wrap modulo 256).
2. Grid (detcon_b.py create_binary_mask): one-hot over 256 ids, average-pooled 32 x 32 with
   stride 32 ('VALID'), argmax over ids (first maximum: the smallest id among ties). The grid
   cases include ties, labels >= 256 (wrapped as the uint8 storage does) and crops whose sides are
   not multiples of 32 (VALID drops the remainder).
3. Pooling (detcon_b.py sample_masks / run_detcon_b_forward_on_view): for fixed sampled ids
   [B, K], the one-hot rows of the grid, divided by max(area, 1), times the feature map
   [B, h*w, C] -> [B, K, C]; the gradient with respect to the feature map for a fixed cotangent.
4. DetCon-B loss (utils/losses.py byol_nce_detcon, single replica): L2-normalised predictions and
   targets; logits p.t / tau for every image u and slot v of the other view's targets, then of the
   same view's targets; same-view entries of the same image with the same id get -1e9; labels
   uniform over the other view's same-image same-id slots; weight 1[has positive] / (number of
   sampled slots of the same image with the same id); mean over images and slots of
   weight x cross-entropy; the two directions summed. Gradients with respect to both predictions
   (targets are stop-gradient).
5. DetCon-S loss (lightly DetConSLoss): the same function with the projections of both views as
   predictions and as targets; the gradient flows through both uses.

A float64 re-computation by an independent per-row loop (written from the formula, not from the
vectorised code) must agree, so the float32 values are a faithful reference.
"""
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from skimage.segmentation import felzenszwalb

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
OUT = os.path.join(ROOT, 'tools', 'reference', 'fixtures', 'detcon')
PHOTOS = ['astronaut', 'coffee', 'chelsea']
FH = {'scale': 1000, 'sigma': 0.8, 'min_size': 1000}
MAX_MASK_ID = 256
CELL = 32
INFINITY_PROXY = 1e9


def stored(t):
    """A float tensor as JSON: 9 significant digits give every float32 back exactly."""
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return {'shape': list(a.shape), 'data': [float('%.9g' % v) for v in a.astype(np.float32).flatten().tolist()]}


def stored_int(a):
    a = np.asarray(a)
    return {'shape': list(a.shape), 'data': [int(v) for v in a.flatten().tolist()]}


# ---------------------------------------------------------------------------------------------
# 1. Felzenszwalb-Huttenlocher label maps of the bundled photos.

def run_length(labels):
    """Row-major runs [value, length, value, length, ...]."""
    flat = labels.flatten()
    runs = []
    start = 0
    for i in range(1, len(flat) + 1):
        if i == len(flat) or flat[i] != flat[start]:
            runs += [int(flat[start]), i - start]
            start = i
    return runs


def fh_fixture(name):
    path = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos', f'{name}.jpg')
    image = np.asarray(Image.open(path).convert('RGB'))
    labels = felzenszwalb(image, scale=FH['scale'], sigma=FH['sigma'], min_size=FH['min_size'])
    h, w = labels.shape
    return {
        'about': 'skimage.segmentation.felzenszwalb at DetCon settings; see tools/reference/detcon/make_detcon_golden.py',
        'skimage': __import__('skimage').__version__,
        'photo': f'packages/data/assets/photos/{name}.jpg',
        # The test first checks that sharp decodes the JPEG to the same pixels PIL did.
        'rgbSha256': hashlib.sha256(image.tobytes()).hexdigest(),
        'width': w,
        'height': h,
        'parameters': FH,
        'segments': int(labels.max()) + 1,
        'labelsRle': run_length(labels),
    }


# ---------------------------------------------------------------------------------------------
# 2. create_binary_mask: mask [B, H, W] -> ids of the grid [B, (H//32) * (W//32)].

def create_binary_mask(masks):
    """One-hot (256 ids) -> 32 x 32 average pool (VALID) -> argmax, as official; ids [B, cells]."""
    masks = masks.astype(np.uint8)  # the official generator stores uint8
    b, h, w = masks.shape
    gh, gw = h // CELL, w // CELL
    one_hot = (masks[..., None] == np.arange(MAX_MASK_ID).reshape(1, 1, 1, -1)).astype(np.float32)
    cropped = one_hot[:, :gh * CELL, :gw * CELL]
    pooled = cropped.reshape(b, gh, CELL, gw, CELL, MAX_MASK_ID).mean(axis=(2, 4), dtype=np.float32)
    return np.argmax(pooled.reshape(b, gh * gw, MAX_MASK_ID), axis=-1)


def grid_cases(rng):
    cases = []
    # Blocky random masks with ties: each 16 x 16 quarter of a 32 x 32 cell gets one of few labels.
    quarters = rng.integers(0, 5, size=(2, 8, 12))
    blocky = np.kron(quarters, np.ones((16, 16), dtype=np.int64))  # [2, 128, 192]
    cases.append(('blocky-ties', blocky))
    # Labels above 255 (wrapped by the uint8 storage) and a size that is no multiple of 32.
    wide = rng.integers(250, 262, size=(1, 10, 13))
    big = np.kron(wide, np.ones((7, 9), dtype=np.int64))[:, :70, :117]
    cases.append(('wrap-and-remainder', big))
    # Fine noise: every cell is a histogram of many labels.
    noise = rng.integers(0, 40, size=(2, 64, 96))
    cases.append(('noise', noise))
    out = []
    for name, masks in cases:
        out.append({'name': name, 'masks': stored_int(masks), 'grid': stored_int(create_binary_mask(masks))})
    return out


# ---------------------------------------------------------------------------------------------
# 3. Mask pooling with fixed sampled ids.

def pool_masked(features, grid, ids):
    """features [B, h*w, C], grid [B, h*w] ids, sampled ids [B, K] -> [B, K, C]."""
    binary = (grid[:, None, :] == ids[:, :, None]).to(features.dtype)  # [B, K, h*w]
    area = binary.sum(-1, keepdim=True)
    return torch.matmul(binary / torch.clamp(area, min=1.0), features)


def pooling_case(g):
    b, h, w, c, k = 3, 3, 4, 5, 6
    grid = torch.randint(0, 7, (b, h * w), generator=g)
    # Sampled among the ids present, with replacement (fixed here); one id absent from the grid
    # tests the max(area, 1) guard.
    ids = torch.stack([grid[i][torch.randint(0, h * w, (k,), generator=g)] for i in range(b)])
    ids[0, -1] = 99
    features = torch.randn(b, h, w, c, generator=g).requires_grad_(True)
    pooled = pool_masked(features.reshape(b, h * w, c), grid, ids)
    cotangent = torch.randn(b, k, c, generator=g)
    (pooled * cotangent).sum().backward()
    return {
        'features': stored(features),  # NHWC
        'grid': stored_int(grid),
        'ids': stored_int(ids),
        'pooled': stored(pooled),
        'cotangent': stored(cotangent),
        'gradFeatures': stored(features.grad),
    }


# ---------------------------------------------------------------------------------------------
# 4./5. byol_nce_detcon.

def byol_nce_detcon(pred1, pred2, target1, target2, pind1, pind2, tind1, tind2, temperature):
    b, k, _ = pred1.shape

    def same(i0, i1):  # [B, K, 1, K]
        return (i0[:, :, None] == i1[:, None, :]).float()[:, :, None, :]

    same_aa, same_ab = same(pind1, tind1), same(pind1, tind2)
    same_ba, same_bb = same(pind2, tind1), same(pind2, tind2)
    pred1, pred2 = F.normalize(pred1, dim=-1, eps=1e-12), F.normalize(pred2, dim=-1, eps=1e-12)
    target1, target2 = F.normalize(target1, dim=-1, eps=1e-12), F.normalize(target2, dim=-1, eps=1e-12)
    local = torch.eye(b)[:, None, :, None]  # [B, 1, B, 1]: the same image

    def logits(p, t):
        return torch.einsum('abk,uvk->abuv', p, t) / temperature

    l_aa = logits(pred1, target1) - INFINITY_PROXY * local * same_aa
    l_bb = logits(pred2, target2) - INFINITY_PROXY * local * same_bb
    l_ab, l_ba = logits(pred1, target2), logits(pred2, target1)
    zeros = torch.zeros(b, k, b, k)
    lab_0 = torch.cat([local * same_ab, zeros], dim=2).reshape(b, k, -1)
    lab_1 = torch.cat([local * same_ba, zeros], dim=2).reshape(b, k, -1)
    npos_0, npos_1 = lab_0.sum(-1, keepdim=True), lab_1.sum(-1, keepdim=True)
    lab_0, lab_1 = lab_0 / torch.clamp(npos_0, min=1.0), lab_1 / torch.clamp(npos_1, min=1.0)
    area_0 = same(pind1, pind1).sum(dim=(2, 3))
    area_1 = same(pind2, pind2).sum(dim=(2, 3))
    w_0 = (npos_0[..., 0] > 1e-3).float() / area_0
    w_1 = (npos_1[..., 0] > 1e-3).float() / area_1
    z_0 = torch.cat([l_ab, l_aa], dim=2).reshape(b, k, -1)
    z_1 = torch.cat([l_ba, l_bb], dim=2).reshape(b, k, -1)
    loss_a = torch.mean(-w_0 * torch.sum(lab_0 * F.log_softmax(z_0, dim=-1), dim=-1))
    loss_b = torch.mean(-w_1 * torch.sum(lab_1 * F.log_softmax(z_1, dim=-1), dim=-1))
    return loss_a + loss_b


def loop_loss(pred1, pred2, target1, target2, pind1, pind2, tind1, tind2, temperature):
    """The same objective, row by row in float64, from the formula."""
    def unit(x):
        x = np.asarray(x, dtype=np.float64)
        return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)

    def direction(p, t_other, t_same, pind, tind_other, tind_same):
        b, k, _ = p.shape
        total = 0.0
        for a in range(b):
            for m in range(k):
                positives = [v for v in range(k) if tind_other[a, v] == pind[a, m]]
                if not positives:
                    continue
                cross = [(u, v, p[a, m] @ t_other[u, v] / temperature) for u in range(b) for v in range(k)]
                own = [p[a, m] @ t_same[u, v] / temperature for u in range(b) for v in range(k)
                       if not (u == a and tind_same[a, v] == pind[a, m])]
                values = np.array([z for _, _, z in cross] + own)
                top = values.max()
                lse = top + np.log(np.exp(values - top).sum())
                ce = lse - np.mean([p[a, m] @ t_other[a, v] / temperature for v in positives])
                area = sum(1 for n in range(k) if pind[a, n] == pind[a, m])
                total += ce / area
        return total / (b * k)

    p1, p2, t1, t2 = unit(pred1), unit(pred2), unit(target1), unit(target2)
    return (direction(p1, t2, t1, pind1, tind2, tind1) + direction(p2, t1, t2, pind2, tind1, tind2))


def loss_case(g, name, b, k, d, n_ids, temperature, variant):
    shape = (b, k, d)
    ids1 = torch.randint(0, n_ids, (b, k), generator=g)
    ids2 = torch.randint(0, n_ids, (b, k), generator=g)
    if variant == 'b':
        pred1, pred2 = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
        target1, target2 = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
        pred1.requires_grad_(True)
        pred2.requires_grad_(True)
        loss = byol_nce_detcon(pred1, pred2, target1.detach(), target2.detach(), ids1, ids2, ids1, ids2, temperature)
        loss.backward()
        check = loop_loss(pred1.detach(), pred2.detach(), target1, target2, ids1.numpy(), ids2.numpy(),
                          ids1.numpy(), ids2.numpy(), temperature)
        inputs = {'pred1': stored(pred1), 'pred2': stored(pred2), 'target1': stored(target1), 'target2': stored(target2)}
        grads = {'pred1': stored(pred1.grad), 'pred2': stored(pred2.grad)}
    else:
        z1, z2 = torch.randn(shape, generator=g).requires_grad_(True), torch.randn(shape, generator=g).requires_grad_(True)
        loss = byol_nce_detcon(z1, z2, z1, z2, ids1, ids2, ids1, ids2, temperature)
        loss.backward()
        check = loop_loss(z1.detach(), z2.detach(), z1.detach(), z2.detach(), ids1.numpy(), ids2.numpy(),
                          ids1.numpy(), ids2.numpy(), temperature)
        inputs = {'z1': stored(z1), 'z2': stored(z2)}
        grads = {'z1': stored(z1.grad), 'z2': stored(z2.grad)}
    assert abs(check - loss.item()) <= 1e-5 * max(1.0, abs(check)), (name, check, loss.item())
    return {
        'name': name,
        'variant': variant,
        'temperature': temperature,
        'ids1': stored_int(ids1),
        'ids2': stored_int(ids2),
        'inputs': inputs,
        'loss': float('%.9g' % loss.item()),
        'grads': grads,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    g = torch.Generator().manual_seed(0)
    losses = [
        loss_case(g, 'b-small', b=3, k=5, d=4, n_ids=4, temperature=0.1, variant='b'),
        loss_case(g, 'b-batch', b=4, k=16, d=8, n_ids=6, temperature=0.1, variant='b'),
        loss_case(g, 'b-tau-0.5', b=2, k=8, d=6, n_ids=12, temperature=0.5, variant='b'),
        loss_case(g, 's-small', b=3, k=5, d=4, n_ids=4, temperature=0.1, variant='s'),
        loss_case(g, 's-batch', b=4, k=16, d=8, n_ids=6, temperature=0.1, variant='s'),
    ]
    golden = {
        'about': 'DetCon mask grids, pooling and losses (google-deepmind/detcon; lightly DetConS); '
                 'see tools/reference/detcon/make_detcon_golden.py',
        'maxMaskId': MAX_MASK_ID,
        'cell': CELL,
        'grids': grid_cases(rng),
        'pooling': pooling_case(g),
        'losses': losses,
    }
    with open(os.path.join(OUT, 'detcon_golden.json'), 'w') as f:
        json.dump(golden, f, separators=(',', ':'))
    for name in PHOTOS:
        with open(os.path.join(OUT, f'fh_{name}.json'), 'w') as f:
            json.dump(fh_fixture(name), f, separators=(',', ':'))
    print('wrote', OUT)


if __name__ == '__main__':
    main()
