#!/usr/bin/python3
"""Reference fixtures for @ssdet/proposals (dev-time only; tests read the files, never Python).

Run:  /usr/bin/python3 tools/reference/proposals/make_fixtures.py
Needs Debian's python3-skimage (0.19) and python3-opencv (4.6, with cv2.ximgproc).

Writes tools/reference/fixtures/proposals/:
  images/<name>.rgb            small photos from skimage.data (public domain / CC0, see README.md
                               there), resized with cv2.INTER_AREA to <= 128 px, raw RGB bytes
  fh-skimage-<name>-<s>-<sigma>-<min>.u16   skimage.segmentation.felzenszwalb labels (uint16 LE)
  fh-opencv-<name>-<k>-<sigma>-<min>.u16    cv2.ximgproc.segmentation graph segmentation labels
  colour-probe.rgb + colour-probe.{hsv,lab,gray}   cv2.cvtColor of 4096 random colours (BGR input)
  edges-<name>.f32 / orient-<name>.f32      an edge map and orientation map computed here with
                               numpy (gradient magnitude + Dollar's orientation + edge NMS)
  eb-<name>.json               cv2.ximgproc.EdgeBoxes on exactly those maps (rects + scores)
  manifest.json                sizes and parameters of everything above
What the tests check: FH label maps equal up to relabelling (or adjusted Rand index),
EdgeBoxes boxes exactly. Selective Search, resize, Lab and Gaussian-blur fixtures (ss-*.json
included) come from make_opencv_exact_fixtures.py.
"""
import json
import os

import cv2
import numpy as np
import skimage.data
from skimage.segmentation import felzenszwalb

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'proposals')
os.makedirs(os.path.join(OUT, 'images'), exist_ok=True)

FH_SKIMAGE = [(100, 0.8, 20), (300, 0.9, 100)]
FH_OPENCV = [(100, 0.8, 100), (300, 0.9, 100)]


def small(rgb, longest=128):
    h, w = rgb.shape[:2]
    s = longest / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def save_labels(path, labels):
    assert labels.max() < 65536
    labels.astype('<u2').tofile(path)


def opencv_fh(rgb, k, sigma, min_size):
    gs = cv2.ximgproc.segmentation.createGraphSegmentation(sigma, float(k), min_size)
    return gs.processImage(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def conv_tri(image, rad):
    """Dollar's triangle filter (as cv::ximgproc's imsmooth), BORDER_REFLECT_101."""
    kernel = np.array([(i + 1) for i in range(rad)] + [rad + 1] + [(rad - i) for i in range(rad)],
                      dtype=np.float32) / np.float32((rad + 1) ** 2)
    return cv2.sepFilter2D(image, -1, kernel, kernel)


def edge_maps(rgb):
    """The built-in edge detector of @ssdet/proposals, in numpy (float32)."""
    img = rgb.astype(np.float32) / 255.0
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 8
    mag = np.sqrt((gx * gx + gy * gy).max(axis=2))
    ref = np.float32(np.quantile(mag, 0.99)) if mag.max() > 0 else np.float32(1)
    edges = np.minimum(mag / max(ref, np.float32(1e-6)), 1).astype(np.float32)
    smooth = conv_tri(edges, 4)
    oxx = cv2.Sobel(smooth, cv2.CV_32F, 2, 0)
    oxy = cv2.Sobel(smooth, cv2.CV_32F, 1, 1)
    oyy = cv2.Sobel(smooth, cv2.CV_32F, 0, 2)
    sign = -np.sign(oxy)
    t = np.arctan(oyy * sign / (oxx + 1e-5))
    orient = np.where(t > 0, np.fmod(t, np.pi), np.fmod(t + np.pi, np.pi)).astype(np.float32)
    return edges, orient


def edges_nms(edges, orient, r=2, m=1.0):
    h, w = edges.shape
    out = edges.copy()
    for y in range(h):
        for x in range(w):
            e = edges[y, x]
            if not e:
                continue
            e = np.float32(e * m)
            co = np.float32(np.cos(orient[y, x]))
            si = np.float32(np.sin(orient[y, x]))
            for d in range(-r, r + 1):
                if d == 0:
                    continue
                xx = np.float32(x + d * co)
                yy = np.float32(y + d * si)
                xx = min(max(xx, np.float32(0)), np.float32(w - 1.001))
                yy = min(max(yy, np.float32(0)), np.float32(h - 1.001))
                x0, y0 = int(xx), int(yy)
                dx0 = np.float32(xx - x0)
                dy0 = np.float32(yy - y0)
                dx1 = np.float32(1 - dx0)
                dy1 = np.float32(1 - dy0)
                e0 = (edges[y0, x0] * dx1 * dy1 + edges[y0, x0 + 1] * dx0 * dy1
                      + edges[y0 + 1, x0] * dx1 * dy0 + edges[y0 + 1, x0 + 1] * dx0 * dy0)
                if e < e0:
                    out[y, x] = 0
                    break
    return out


def main():
    manifest = {'images': {}, 'fhSkimage': FH_SKIMAGE, 'fhOpencv': FH_OPENCV}
    photos = {'astronaut': skimage.data.astronaut(), 'coffee': skimage.data.coffee(),
              'chelsea': skimage.data.chelsea()}
    for name, photo in photos.items():
        rgb = np.ascontiguousarray(small(photo))
        h, w = rgb.shape[:2]
        rgb.tofile(os.path.join(OUT, 'images', name + '.rgb'))
        manifest['images'][name] = {'width': w, 'height': h}
        for scale, sigma, min_size in FH_SKIMAGE:
            labels = felzenszwalb(rgb, scale=scale, sigma=sigma, min_size=min_size)
            save_labels(os.path.join(OUT, f'fh-skimage-{name}-{scale}-{sigma}-{min_size}.u16'), labels)
        for k, sigma, min_size in FH_OPENCV:
            labels = opencv_fh(rgb, k, sigma, min_size)
            save_labels(os.path.join(OUT, f'fh-opencv-{name}-{k}-{sigma}-{min_size}.u16'), labels)
        edges, orient = edge_maps(rgb)
        nms = edges_nms(edges, orient)
        nms.astype('<f4').tofile(os.path.join(OUT, f'edges-{name}.f32'))
        orient.astype('<f4').tofile(os.path.join(OUT, f'orient-{name}.f32'))
        eb = cv2.ximgproc.createEdgeBoxes(maxBoxes=200)
        boxes, scores = eb.getBoundingBoxes(nms, orient)
        with open(os.path.join(OUT, f'eb-{name}.json'), 'w') as f:
            json.dump({'boxes': np.asarray(boxes).tolist(),
                       'scores': np.asarray(scores).reshape(-1).tolist()}, f)

    rng = np.random.default_rng(0)
    probe = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    probe[0, :8] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255],
                    [128, 128, 128], [1, 2, 3], [250, 5, 128]]
    probe.tofile(os.path.join(OUT, 'colour-probe.rgb'))
    bgr = cv2.cvtColor(probe, cv2.COLOR_RGB2BGR)
    cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV).tofile(os.path.join(OUT, 'colour-probe.hsv'))
    cv2.cvtColor(bgr, cv2.COLOR_BGR2Lab).tofile(os.path.join(OUT, 'colour-probe.lab'))
    cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).tofile(os.path.join(OUT, 'colour-probe.gray'))

    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)


if __name__ == '__main__':
    main()
