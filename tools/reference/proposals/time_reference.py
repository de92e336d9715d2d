#!/usr/bin/python3
"""Seconds per image of the reference implementations, for comparison with
packages/proposals/bench/regions.bench.ts (same 500x375 image: the chelsea fixture scaled up
with cv2.resize INTER_LINEAR).

Run:  /usr/bin/python3 tools/reference/proposals/time_reference.py [EDGES.f32 ORIENT.f32]
With the two float32 maps (375 x 500, row-major, as the bench writes its own edge map), EdgeBoxes
is timed on exactly the maps ours searches; without them on the chelsea fixture's maps upscaled.
Prints JSON: {name: seconds per image (mean of 3 after 1 warm-up)}. Single thread (cv2.setNumThreads(1)).
"""
import json
import os
import sys
import time

import cv2
import numpy as np
from skimage.segmentation import felzenszwalb

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures', 'proposals')


def timed(fn, n=3):
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main():
    cv2.setNumThreads(1)
    small = np.fromfile(os.path.join(FIX, 'images', 'chelsea.rgb'), np.uint8).reshape(85, 128, 3)
    rgb = cv2.resize(small, (500, 375))
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

    def ss():
        s = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        s.setBaseImage(bgr)
        s.switchToSelectiveSearchFast()
        s.process()

    gs = cv2.ximgproc.segmentation.createGraphSegmentation(0.9, 300.0, 100)
    edges = np.random.default_rng(0).random((375, 500), dtype=np.float32)
    out = {
        'skimage felzenszwalb 1000/0.8/1000': timed(lambda: felzenszwalb(rgb, 1000, 0.8, 1000)),
        'opencv graph segmentation 300/0.9/100': timed(lambda: gs.processImage(bgr)),
        'opencv selective search fast': timed(ss),
    }
    eb = cv2.ximgproc.createEdgeBoxes(maxBoxes=512)
    from_maps = json.load(open(os.path.join(FIX, 'manifest.json')))  # noqa: F841 (sizes only)
    if len(sys.argv) == 3:
        e = np.fromfile(sys.argv[1], '<f4').reshape(375, 500)
        o = np.fromfile(sys.argv[2], '<f4').reshape(375, 500)
    else:
        e = np.fromfile(os.path.join(FIX, 'edges-chelsea.f32'), '<f4').reshape(85, 128)
        o = np.fromfile(os.path.join(FIX, 'orient-chelsea.f32'), '<f4').reshape(85, 128)
        e = cv2.resize(e, (500, 375), interpolation=cv2.INTER_NEAREST)
        o = cv2.resize(o, (500, 375), interpolation=cv2.INTER_NEAREST)
    out['opencv edge boxes boxes'] = len(eb.getBoundingBoxes(e, o)[0])
    out['opencv edge boxes search only (512 boxes)'] = timed(lambda: eb.getBoundingBoxes(e, o))
    del edges
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
