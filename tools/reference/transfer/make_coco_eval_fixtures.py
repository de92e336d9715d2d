#!/usr/bin/python3
"""Reference fixtures for the TypeScript port of pycocotools' COCOeval (bbox and segm).

Dev-time only: tests read tools/reference/fixtures/transfer/coco_eval.json and never run Python.

Build the official cocoapi locally (no PyPI; Debian packages only):
    # git directory of github:cocodataset/cocoapi (e.g. from a mirror), commit 8c9bcc3c...
    G=/path/to/cocoapi.git
    mkdir -p /tmp/cocoapi
    git --git-dir=$G archive HEAD PythonAPI common | tar -x -C /tmp/cocoapi
    git --git-dir=$G rev-parse HEAD > /tmp/cocoapi/COMMIT
    apt-get update
    apt-get install -y cython3 python3-dev python3-numpy python3-setuptools
    cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
Then, from the repository root:
    /usr/bin/python3 tools/reference/transfer/make_coco_eval_fixtures.py [--cocoapi /tmp/cocoapi]

matplotlib is stubbed when missing (only COCO.showAnns uses it) and np.float / np.int are
aliased because cocoeval.py still uses them and numpy >= 1.24 removed them.

Output layout:
  cases[]       name, iouType, gt (COCO dataset dict), dt (result list exactly as passed to
                COCO.loadRes: loadRes assigns dt ids = index + 1, area = w*h when a "bbox" field
                is present, else maskUtils.area of the RLE), stats (12 numbers, COCOeval.stats),
                perCategoryAP (mean of precision[:, :, k, 0, -1] over entries > -1, else -1),
                params (overrides applied to COCOeval.params before evaluate()), notes.
  defaults      Params('bbox') iouThrs / recThrs (np.linspace values, e.g. 0.8999999999999999),
                maxDets, areaRng, areaRngLbl.
  polygonRle    frPyObjects([polygon], h, w)[0] (compressed counts, area of the decoded mask, toBbox).
                (A flat polygon list cannot be passed alone: frPyObjects evaluates len(pyobj[0]).)
  mergedPolygonRle  merge(frPyObjects([poly, poly, ...], h, w)) (union, as COCO.annToRLE).
  encode        mask.encode of small masks given as row strings ('0'/'1', row-major rows), with
                the column-major uncompressed counts.
  iou           maskUtils.iou(dt, gt, iscrowd) for boxes and RLEs; iou[i][j] = dt i vs gt j.
  area          maskUtils.area and maskUtils.toBbox of compressed RLEs.
"""
import argparse
import contextlib
import copy
import io
import json
import math
import os
import sys
import types

import numpy as np

np.float = float  # removed in numpy 1.24, used by cocoeval.accumulate
np.int = int

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'transfer', 'coco_eval.json')


def import_pycocotools(cocoapi):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        for name in ('matplotlib', 'matplotlib.pyplot', 'matplotlib.collections', 'matplotlib.patches'):
            sys.modules[name] = types.ModuleType(name)
        sys.modules['matplotlib'].pyplot = sys.modules['matplotlib.pyplot']
        sys.modules['matplotlib.collections'].PatchCollection = None
        sys.modules['matplotlib.patches'].Polygon = None
    sys.path.insert(0, os.path.join(cocoapi, 'PythonAPI'))
    global COCO, COCOeval, maskUtils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from pycocotools import mask as maskUtils


def r2(v):
    return round(float(v), 2)


def r3(v):
    return round(float(v), 3)


# ----------------------------------------------------------------------------- helpers

def rle_str(rle):
    """Compressed RLE dict from pycocotools (bytes counts) -> JSON-able dict."""
    c = rle['counts']
    return {'size': [int(rle['size'][0]), int(rle['size'][1])],
            'counts': c.decode('utf-8') if isinstance(c, bytes) else c}


def encode_mask(m):
    return rle_str(maskUtils.encode(np.asfortranarray(m.astype(np.uint8))))


def uncompressed_rle(m):
    """Column-major run lengths starting with a (possibly empty) run of zeros."""
    flat = m.flatten(order='F').astype(np.uint8)
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            run, cur = 0, v
        run += 1
    counts.append(run)
    return {'size': [int(m.shape[0]), int(m.shape[1])], 'counts': counts}


def poly_mask(polys, h, w):
    return maskUtils.decode(maskUtils.merge(maskUtils.frPyObjects(polys, h, w)))


def shoelace(poly):
    xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))


def mask_bbox(m):
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return [0, 0, 0, 0]
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


def rand_box(rng, W, H, lo, hi):
    """Box with log-uniform side in [lo, hi], inside a W x H image."""
    w = min(math.exp(rng.uniform(math.log(lo), math.log(hi))), W - 1)
    h = min(w * math.exp(rng.uniform(-0.5, 0.5)), H - 1)
    x = rng.uniform(0, W - w)
    y = rng.uniform(0, H - h)
    return [r2(x), r2(y), r2(w), r2(h)]


def jitter_box(rng, b, mag, W, H):
    x, y, w, h = b
    nw = max(1.0, w * math.exp(rng.normal(0, mag)))
    nh = max(1.0, h * math.exp(rng.normal(0, mag)))
    nx = min(max(0.0, x + rng.normal(0, mag * w)), W - nw)
    ny = min(max(0.0, y + rng.normal(0, mag * h)), H - nh)
    return [r2(nx), r2(ny), r2(nw), r2(nh)]


def rand_poly(rng, cx, cy, r, n=None):
    n = n or int(rng.randint(5, 12))
    ang = np.sort(rng.uniform(0, 2 * math.pi, n))
    rad = r * rng.uniform(0.55, 1.0, n)
    pts = []
    for a, q in zip(ang, rad):
        pts += [r2(cx + q * math.cos(a)), r2(cy + q * math.sin(a))]
    return pts


def jitter_poly(rng, poly, mag):
    return [r2(v + rng.normal(0, mag)) for v in poly]


