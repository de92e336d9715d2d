#!/usr/bin/python3
"""Fixtures showing @ssdet/proposals bit-exact to OpenCV 4.6 (dev-time only; tests read the
files, never Python).

Run:  /usr/bin/python3 tools/reference/proposals/make_opencv_exact_fixtures.py
Needs Debian's python3-opencv 4.6 (with cv2.ximgproc), Pillow and NumPy. Takes about a minute.

Photos: the six JPEGs in tools/reference/fixtures/proposals/soco-photos/ (skimage.data; licences
in the README.md there), decoded with Pillow; the sha1 of each decode must equal `rgbSha1` in
soco-ss.json (the tests check that sharp decodes them identically). "128 px" below means the
photo resized with cv2.resize (INTER_LINEAR) to 128 px on its long side, the short side rounded
(likewise 192 px).

Writes tools/reference/fixtures/proposals/:
  opencv-exact.json
    lab:     sha256 of cv2.cvtColor(COLOR_BGR2Lab) of all 2^24 colours (input colour
             c = (r << 16) | (g << 8) | b in order c = 0 … 2^24 − 1, output L, a, b bytes), and
             `hardColours`: every colour where the same fixed-point pipeline with tables
             computed in double precision from the textbook constants (0.008856, 7.787; exact
             cube root and power) differs from OpenCV, as [r, g, b, L, a, b] rows.
    resize:  per photo (and `noise`, the 23 x 17 random image resize-noise.rgb) and target
             size "WxH": sha256 of cv2.resize(rgb, (W, H)) (INTER_LINEAR) bytes.
    gaussianKernels: cv2.getGaussianKernel(cvRound(8σ + 1) | 1, σ, CV_32F) for a few σ
             (keys: repr(σ); 0.800000011920929 is 0.8 as a float, as Selective Search passes it).
    gaussianBlur: sha256 of cv2.GaussianBlur(float32 image, (0, 0), σ) (little-endian float32
             bytes) for the noise image and for chelsea's HSV (cvtColor), per σ.
    selectiveSearch: per photo, per mode (fast, quality, single — OpenCV's defaults), at full
             size, and `quality192` (quality mode at 192 px, where equal similarities decide
             merges): `count` and `sha256` of the box set (distinct [x, y, w, h] sorted
             lexicographically, one "x,y,w,h\n" line each).
    sizes:   per photo [width, height] at full size, 128 px (`small`) and 192 px (`medium`).
  ss-<mode>-<photo>.json    the same box sets at 128 px, as sorted [x, y, w, h] lists.
  detreg-<photo>.json       DETReg's `selective_search(img, h, w, res_size=128)` from
             datasets/selfdet.py, reproduced step by step (cv2.resize to 128 x 128, the RGB array
             handed to OpenCV as if BGR, fast mode, boxes / 128 * [w, h, w, h] in float32, then
             x2 = x + w, y2 = y + h in float32), all boxes (before DETReg's top-30 cut), as a
             sorted list of distinct [x1, y1, x2, y2] float32 values.
  resize-noise.rgb          the random image (raw RGB bytes, NumPy default_rng(24)).
"""
import hashlib
import json
import os

import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'proposals')
PHOTOS = ['astronaut', 'chelsea', 'coffee', 'rocket', 'ihc', 'retina']
MODES = ['fast', 'quality', 'single']


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def load_photo(name, soco):
    entry = soco['photos'][name]
    rgb = np.asarray(Image.open(os.path.join(OUT, entry['file'])).convert('RGB'))
    assert hashlib.sha1(rgb.tobytes()).hexdigest() == entry['rgbSha1'], name
    return np.ascontiguousarray(rgb)


def size_long_side(width, height, longest):
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


# ---------------------------------------------------------------------------------------- Lab

def all_colours():
    c = np.arange(1 << 24, dtype=np.uint32)
    return np.stack([c >> 16, (c >> 8) & 255, c & 255], -1).astype(np.uint8)


