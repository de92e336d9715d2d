#!/usr/bin/python3
"""Structured-edge maps for `ssdet regions --algorithm edge-boxes --set edgesDir=DIR`.

Run:  /usr/bin/python3 tools/reference/proposals/structured_edges.py MODEL IMAGES OUT
Needs OpenCV with the ximgproc contrib module (Debian's python3-opencv 4.6 has it).

MODEL   the structured forest of Dollar & Zitnick, `model.yml.gz` from OpenCV's extra test data
        (opencv_extra: testdata/cv/ximgproc/model.yml.gz). It is not shipped with ssdet.
IMAGES  a folder of images, searched recursively (.jpg .jpeg .png .bmp .tif .tiff .webp).
OUT     where `<stem>.png` is written for every image `<stem>.<ext>`: the raw `detectEdges` output
        (before orientation and edge NMS, which EdgeBoxes in @ssdet/proposals computes itself, as
        OpenCV's pipeline does), same width and height as the image, 16-bit grayscale,
        value = round(edge * 65535).

Images are read as OpenCV reads them (EXIF orientation applied), which matches the way the ssdet
data pipeline decodes them. Two images with the same stem would need the same edge file, so the
script stops and names both.
"""
import argparse
import os
import sys

import cv2
import numpy as np

EXTENSIONS = {'.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'}


def images_by_stem(folder):
    found = {}
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            stem, ext = os.path.splitext(name)
            if ext.lower() not in EXTENSIONS:
                continue
            path = os.path.join(root, name)
            if stem in found:
                sys.exit(f'error: {found[stem]} and {path} share the stem "{stem}"; '
                         'edge maps are looked up by stem, rename one of them')
            found[stem] = path
    return found


def edge_map(detector, path):
    """`detectEdges` of the RGB image in [0, 1], as OpenCV's structured-edge sample prepares it."""
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f'{path}: OpenCV cannot read it')
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / np.float32(255)
    return detector.detectEdges(rgb)


def to_png16(edges):
    return np.round(np.clip(edges, 0, 1) * 65535).astype(np.uint16)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', help='model.yml.gz (structured forest)')
    parser.add_argument('images', help='folder of images (recursive)')
    parser.add_argument('out', help='folder for <stem>.png edge maps')
    args = parser.parse_args()
    if not os.path.isfile(args.model):
        sys.exit(f'error: model {args.model} does not exist (expected model.yml.gz)')
    if not os.path.isdir(args.images):
        sys.exit(f'error: image folder {args.images} does not exist')
    detector = cv2.ximgproc.createStructuredEdgeDetection(args.model)
    os.makedirs(args.out, exist_ok=True)
    images = images_by_stem(args.images)
    for i, (stem, path) in enumerate(sorted(images.items())):
        target = os.path.join(args.out, stem + '.png')
        if not cv2.imwrite(target, to_png16(edge_map(detector, path))):
            sys.exit(f'error: cannot write {target}')
        print(f'[{i + 1}/{len(images)}] {path} -> {target}')


if __name__ == '__main__':
    main()