def shift_mask(m, dx, dy):
    out = np.zeros_like(m)
    h, w = m.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = m[ys, xs]
    return out


def dilate(m):
    out = m.copy()
    out[1:, :] |= m[:-1, :]
    out[:-1, :] |= m[1:, :]
    out[:, 1:] |= m[:, :-1]
    out[:, :-1] |= m[:, 1:]
    return out


def erode(m):
    return 1 - dilate(1 - m)


class GtBuilder:
    def __init__(self, cats):
        self.images, self.anns = [], []
        self.categories = [{'id': c, 'name': 'cat%d' % c} for c in cats]
        self.next_id = 1

    def image(self, iid, w, h):
        self.images.append({'id': iid, 'width': w, 'height': h, 'file_name': '%d.jpg' % iid})

    def ann(self, iid, cat, bbox, area=None, iscrowd=0, segmentation=None, **extra):
        a = {'id': self.next_id, 'image_id': iid, 'category_id': cat, 'bbox': bbox,
             'area': r2(bbox[2] * bbox[3]) if area is None else area, 'iscrowd': iscrowd}
        if segmentation is not None:
            a['segmentation'] = segmentation
        a.update(extra)
        self.next_id += 1
        self.anns.append(a)
        return a

    def dataset(self):
        return {'images': self.images, 'annotations': self.anns, 'categories': self.categories}


# ----------------------------------------------------------------------------- evaluation

def run_case(name, iou_type, gt, dt, params=None, notes=None):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cg = COCO()
        cg.dataset = copy.deepcopy(gt)
        cg.createIndex()
        cd = cg.loadRes(copy.deepcopy(dt))
        E = COCOeval(cg, cd, iou_type)
        for k, v in (params or {}).items():
            setattr(E.params, k, v)
        E.evaluate()
        E.accumulate()
        E.summarize()
    prec = E.eval['precision']
    per_cat = {}
    for k, cid in enumerate(E.params.catIds):
        p = prec[:, :, k, 0, -1]
        p = p[p > -1]
        per_cat[str(int(cid))] = float(np.mean(p)) if p.size else -1.0
    case = {'name': name, 'iouType': iou_type, 'gt': gt, 'dt': dt,
            'stats': [float(s) for s in E.stats], 'perCategoryAP': per_cat}
    if params:
        case['params'] = params
    if notes:
        case['notes'] = notes
    n_gt, n_dt = len(gt['annotations']), len(dt)
    print('%-28s %-4s imgs=%2d gt=%3d dt=%3d  stats=%s' % (
        name, iou_type, len(gt['images']), n_gt, n_dt, ' '.join('%.4f' % s for s in E.stats)))
    print('%-28s perCategoryAP=%s' % ('', {k: round(v, 4) for k, v in per_cat.items()}))
    assert len(gt['images']) <= 12 and n_dt <= 300, name
    return case


# ----------------------------------------------------------------------------- bbox cases

def detections_for(rng, gtb, iid, W, H, p_det=0.85, mag=(0.02, 0.25), wrong_cat=None):
    out = []
    for a in [a for a in gtb.anns if a['image_id'] == iid and not a['iscrowd']]:
        if rng.rand() < p_det:
            cat = a['category_id']
            if wrong_cat and rng.rand() < 0.1:
                cat = int(rng.choice(wrong_cat))
            out.append({'image_id': iid, 'category_id': cat,
                        'bbox': jitter_box(rng, a['bbox'], rng.uniform(*mag), W, H),
                        'score': r3(rng.uniform(0.3, 1.0))})
    return out


def case_bbox_basic():
    rng = np.random.RandomState(1)
    cats = [1, 2, 3]
    g = GtBuilder(cats)
    dt = []
    for iid in range(1, 5):
        W, H = 640, 480
        g.image(iid, W, H)
        for _ in range(rng.randint(2, 6)):
            g.ann(iid, int(rng.choice(cats)), rand_box(rng, W, H, 8, 300))
        dt += detections_for(rng, g, iid, W, H, wrong_cat=cats)
        for _ in range(rng.randint(1, 4)):
            dt.append({'image_id': iid, 'category_id': int(rng.choice(cats)),
                       'bbox': rand_box(rng, W, H, 8, 200), 'score': r3(rng.uniform(0.05, 0.7))})
    return run_case('bbox_basic', 'bbox', g.dataset(), dt)