def textbook_lab(rgb):
    """OpenCV's 8-bit Lab arithmetic with tables from textbook double-precision constants."""
    def linear(x):
        return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)

    gamma = np.round(255 * 8 * linear(np.arange(256) / 255)).astype(np.int64)
    x = np.arange(3072) / (255 * 8)
    f = np.where(x < 0.008856, x * 7.787 + 16 / 116, np.cbrt(x))
    cbrt = np.round(32768 * f).astype(np.int64)
    m = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                  [0.019334, 0.119193, 0.950227]])
    white = np.array([0.950456, 1.0, 1.088754])
    coef = np.round(m * 4096 / white[:, None]).astype(np.int64)
    lin = gamma[rgb.astype(np.int64)]
    xyz = (lin @ coef.T + 2048) >> 12
    fx, fy, fz = cbrt[xyz[:, 0]], cbrt[xyz[:, 1]], cbrt[xyz[:, 2]]
    half = 1 << 14
    L = (296 * fy - (16 * 255 * 32768 + 50) // 100 + half) >> 15
    a = (500 * (fx - fy) + 128 * 32768 + half) >> 15
    b = (200 * (fy - fz) + 128 * 32768 + half) >> 15
    return np.clip(np.stack([L, a, b], -1), 0, 255).astype(np.uint8)


def lab_fixture():
    rgb = all_colours()
    lab = cv2.cvtColor(np.ascontiguousarray(rgb[:, ::-1]).reshape(4096, 4096, 3),
                       cv2.COLOR_BGR2Lab).reshape(-1, 3)
    naive = textbook_lab(rgb)
    hard = np.nonzero((naive != lab).any(axis=1))[0]
    rows = np.concatenate([rgb[hard], lab[hard]], axis=1).astype(int).tolist()
    return {'sha256': sha256(lab.tobytes()), 'hardColours': rows}


# ------------------------------------------------------------------------------------- resize

def resize_targets(width, height):
    return [(128, 128), (127, 93), (37, 301), (5, 7), (1, 1), (3, 200), (129, 128),
            (width // 2, height // 2), (width + 1, height - 1), (2 * width, 2 * height),
            (1000, 700)]


def resize_fixture(images):
    out = {}
    for name, rgb in images.items():
        h, w = rgb.shape[:2]
        out[name] = {f'{tw}x{th}': sha256(cv2.resize(rgb, (tw, th)).tobytes())
                     for tw, th in resize_targets(w, h)}
    return out


# --------------------------------------------------------------------------- Selective Search

def opencv_boxes(rgb_as_bgr, mode):
    ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    ss.setBaseImage(rgb_as_bgr)
    if mode == 'fast':
        ss.switchToSelectiveSearchFast()
    elif mode == 'quality':
        ss.switchToSelectiveSearchQuality()
    else:
        ss.switchToSingleStrategy()
    return ss.process()


def box_set(rects):
    return sorted({tuple(int(v) for v in r) for r in rects})


def box_set_hash(boxes):
    return sha256(''.join(f'{x},{y},{w},{h}\n' for x, y, w, h in boxes).encode())


def detreg_boxes(rgb):
    """datasets/selfdet.py selective_search(img, h, w, res_size=128), step by step."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (128, 128))
    boxes = opencv_boxes(small, 'fast').astype('float32')
    boxes /= 128
    boxes *= np.array([w, h, w, h])
    boxes[..., 2] = boxes[..., 0] + boxes[..., 2]
    boxes[..., 3] = boxes[..., 1] + boxes[..., 3]
    assert boxes.dtype == np.float32
    return sorted({tuple(float(v) for v in b) for b in boxes})


BLUR_SIGMAS = [0.8, float(np.float32(0.8)), 1.0]
KERNEL_SIGMAS = [0.3, 0.5, 0.8, float(np.float32(0.8)), 0.9, 1.0, 1.3, 2.0, 3.7]


def gaussian_fixtures(noise, chelsea):
    kernels = {}
    for sigma in KERNEL_SIGMAS:
        n = int(np.rint(sigma * 8 + 1)) | 1
        kernels[repr(sigma)] = [float(v) for v in cv2.getGaussianKernel(n, sigma, cv2.CV_32F).ravel()]
    hsv = cv2.cvtColor(np.ascontiguousarray(chelsea[:, :, ::-1]), cv2.COLOR_BGR2HSV)
    blur = {}
    for name, image in (('noise', noise), ('chelsea-hsv', hsv)):
        f = image.astype(np.float32)
        blur[name] = {repr(s): sha256(cv2.GaussianBlur(f, (0, 0), s, s).astype('<f4').tobytes())
                      for s in BLUR_SIGMAS}
    return kernels, blur


def main():
    with open(os.path.join(OUT, 'soco-ss.json')) as f:
        soco = json.load(f)
    photos = {name: load_photo(name, soco) for name in PHOTOS}
    noise = np.random.default_rng(24).integers(0, 256, size=(17, 23, 3), dtype=np.uint8)
    noise.tofile(os.path.join(OUT, 'resize-noise.rgb'))

    kernels, blur = gaussian_fixtures(noise, photos['chelsea'])
    fixture = {'lab': lab_fixture(),
               'resize': resize_fixture({**photos, 'noise': noise}),
               'gaussianKernels': kernels, 'gaussianBlur': blur,
               'selectiveSearch': {}, 'sizes': {}}
    for name, rgb in photos.items():
        h, w = rgb.shape[:2]
        sw, sh = size_long_side(w, h, 128)
        mw, mh = size_long_side(w, h, 192)
        fixture['sizes'][name] = {'full': [w, h], 'small': [sw, sh], 'medium': [mw, mh]}
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        small_bgr = cv2.resize(bgr, (sw, sh))
        fixture['selectiveSearch'][name] = {}
        for mode in MODES:
            boxes = box_set(opencv_boxes(bgr, mode))
            fixture['selectiveSearch'][name][mode] = {'count': len(boxes),
                                                      'sha256': box_set_hash(boxes)}
            with open(os.path.join(OUT, f'ss-{mode}-{name}.json'), 'w') as f:
                json.dump([list(b) for b in box_set(opencv_boxes(small_bgr, mode))], f)
        boxes = box_set(opencv_boxes(cv2.resize(bgr, (mw, mh)), 'quality'))
        fixture['selectiveSearch'][name]['quality192'] = {'count': len(boxes),
                                                          'sha256': box_set_hash(boxes)}
        with open(os.path.join(OUT, f'detreg-{name}.json'), 'w') as f:
            json.dump([list(b) for b in detreg_boxes(rgb)], f)

    with open(os.path.join(OUT, 'opencv-exact.json'), 'w') as f:
        write_compact(f, fixture)


def write_compact(f, value, indent=''):
    """JSON with one line per dict entry and per row of a list of lists (diffable, compact)."""
    if isinstance(value, dict):
        f.write('{\n')
        for i, (key, item) in enumerate(value.items()):
            f.write(f'{indent} {json.dumps(key)}: ')
            write_compact(f, item, indent + ' ')
            f.write(',\n' if i < len(value) - 1 else '\n')
        f.write(indent + '}' + ('' if indent else '\n'))
    elif isinstance(value, list) and value and isinstance(value[0], list):
        f.write('[\n' + ',\n'.join(indent + '  ' + json.dumps(row, separators=(',', ':'))
                                     for row in value) + '\n' + indent + ' ]')
    else:
        f.write(json.dumps(value))


if __name__ == '__main__':
    main()
