#!/usr/bin/python3
"""Fixtures for EdgeBoxes on user-supplied edge maps (`edge-boxes` with `edgesDir`; dev-time only).

Run:  /usr/bin/python3 tools/reference/proposals/make_user_edges_fixtures.py
Needs Debian's python3-opencv 4.6 (cv2.ximgproc). Reads images/<name>.rgb written by make_fixtures.py.

The structured forest (`model.yml.gz`) cannot be downloaded here, so the edge maps are made
up: Sobel magnitude of the blurred grey image, scaled by its maximum, *without* NMS - the kind of
raw, thick map `detectEdges` returns. What is checked is everything ssdet does after that.

OpenCV's `computeOrientation` and `edgesNms` are methods of a StructuredEdgeDetection, which has
to be built from a model file. They read only `gradientNormalizationRadius` (4 in the real
model), so a stand-in model with that option and single-leaf trees (never used to detect edges)
is written to a temporary directory to reach them.

Writes tools/reference/fixtures/proposals/:
  user-edges/<name>.png          16-bit grayscale edge map, round(edge * 65535)
  user-edges-8bit/<name>.png     the same map in 8 bits, round(edge * 255)
  user-edges-<name>.json         from the 16-bit PNG read back as uint16 / 65535 (float32):
                                 orientation = sed.computeOrientation(E),
                                 nms = sed.edgesNms(E, orientation, r=2, s=0, m=1),
                                 {boxes, scores} of createEdgeBoxes(maxBoxes=200)
                                 .getBoundingBoxes(nms, orientation) (rects are x+1, y+1, w, h)
  user-orient-<name>.f32 / user-nms-<name>.f32   those orientation and NMS maps (float32 LE)
"""
import json
import os
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'proposals')
PHOTOS = ['coffee', 'chelsea']


def stand_in_model(path):
    """A model file StructuredEdgeDetection accepts; only gradientNormalizationRadius matters."""
    options = [('stride', 2), ('shrinkNumber', 2), ('patchSize', 32), ('patchInnerSize', 16),
               ('numberOfGradientOrientations', 4), ('gradientSmoothingRadius', 0),
               ('regFeatureSmoothingRadius', 2), ('ssFeatureSmoothingRadius', 8),
               ('gradientNormalizationRadius', 4), ('selfsimilarityGridSize', 5),
               ('numberOfTrees', 1), ('numberOfTreesToEvaluate', 1)]
    # One tree with a single leaf that adds no edge pixels; each tree is a plain sequence.
    trees = [('childs', '0'), ('featureIds', '0'), ('thresholds', '0.'),
             ('edgeBoundaries', '0, 0'), ('edgeBins', '0')]
    lines = ['%YAML:1.0', 'options:'] + [f'   {k}: {v}' for k, v in options]
    lines += [f'{k}:\n   - [ {v} ]' for k, v in trees]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def made_up_edges(rgb):
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / np.float32(255)
    grey = cv2.GaussianBlur(grey, (0, 0), 1.5)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    magnitude = np.sqrt(gx * gx + gy * gy)
    return magnitude / max(float(magnitude.max()), 1e-6)


def main():
    manifest = json.load(open(os.path.join(OUT, 'manifest.json')))
    os.makedirs(os.path.join(OUT, 'user-edges'), exist_ok=True)
    os.makedirs(os.path.join(OUT, 'user-edges-8bit'), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, 'stand-in.yml')
        stand_in_model(model)
        sed = cv2.ximgproc.createStructuredEdgeDetection(model)
    for name in PHOTOS:
        size = manifest['images'][name]
        rgb = np.fromfile(os.path.join(OUT, 'images', name + '.rgb'), np.uint8)
        rgb = rgb.reshape(size['height'], size['width'], 3)
        edges = made_up_edges(rgb)
        png16 = os.path.join(OUT, 'user-edges', name + '.png')
        cv2.imwrite(png16, np.round(edges * 65535).astype(np.uint16))
        cv2.imwrite(os.path.join(OUT, 'user-edges-8bit', name + '.png'),
                    np.round(edges * 255).astype(np.uint8))
        read = cv2.imread(png16, cv2.IMREAD_UNCHANGED)
        assert read.dtype == np.uint16 and read.shape == edges.shape
        e = read.astype(np.float32) / np.float32(65535)
        orientation = sed.computeOrientation(e)
        nms = sed.edgesNms(e, orientation, None, 2, 0, 1, False)
        orientation.astype('<f4').tofile(os.path.join(OUT, f'user-orient-{name}.f32'))
        nms.astype('<f4').tofile(os.path.join(OUT, f'user-nms-{name}.f32'))
        boxes, scores = cv2.ximgproc.createEdgeBoxes(maxBoxes=200).getBoundingBoxes(nms, orientation)
        with open(os.path.join(OUT, f'user-edges-{name}.json'), 'w') as f:
            json.dump({'boxes': np.asarray(boxes).tolist(),
                       'scores': np.asarray(scores).reshape(-1).tolist()}, f)
        print(name, len(boxes), 'boxes')


if __name__ == '__main__':
    main()