def case_bbox_crowd():
    rng = np.random.RandomState(2)
    cats = [1, 2, 3]
    g = GtBuilder(cats)
    dt = []
    W, H = 400, 300
    for iid in (1, 2, 3):
        g.image(iid, W, H)
        crowd = [40.0 + 10 * iid, 30.0, 200.0, 150.0]
        # crowd region: area field = 60% of the box, as a crowd's mask area would be
        g.ann(iid, 1, crowd, area=r2(0.6 * crowd[2] * crowd[3]), iscrowd=1)
        # regular objects of the same category inside and outside the crowd region
        inside = [crowd[0] + 20, crowd[1] + 20, 40.0, 50.0]
        g.ann(iid, 1, inside)
        g.ann(iid, 1, [300.0, 200.0, 60.0, 70.0])
        g.ann(iid, 2, rand_box(rng, W, H, 20, 120))
        # detections: a good one on the regular object inside the crowd
        dt.append({'image_id': iid, 'category_id': 1, 'bbox': jitter_box(rng, inside, 0.03, W, H),
                   'score': r3(rng.uniform(0.6, 0.95))})
        # small boxes fully inside the crowd region (IoU w.r.t. crowd = 1, dt area denominator)
        for _ in range(4):
            b = [r2(crowd[0] + 100 + rng.uniform(0, 60)), r2(crowd[1] + 70 + rng.uniform(0, 40)),
                 r2(rng.uniform(5, 30)), r2(rng.uniform(5, 30))]
            dt.append({'image_id': iid, 'category_id': 1, 'bbox': b, 'score': r3(rng.uniform(0.2, 0.99))})
        # boxes partially inside the crowd: intersection / dt-area between ~0.4 and ~0.9
        for frac in (0.45, 0.7, 0.9):
            w = 40.0
            b = [r2(crowd[0] + crowd[2] - frac * w), 100.0, w, 30.0]
            dt.append({'image_id': iid, 'category_id': 1, 'bbox': b, 'score': r3(rng.uniform(0.2, 0.99))})
        # duplicate of the regular object (dt that already matched cannot re-match; the duplicate
        # then falls through to the crowd region because the regular gt is taken)
        dt.append({'image_id': iid, 'category_id': 1, 'bbox': list(inside), 'score': 0.5})
        dt.append({'image_id': iid, 'category_id': 1, 'bbox': list(inside), 'score': 0.5})
        dt += detections_for(rng, g, iid, W, H, p_det=0.7)
    # category 3: its only ground truth is crowd -> no non-ignored gt -> AP -1
    g.ann(2, 3, [10.0, 10.0, 100.0, 100.0], area=6000.0, iscrowd=1)
    dt.append({'image_id': 2, 'category_id': 3, 'bbox': [20.0, 20.0, 30.0, 30.0], 'score': 0.8})
    dt.append({'image_id': 1, 'category_id': 3, 'bbox': [20.0, 20.0, 30.0, 30.0], 'score': 0.7})
    # a non-crowd gt with "ignore": 1 -- COCOeval overwrites ignore with iscrowd, so it counts
    g.ann(3, 2, [250.0, 20.0, 50.0, 40.0], ignore=1)
    return run_case('bbox_crowd', 'bbox', g.dataset(), dt, notes=(
        'crowd gt is matched with IoU = inter / dt area and makes the dt ignored; a crowd can be '
        'matched by many dts; "ignore": 1 on a non-crowd gt has no effect (overwritten by iscrowd); '
        'category 3 has only crowd gt -> precision -1 -> perCategoryAP -1'))


def case_bbox_maxdets():
    rng = np.random.RandomState(3)
    g = GtBuilder([1, 2])
    dt = []
    W, H = 800, 600
    g.image(5, W, H)
    g.image(6, W, H)
    gts = [g.ann(5, 1, rand_box(rng, W, H, 20, 200)) for _ in range(8)]
    # good matches with scores spread over the whole ranking: some fall beyond rank 100
    for a, s in zip(gts, (0.99, 0.9, 0.62, 0.41, 0.33, 0.2, 0.12, 0.08)):
        dt.append({'image_id': 5, 'category_id': 1, 'bbox': jitter_box(rng, a['bbox'], 0.03, W, H), 'score': s})
    for _ in range(112):
        dt.append({'image_id': 5, 'category_id': 1, 'bbox': rand_box(rng, W, H, 10, 150),
                   'score': r3(rng.uniform(0.15, 0.95))})
    # category 2 in the same image: 30 dets (maxDets applies per image *and* category)
    g2 = [g.ann(5, 2, rand_box(rng, W, H, 30, 200)) for _ in range(3)]
    for a in g2:
        dt.append({'image_id': 5, 'category_id': 2, 'bbox': jitter_box(rng, a['bbox'], 0.05, W, H), 'score': 0.05})
    for _ in range(27):
        dt.append({'image_id': 5, 'category_id': 2, 'bbox': rand_box(rng, W, H, 10, 150),
                   'score': r3(rng.uniform(0.1, 0.9))})
    for _ in range(3):
        a = g.ann(6, int(rng.choice([1, 2])), rand_box(rng, W, H, 20, 300))
        dt.append({'image_id': 6, 'category_id': a['category_id'],
                   'bbox': jitter_box(rng, a['bbox'], 0.08, W, H), 'score': r3(rng.uniform(0.3, 1.0))})
    rng.shuffle(dt)
    return run_case('bbox_maxdets', 'bbox', g.dataset(), dt, notes=(
        'image 5 has 120 dets of category 1 (truncated to the top 100 by score) and 30 of category 2 '
        '(not truncated: the limit is per image and category); dt list is shuffled'))


def case_bbox_ties():
    rng = np.random.RandomState(4)
    g = GtBuilder([1, 2])
    dt = []
    W, H = 320, 240
    # images listed out of id order; COCOeval sorts imgIds and ties across images follow that order
    for iid in (30, 10, 20, 40):
        g.image(iid, W, H)
    levels = (0.9, 0.8, 0.5)
    for iid in (30, 10, 20, 40):
        for _ in range(3):
            a = g.ann(iid, int(rng.choice([1, 2])), rand_box(rng, W, H, 15, 150))
            if rng.rand() < 0.8:
                dt.append({'image_id': iid, 'category_id': a['category_id'],
                           'bbox': jitter_box(rng, a['bbox'], rng.uniform(0.02, 0.3), W, H),
                           'score': float(rng.choice(levels))})
        for _ in range(2):
            dt.append({'image_id': iid, 'category_id': int(rng.choice([1, 2])),
                       'bbox': rand_box(rng, W, H, 15, 150), 'score': float(rng.choice(levels))})
    # exact duplicates with identical score in one image: list order decides which one matches
    g.ann(20, 1, [50.0, 60.0, 80.0, 70.0])
    dt.append({'image_id': 20, 'category_id': 1, 'bbox': [52.0, 61.0, 78.0, 70.0], 'score': 0.8})
    dt.append({'image_id': 20, 'category_id': 1, 'bbox': [50.0, 60.0, 80.0, 70.0], 'score': 0.8})
    dt.append({'image_id': 20, 'category_id': 1, 'bbox': [50.0, 60.0, 80.0, 70.0], 'score': 0.8})
    # same box at different scores
    g.ann(10, 2, [200.0, 20.0, 60.0, 100.0])
    dt.append({'image_id': 10, 'category_id': 2, 'bbox': [201.0, 22.0, 60.0, 98.0], 'score': 0.5})
    dt.append({'image_id': 10, 'category_id': 2, 'bbox': [200.0, 20.0, 60.0, 100.0], 'score': 0.9})
    # two gts overlapping one dt equally (gt list order decides)
    g.ann(40, 1, [100.0, 100.0, 40.0, 40.0])
    g.ann(40, 1, [120.0, 100.0, 40.0, 40.0])
    dt.append({'image_id': 40, 'category_id': 1, 'bbox': [110.0, 100.0, 40.0, 40.0], 'score': 0.9})
    rng.shuffle(dt)
    return run_case('bbox_ties', 'bbox', g.dataset(), dt, notes=(
        'scores take 3 values; ties are broken by a stable sort: within an image by dt list order, '
        'across images by ascending image id (images list is not sorted)'))


def case_bbox_empty():
    rng = np.random.RandomState(5)
    # 4: gt but no dets; 7: listed category without gt but with dets; 99 (dets only): not a category
    g = GtBuilder([1, 2, 4, 7])
    dt = []
    W, H = 500, 400
    for iid in range(1, 8):
        g.image(iid, W, H)
    for iid in (1, 2, 3):
        for _ in range(3):
            g.ann(iid, int(rng.choice([1, 2, 4])), rand_box(rng, W, H, 10, 250))
        dt += [d for d in detections_for(rng, g, iid, W, H, p_det=0.9) if d['category_id'] != 4]
    # images 4, 5: no gt at all but detections (all false positives, small ones and large ones)
    for iid in (4, 5):
        for _ in range(4):
            dt.append({'image_id': iid, 'category_id': int(rng.choice([1, 2])),
                       'bbox': rand_box(rng, W, H, 8, 300), 'score': r3(rng.uniform(0.1, 0.99))})
    # image 6: gt only; image 7: nothing
    g.ann(6, 1, rand_box(rng, W, H, 40, 100))
    for iid in (1, 4):
        dt.append({'image_id': iid, 'category_id': 7, 'bbox': rand_box(rng, W, H, 20, 100), 'score': 0.95})
        dt.append({'image_id': iid, 'category_id': 99, 'bbox': rand_box(rng, W, H, 20, 100), 'score': 0.97})
    return run_case('bbox_empty_and_missing', 'bbox', g.dataset(), dt, notes=(
        'images 4, 5 have dets but no gt; image 6 gt only; image 7 empty; category 4 has gt and no dets '
        '(AP 0); category 7 is listed but has no gt (AP -1, excluded from means); category 99 is not '
        'in categories (its dets are dropped because params.catIds come from the gt categories)'))


def case_bbox_edges():
    W, H = 300, 300
    iou_probes = [([0.0, 0.0, 100.0, 100.0], None, [0.0, 0.0, 100.0, float(t)])  # IoU = t / 100
                  for t in range(50, 100, 5)]
    area_probes = [  # (gt box, gt area field, dt box)
        ([10.0, 10.0, 32.0, 32.0], None, [10.0, 10.0, 32.0, 32.0]),   # gt area 1024: small and medium
        ([10.0, 10.0, 96.0, 96.0], None, [12.0, 12.0, 96.0, 96.0]),   # gt area 9216: medium and large
        ([10.0, 10.0, 40.0, 40.0], 900.0, [10.0, 10.0, 40.0, 40.0]),  # gt area field small, dt 1600
        ([10.0, 10.0, 20.0, 20.0], 2000.0, [10.0, 10.0, 20.0, 20.0]),  # gt area field medium, dt 400
        ([10.0, 10.0, 100.0, 100.0], 5000.0, [150.0, 150.0, 100.0, 100.0]),  # unmatched large dt
        ([10.0, 10.0, 50.0, 50.0], None, [200.0, 200.0, 32.0, 32.0]),  # unmatched dt area 1024
        ([10.0, 10.0, 50.0, 50.0], None, [200.0, 200.0, 96.0, 96.0]),  # unmatched dt area 9216
        ([10.0, 10.0, 50.0, 50.0], None, [60.0, 10.0, 50.0, 50.0]),  # touching: IoU 0
        ([10.0, 10.0, 9.0, 9.0], None, [10.0, 10.0, 12.0, 12.0]),  # tiny gt, dt IoU 0.5625
    ]
    out = []
    for name, probes, notes in (
            ('bbox_iou_edges', iou_probes,
             'one gt [0,0,100,100] per image and a dt [0,0,100,t]: IoU exactly 0.5, 0.55, ..., 0.95 '
             '(a match needs IoU >= threshold; 0.55 etc. are compared with linspace thresholds)'),
            ('bbox_area_edges', area_probes,
             'gt area 1024 / 9216 lie in two area ranges (bounds inclusive); gt "area" field differs '
             'from w*h: gt area ranges use the field, dt area ranges use w*h; unmatched dts outside '
             'an area range are ignored there')):
        g = GtBuilder([1])
        dt = []
        for i, (gb, area, db) in enumerate(probes):  # one image per probe: no interaction
            iid = i + 1
            g.image(iid, W, H)
            g.ann(iid, 1, gb, area=area)
            dt.append({'image_id': iid, 'category_id': 1, 'bbox': db, 'score': r3(0.95 - 0.05 * i)})
        out.append(run_case(name, 'bbox', g.dataset(), dt, notes=notes))
    return out


def case_bbox_mixed():
    rng = np.random.RandomState(8)
    cats = [3, 8, 12, 15]
    g = GtBuilder(cats)
    dt = []
    sizes = [(640, 480), (480, 640), (1024, 768), (320, 240), (800, 800), (640, 360)]
    for iid in range(101, 113):
        W, H = sizes[iid % len(sizes)]
        g.image(iid, W, H)
        if iid in (104, 109):
            for _ in range(5):
                dt.append({'image_id': iid, 'category_id': int(rng.choice(cats[:3])),
                           'bbox': rand_box(rng, W, H, 6, 300), 'score': round(float(rng.uniform(0, 1)), 2)})
            continue
        for _ in range(rng.randint(1, 8)):
            b = rand_box(rng, W, H, 6, 400)
            area = r2(b[2] * b[3] * rng.uniform(0.45, 0.9)) if rng.rand() < 0.6 else None
            g.ann(iid, int(rng.choice(cats[:3] if rng.rand() < 0.9 else cats)), b, area=area)
        if rng.rand() < 0.4:
            b = rand_box(rng, W, H, 80, 300)
            g.ann(iid, int(rng.choice(cats[:3])), b, area=r2(b[2] * b[3] * 0.5), iscrowd=1)
        for a in [a for a in g.anns if a['image_id'] == iid]:
            for _ in range(rng.randint(0, 3) if not a['iscrowd'] else rng.randint(1, 4)):
                if a['category_id'] == 15:
                    continue
                if a['iscrowd']:
                    x, y, w, h = a['bbox']
                    bw, bh = rng.uniform(5, w / 3), rng.uniform(5, h / 3)
                    bb = [r2(x + rng.uniform(0, w - bw)), r2(y + rng.uniform(0, h - bh)), r2(bw), r2(bh)]
                else:
                    bb = jitter_box(rng, a['bbox'], rng.uniform(0.01, 0.35), W, H)
                dt.append({'image_id': iid, 'category_id': a['category_id'], 'bbox': bb,
                           'score': round(float(rng.uniform(0, 1)), 2)})
        for _ in range(rng.randint(0, 6)):
            dt.append({'image_id': iid, 'category_id': int(rng.choice(cats[:3])),
                       'bbox': rand_box(rng, W, H, 6, 300), 'score': round(float(rng.uniform(0, 0.8)), 2)})
    rng.shuffle(dt)
    return run_case('bbox_mixed', 'bbox', g.dataset(), dt, notes=(
        'random mix: 12 images of several sizes, gt area field often < w*h, crowd regions, '
        'two images without gt, category 15 never detected, scores rounded to 0.01 (many ties)'))


def case_bbox_custom_maxdets(base_case):
    return run_case('bbox_custom_maxdets', 'bbox', base_case['gt'], base_case['dt'],
                    params={'maxDets': [1, 5, 50]}, notes=(
                        'same data as bbox_maxdets with params.maxDets = [1, 5, 50]: stats[0] is -1 '
                        'because summarize() looks up maxDets == 100 for it; stats[1..5] use '
                        'maxDets[2]; perCategoryAP uses the last maxDets'))


def case_bbox_gt_id_zero():
    g = GtBuilder([1])
    g.next_id = 0
    g.image(1, 100, 100)
    g.ann(1, 1, [10.0, 10.0, 50.0, 50.0])
    g.ann(1, 1, [60.0, 60.0, 30.0, 30.0])
    dt = [{'image_id': 1, 'category_id': 1, 'bbox': [10.0, 10.0, 50.0, 50.0], 'score': 0.9},
          {'image_id': 1, 'category_id': 1, 'bbox': [60.0, 60.0, 30.0, 30.0], 'score': 0.8}]
    return run_case('bbox_quirk_gt_id_zero', 'bbox', g.dataset(), dt, notes=(
        'quirk: a gt with annotation id 0 is matched but dtMatches stores 0 = "unmatched", so the '
        'matched dt counts as a false positive (and the gt stays unrecovered). Real COCO ids are >= 1'))


# ----------------------------------------------------------------------------- segm cases

SEG_SIZES = [(40, 30), (64, 48), (80, 60), (100, 75), (120, 90), (160, 120), (50, 50), (90, 120), (60, 40)]


def seg_det_from_mask(rng, m, quality):
    """Perturb a gt mask: shift, dilate/erode, and some pixel noise near the boundary."""
    d = m.copy()
    if quality < 0.5:
        d = shift_mask(d, int(rng.randint(-3, 4)), int(rng.randint(-3, 4)))
    else:
        d = shift_mask(d, int(rng.randint(-1, 2)), int(rng.randint(-1, 2)))
    op = rng.randint(0, 3)
    if op == 1:
        d = dilate(d)
    elif op == 2 and d.sum() > 30:
        d = erode(d)
    edge = dilate(d) ^ erode(d)
    flip = (rng.rand(*d.shape) < (0.3 if quality < 0.5 else 0.1)) & (edge > 0)
    return (d ^ flip).astype(np.uint8)


def seg_gt_object(rng, g, iid, w, h, cat, kind, r=None, crowd=0, area_mode='mask', size=None):
    if size is None:  # small / medium / large by COCO's area ranges, as far as the image allows
        size = rng.choice(['s', 'm', 'l'][:1 + (min(w, h) >= 60) + (w * h >= 15000)])
    if r is None:
        r = rng.uniform(3, 15) if size == 's' else rng.uniform(22, min(40, min(w, h) * 0.48))
    cx, cy = rng.uniform(r * 0.6, w - r * 0.6), rng.uniform(r * 0.6, h - r * 0.6)
    if size == 'l':  # near-elliptic octagon filling most of the image
        cx, cy = w / 2 + rng.uniform(-3, 3), h / 2 + rng.uniform(-3, 3)
        polys = [[r2(v) for k in range(8) for v in (
            cx + w / 2.1 * rng.uniform(0.92, 1.05) * math.cos(k * math.pi / 4),
            cy + h / 2.1 * rng.uniform(0.92, 1.05) * math.sin(k * math.pi / 4))]]
    else:
        polys = [rand_poly(rng, cx, cy, r)]
    if kind == 'multipoly':
        for _ in range(rng.randint(1, 3)):
            r2_ = r * rng.uniform(0.3, 0.6)
            polys.append(rand_poly(rng, cx + rng.uniform(-1.5, 1.5) * r, cy + rng.uniform(-1.5, 1.5) * r, r2_))
    m = poly_mask(polys, h, w)
    if kind in ('poly', 'multipoly'):
        seg = polys
    elif kind == 'ucrle':
        seg = uncompressed_rle(m)
    else:
        seg = encode_mask(m)
    if area_mode == 'mask':
        area = float(m.sum())
    else:  # polygon area, as COCO's own annotations store it
        area = r2(sum(shoelace(p) for p in polys))
    a = g.ann(iid, cat, [float(v) for v in mask_bbox(m)], area=area, iscrowd=crowd, segmentation=seg)
    return a, m


def seg_dt(iid, cat, m, score, bbox=None):
    d = {'image_id': iid, 'category_id': cat, 'segmentation': encode_mask(m), 'score': score}
    if bbox is not None:
        d['bbox'] = bbox
    return d


def random_blob(rng, w, h, rmax=None):
    r = rng.uniform(2, rmax or min(w, h) * 0.4)
    return poly_mask([rand_poly(rng, rng.uniform(0, w), rng.uniform(0, h), r)], h, w)


def case_segm_polygons():
    rng = np.random.RandomState(11)
    cats = [1, 2, 3]
    g = GtBuilder(cats)
    dt = []
    for i, (w, h) in enumerate(SEG_SIZES[:7]):
        iid = i + 1
        g.image(iid, w, h)
        for _ in range(rng.randint(1, 5)):
            kind = 'multipoly' if rng.rand() < 0.35 else 'poly'
            a, m = seg_gt_object(rng, g, iid, w, h, int(rng.choice(cats)), kind, area_mode='poly')
            for _ in range(int(rng.choice([0, 1, 1, 1, 2, 3]))):
                dt.append(seg_dt(iid, a['category_id'], seg_det_from_mask(rng, m, rng.rand()),
                                 r3(rng.uniform(0.1, 1.0))))
        for _ in range(rng.randint(0, 3)):
            dt.append(seg_dt(iid, int(rng.choice(cats)), random_blob(rng, w, h), r3(rng.uniform(0.05, 0.6))))
    return run_case('segm_polygons', 'segm', g.dataset(), dt, notes=(
        'gt polygons (some objects with several polygons, merged by union); gt area = polygon '
        '(shoelace) area, not the rasterised area; dt area = RLE area'))


def case_segm_rle():
    rng = np.random.RandomState(12)
    cats = [1, 2]
    g = GtBuilder(cats)
    dt = []
    for i, (w, h) in enumerate([(80, 60), (120, 90), (64, 48), (100, 75), (160, 120)]):
        iid = i + 1
        g.image(iid, w, h)
        # crowd region (uncompressed RLE on even images, compressed RLE on odd ones, like COCO)
        crowd_kind = 'ucrle' if iid % 2 == 0 else 'rle'
        ca, cm = seg_gt_object(rng, g, iid, w, h, 1, crowd_kind, r=min(w, h) * 0.35, crowd=1, size='m')
        ys, xs = np.nonzero(cm)
        for _ in range(3):  # small dets inside (and partly outside) the crowd mask
            j = rng.randint(len(xs))
            blob = poly_mask([rand_poly(rng, xs[j], ys[j], rng.uniform(2, 6))], h, w)
            dt.append(seg_dt(iid, 1, blob, r3(rng.uniform(0.2, 0.99))))
        for _ in range(rng.randint(2, 4)):
            kind = 'ucrle' if rng.rand() < 0.5 else 'rle'
            a, m = seg_gt_object(rng, g, iid, w, h, int(rng.choice(cats)), kind,
                                 area_mode='mask')
            if rng.rand() < 0.3:
                a['area'] = r2(a['area'] * 1.3)  # area field larger than the mask
            for _ in range(rng.randint(1, 3)):
                dt.append(seg_dt(iid, a['category_id'], seg_det_from_mask(rng, m, rng.rand()),
                                 r3(rng.uniform(0.1, 1.0))))
        dt.append(seg_dt(iid, 2, random_blob(rng, w, h), r3(rng.uniform(0.05, 0.6))))
    # an empty dt mask (area 0, toBbox [0,0,0,0]) and a full-image dt mask
    dt.append(seg_dt(1, 1, np.zeros((60, 80), np.uint8), 0.4))
    dt.append(seg_dt(2, 2, np.ones((90, 120), np.uint8), 0.3))
    return run_case('segm_rle', 'segm', g.dataset(), dt, notes=(
        'gt as uncompressed RLE (counts list) and compressed RLE (counts string); crowd regions as '
        'both; crowd IoU = inter / dt mask area; an empty and a full dt mask'))


def case_segm_mixed():
    rng = np.random.RandomState(13)
    cats = [2, 5, 7, 9]
    g = GtBuilder(cats)
    dt = []
    levels = (0.95, 0.7, 0.7, 0.4)
    for i in range(10):
        iid = 200 - 7 * i
        w, h = SEG_SIZES[i % len(SEG_SIZES)]
        g.image(iid, w, h)
        if i in (3, 7):  # no gt, false positive masks
            for _ in range(2):
                dt.append(seg_dt(iid, int(rng.choice(cats[:3])), random_blob(rng, w, h), float(rng.choice(levels))))
            continue
        for _ in range(rng.randint(1, 5)):
            kind = str(rng.choice(['poly', 'multipoly', 'ucrle', 'rle']))
            cat = int(rng.choice(cats))
            crowd = 1 if rng.rand() < 0.12 else 0
            a, m = seg_gt_object(rng, g, iid, w, h, cat, kind, crowd=crowd,
                                 area_mode='poly' if kind.endswith('poly') else 'mask')
            if cat == 9:
                continue  # category 9: gt without detections
            for _ in range(rng.randint(0, 3) + crowd * 2):
                if crowd:
                    ys, xs = np.nonzero(m)
                    j = rng.randint(len(xs))
                    dm = poly_mask([rand_poly(rng, xs[j], ys[j], rng.uniform(2, 5))], h, w)
                else:
                    dm = seg_det_from_mask(rng, m, rng.rand())
                dt.append(seg_dt(iid, cat, dm, float(rng.choice(levels))))
        if rng.rand() < 0.5:
            dt.append(seg_dt(iid, 42, random_blob(rng, w, h), 0.99))  # category absent from gt
    rng.shuffle(dt)
    return run_case('segm_mixed', 'segm', g.dataset(), dt, notes=(
        'all gt formats, crowd regions, images (ids descending in the list) without gt, category 9 '
        'without dets, category 42 not in categories, scores from 3 levels (ties)'))


def case_segm_dt_with_bbox(poly_case):
    """detectron2 writes segm results with a "bbox" field: loadRes then sets area = w*h."""
    rng = np.random.RandomState(14)
    dt = []
    for d in poly_case['dt']:
        d = copy.deepcopy(d)
        m = maskUtils.decode(d['segmentation'])
        x, y, w, h = mask_bbox(m)
        # a predicted box that is looser / tighter than the mask
        s = rng.uniform(0.7, 1.6)
        d['bbox'] = [r2(x - (s - 1) * w / 2), r2(y - (s - 1) * h / 2), r2(w * s), r2(h * s)]
        dt.append(d)
    return run_case('segm_dt_with_bbox', 'segm', poly_case['gt'], dt, notes=(
        'same as segm_polygons but dts carry a "bbox": loadRes takes its bbox branch, so dt area '
        '(used for area ranges) is bbox w*h while IoU still uses the masks'))


# ----------------------------------------------------------------------------- building blocks

def building_blocks():
    rng = np.random.RandomState(21)
    polys = [
        ([2, 2, 12, 2, 12, 8, 2, 8], 10, 14, 'axis-aligned rectangle, integer vertices'),
        ([2.3, 1.7, 11.6, 2.2, 12.4, 8.9, 1.5, 7.5], 10, 14, 'quadrilateral, fractional vertices'),
        ([0.5, 0.5, 9.5, 0.5, 5.0, 8.5], 10, 10, 'triangle'),
        ([-3.2, -2.0, 8.7, -1.5, 9.1, 6.6, -2.5, 7.1], 8, 8, 'vertices outside (negative)'),
        ([5.0, 3.0, 30.0, 2.0, 28.5, 20.0, 4.0, 15.0], 12, 16, 'vertices beyond width/height'),
        ([10.0, 2.0, 10.3, 2.0, 10.3, 14.0, 10.0, 14.0], 16, 20, 'vertical sliver 0.3 px wide'),
        ([2.0, 5.1, 18.0, 5.1, 18.0, 5.3, 2.0, 5.3], 10, 20, 'horizontal sliver 0.2 px high'),
        ([1.0, 1.0, 8.0, 8.0, 15.0, 15.0], 16, 16, 'collinear points (zero area)'),
        ([3.0, 3.0, 13.0, 13.0, 13.0, 3.0, 3.0, 13.0], 16, 16, 'self-intersecting bow tie'),
        ([2, 2, 14, 2, 14, 14, 8, 6, 2, 14], 16, 16, 'concave'),
        ([20.0, 20.0, 25.0, 20.0, 25.0, 25.0], 10, 10, 'entirely outside the image'),
        ([4.49, 4.49, 4.51, 4.49, 4.51, 4.51, 4.49, 4.51], 8, 8, 'tiny square around a pixel centre'),
        ([0, 0, 10, 0, 10, 10, 0, 10], 10, 10, 'whole image'),
        (rand_poly(rng, 20, 15, 12, 24), 30, 40, 'random 24-gon'),
        (rand_poly(rng, 30, 22, 25, 9), 45, 60, 'random 9-gon partly outside'),
        ([r2(v) for v in rng.uniform(-2, 22, 14)], 20, 20, 'random 7 points, arbitrary order'),
    ]
    polygon_rle = []
    for poly, h, w, desc in polys:
        rle = maskUtils.frPyObjects([poly], h, w)[0]  # a flat list fails: len(pyobj[0]) on a number
        m = maskUtils.decode(rle)
        polygon_rle.append({'polygon': poly, 'height': h, 'width': w, 'counts': rle_str(rle)['counts'],
                            'area': int(m.sum()), 'bbox': [float(v) for v in maskUtils.toBbox(rle)],
                            'note': desc})
    merged = []
    for ps, h, w in [([[1, 1, 8, 1, 8, 8, 1, 8], [5, 5, 12, 5, 12, 12, 5, 12]], 14, 14),
                     ([[2.5, 2.5, 6.5, 2.5, 4.5, 7.5], [10.2, 1.1, 14.8, 1.3, 13.0, 9.9, 9.1, 6.0]], 12, 16),
                     ([rand_poly(rng, 10, 10, 8), rand_poly(rng, 14, 12, 6), rand_poly(rng, 25, 5, 4)], 20, 30)]:
        rle = maskUtils.merge(maskUtils.frPyObjects(ps, h, w))
        merged.append({'polygons': ps, 'height': h, 'width': w, 'counts': rle_str(rle)['counts'],
                       'area': int(maskUtils.area(rle))})
    enc = []
    masks = [np.zeros((3, 4), np.uint8), np.ones((3, 4), np.uint8),
             np.array([[0, 1, 0, 0], [1, 1, 0, 1], [0, 1, 1, 1]], np.uint8),
             np.array([[1, 0], [0, 1], [1, 0]], np.uint8),
             (rng.rand(6, 5) < 0.5).astype(np.uint8)]
    big = np.zeros((40, 50), np.uint8)
    big[5:35, 3:47] = 1
    big[10:20, 10:12] = 0
    big[0, :] = 1
    masks += [big, poly_mask([rand_poly(rng, 60, 40, 35, 12)], 90, 120)]
    for m in masks:
        r = encode_mask(m)
        enc.append({'height': int(m.shape[0]), 'width': int(m.shape[1]),
                    'rows': [''.join(str(int(v)) for v in row) for row in m], 'counts': r['counts'],
                    'uncompressed': uncompressed_rle(m)['counts']})

    iou = []
    box_sets = [
        ([[0, 0, 10, 10], [5, 5, 10, 10], [0, 0, 10, 20], [20, 20, 5, 5], [2, 2, 4, 4]],
         [[0, 0, 10, 10], [0, 0, 40, 40]], [0, 1]),
        ([[10.5, 20.25, 30.75, 40.5], [12, 22, 28, 35], [0, 0, 0, 0], [10, 10, 10, 0]],
         [[10, 20, 30, 40], [15, 25, 5, 5], [10, 60, 10, 10]], [0, 0, 1]),
        ([[0, 0, 10, 10]], [[10, 0, 10, 10], [0, 10, 10, 10], [9.999, 9.999, 5, 5]], [0, 1, 0]),
        ([list(map(r2, rng.uniform([0, 0, 1, 1], [50, 50, 40, 40]))) for _ in range(4)],
         [list(map(r2, rng.uniform([0, 0, 1, 1], [50, 50, 40, 40]))) for _ in range(3)], [0, 1, 0]),
    ]
    for d, gg, crowd in box_sets:
        o = maskUtils.iou([list(map(float, b)) for b in d], [list(map(float, b)) for b in gg], crowd)
        iou.append({'type': 'bbox', 'dt': d, 'gt': gg, 'iscrowd': crowd,
                    'iou': [[float(v) for v in row] for row in np.asarray(o)]})
    h, w = 24, 32
    gm = [poly_mask([[4, 4, 20, 4, 20, 18, 4, 18]], h, w), poly_mask([rand_poly(rng, 16, 12, 10)], h, w),
          poly_mask([[0, 0, 32, 0, 32, 24, 0, 24]], h, w)]
    dm = [poly_mask([[6, 5, 22, 5, 22, 19, 6, 19]], h, w), seg_det_from_mask(rng, gm[1], 0.2),
          poly_mask([[25, 2, 30, 2, 30, 8, 25, 8]], h, w), np.zeros((h, w), np.uint8),
          poly_mask([[8, 8, 12, 8, 12, 12, 8, 12]], h, w)]
    for crowd in ([0, 0, 0], [0, 1, 1]):
        dts = [encode_mask(m) for m in dm]
        gts = [encode_mask(m) for m in gm]
        o = maskUtils.iou(dts, gts, crowd)
        iou.append({'type': 'rle', 'dt': dts, 'gt': gts, 'iscrowd': crowd,
                    'iou': [[float(v) for v in row] for row in np.asarray(o)]})
    # mismatched RLE sizes -> -1 (only for overlapping bounding boxes)
    dts = [encode_mask(poly_mask([[2, 2, 10, 2, 10, 10, 2, 10]], 12, 12))]
    gts = [encode_mask(poly_mask([[2, 2, 10, 2, 10, 10, 2, 10]], 12, 14)),
           encode_mask(poly_mask([[2, 2, 10, 2, 10, 10, 2, 10]], 12, 12))]
    o = maskUtils.iou(dts, gts, [0, 0])
    iou.append({'type': 'rle', 'dt': dts, 'gt': gts, 'iscrowd': [0, 0],
                'iou': [[float(v) for v in row] for row in np.asarray(o)],
                'note': 'different mask sizes give -1'})

    area = []
    for m in [np.zeros((5, 7), np.uint8), np.ones((5, 7), np.uint8), big, gm[1], dm[1],
              poly_mask([[1, 1, 2, 1, 2, 30, 1, 30]], 32, 5)]:
        r = encode_mask(m)
        area.append({'rle': r, 'area': int(maskUtils.area(r)),
                     'bbox': [float(v) for v in maskUtils.toBbox(r)]})
    return {'polygonRle': polygon_rle, 'mergedPolygonRle': merged, 'encode': enc, 'iou': iou, 'area': area}


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cocoapi', default=os.environ.get('COCOAPI_DIR', '/tmp/cocoapi'))
    ap.add_argument('--out', default=OUT)
    args = ap.parse_args()
    import_pycocotools(args.cocoapi)
    commit_file = os.path.join(args.cocoapi, 'COMMIT')
    commit = open(commit_file).read().strip() if os.path.exists(commit_file) else 'unknown'

    cases = []
    basic = case_bbox_basic()
    cases.append(basic)
    cases.append(case_bbox_crowd())
    maxdets = case_bbox_maxdets()
    cases.append(maxdets)
    cases.append(case_bbox_ties())
    cases.append(case_bbox_empty())
    cases.extend(case_bbox_edges())
    cases.append(case_bbox_mixed())
    cases.append(case_bbox_custom_maxdets(maxdets))
    cases.append(case_bbox_gt_id_zero())
    polys = case_segm_polygons()
    cases.append(polys)
    cases.append(case_segm_rle())
    cases.append(case_segm_mixed())
    cases.append(case_segm_dt_with_bbox(polys))

    from pycocotools.cocoeval import Params
    p = Params('bbox')
    out = {
        'pycocotools': 'cocodataset/cocoapi@' + commit + ' (PythonAPI, built locally)',
        'numpy': np.__version__,
        'python': sys.version.split()[0],
        'defaults': {'iouThrs': [float(v) for v in p.iouThrs], 'recThrs': [float(v) for v in p.recThrs],
                     'maxDets': p.maxDets, 'areaRng': [[float(a), float(b)] for a, b in p.areaRng],
                     'areaRngLbl': p.areaRngLbl},
        'cases': cases,
    }
    out.update(building_blocks())
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('wrote %s (%d bytes)' % (os.path.relpath(args.out), os.path.getsize(args.out)))


if __name__ == '__main__':
    main()
