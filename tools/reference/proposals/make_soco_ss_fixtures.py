#!/usr/bin/python3
"""Reference fixtures for the `soco` Selective Search preset of @ssdet/proposals, produced by
SoCo's OWN code (dev-time only; tests read the files, never Python).

Run:  /usr/bin/python3 tools/reference/proposals/make_soco_ss_fixtures.py <SoCo checkout>
      [--time NAME]

<SoCo checkout> is a checkout of https://github.com/hologerry/SoCo (checked with commit
2be1229ab3d9ec8e72537a7c519f51dc03450ebb); this script imports its
`selective_search/selective_search.py` and `selective_search/filters.py` unchanged and runs them
exactly as `generate_imagenet_ss_proposals.py` and `filter_ss_proposals_json.py` +
`filter_ss_proposals_json_post_no_prop.py` do. SoCo's code is not part of this repository; it is
not copied here. Needs Debian's python3-skimage 0.19 (NumPy 1.24) and Pillow.
`--time NAME` only times `selective_search` on one fixture photo (mean of 3 runs) and exits.

Writes tools/reference/fixtures/proposals/:
  soco-photos/<name>.jpg   the photos, JPEG q90, taken from skimage.data (licences in README.md
                           there; `retina` downscaled to ImageNet-like 500 px). The official
                           pipeline does not resize: Selective Search runs on the decoded file.
  soco-ss.json             per photo: size, sha1 of the decoded RGB (Pillow; tests check their own
                           decoder against it), the number of initial FH segments, `regions` =
                           the official box list [x, y, w, h] in the official order, duplicates
                           included, `merges` = for every merged region (in order) the indices of
                           its two parts in `regions`, and `filtered` = the official filter's
                           output (`ratio3size0308` first; if empty the post-pass's
                           `filter_ratio(r=3)` then `filter_none`; if still empty SoCo's dataset
                           uses the whole image) with the tier that produced it.
                           `probes`: the skimage / NumPy building blocks SoCo's code calls, on a
                           small random image (`rgb2hsv` on its float64 [0, 255] RGB,
                           `local_binary_pattern(channel, 8, 1.0)`) and the `np.histogram` bin of
                           values at and next to the bin edges (25 and 10 bins over (0, 255)).
"""
import argparse
import hashlib
import importlib.util
import io
import json
import os
import sys
import time

import numpy as np
import skimage
import skimage.color
import skimage.data
import skimage.feature
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'proposals')
PHOTO_DIR = os.path.join(OUT, 'soco-photos')

# SoCo's settings (generate_imagenet_ss_proposals.py and filter_ss_proposals_json.py).
SCALE, SIGMA, MIN_SIZE = 300, 0.9, 100
FILTER_STRATEGY = 'ratio3size0308'


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_photos():
    retina = Image.fromarray(skimage.data.retina())
    retina = retina.resize((500, 500), Image.BILINEAR)
    return {
        'astronaut': skimage.data.astronaut(),
        'chelsea': skimage.data.chelsea(),
        'coffee': skimage.data.coffee(),
        'rocket': skimage.data.rocket(),
        'ihc': skimage.data.immunohistochemistry(),
        'retina': np.asarray(retina),
    }


def official_filtered(filters, regions, image_shape):
    """filter_ss_proposals_json.py (strategy ratio3size0308) then ..._post_no_prop.py."""
    ratio = float(FILTER_STRATEGY[5])
    min_size_ratio = float(FILTER_STRATEGY[-4:-2]) / 10
    max_size_ratio = float(FILTER_STRATEGY[-2:]) / 10
    rects = filters.filter_ratio_size(regions, image_shape, ratio, min_size_ratio, max_size_ratio)
    if len(rects) > 0:
        return 'ratio3size0308', rects
    rects = filters.filter_ratio(regions, r=3)
    if len(rects) > 0:
        return 'ratio3', rects
    rects = filters.filter_none(regions)
    if len(rects) > 0:
        return 'none', rects
    return 'whole-image', []


def merge_pairs(ss_module, img):
    """Runs the official selective_search while recording which two regions each merge joins."""
    recorded = []
    original = ss_module._merge_regions

    def recording(r1, r2):
        recorded.append((tuple(r1['labels']), tuple(r2['labels'])))
        return original(r1, r2)

    ss_module._merge_regions = recording
    try:
        result = ss_module.selective_search(img, scale=SCALE, sigma=SIGMA, min_size=MIN_SIZE)
    finally:
        ss_module._merge_regions = original
    return result, recorded


def probes():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(12, 16, 3)).astype(np.float64)
    rgb[0, :5] = [[0, 0, 0], [255, 255, 255], [10, 10, 10], [0, 0, 255], [255, 0, 1]]
    rgb[5:8, 5:9] = 77  # a flat patch: LBP ties
    hsv = skimage.color.rgb2hsv(rgb)
    lbp = [skimage.feature.local_binary_pattern(rgb[:, :, c], 8, 1.0) for c in range(3)]
    values = [float(v) for v in range(256)]
    for edges in (np.linspace(0.0, 255.0, 26), np.linspace(0.0, 255.0, 11)):
        for e in edges:
            values += [float(e), float(np.nextafter(e, -np.inf)), float(np.nextafter(e, np.inf))]
    values += [-1.0, 1e-300, 0.5, 254.5, 256.0]

    def bin_of(v, bins):
        counts = np.histogram(np.array([v]), bins, (0.0, 255.0))[0]
        return int(np.argmax(counts)) if counts.sum() else -1

    return {
        'width': rgb.shape[1], 'height': rgb.shape[0],
        'rgb': rgb.astype(int).ravel().tolist(),
        'hsv': hsv.ravel().tolist(),
        'lbp': [channel.ravel().tolist() for channel in lbp],
        'histogram': {'values': values, 'bins25': [bin_of(v, 25) for v in values],
                      'bins10': [bin_of(v, 10) for v in values]},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('soco', help='path to a checkout of hologerry/SoCo')
    parser.add_argument('--time', help='only time selective_search on this photo')
    args = parser.parse_args()
    ss_module = load_module(
        os.path.join(args.soco, 'selective_search', 'selective_search.py'), 'soco_selective_search')
    filters = load_module(os.path.join(args.soco, 'selective_search', 'filters.py'), 'soco_filters')

    if args.time:
        img = np.array(Image.open(os.path.join(PHOTO_DIR, args.time + '.jpg')).convert('RGB'))
        start = time.perf_counter()
        for _ in range(3):
            ss_module.selective_search(img, scale=SCALE, sigma=SIGMA, min_size=MIN_SIZE)
        print(json.dumps({'photo': args.time, 'size': img.shape[:2],
                          'secondsPerImage': (time.perf_counter() - start) / 3}))
        return

    os.makedirs(PHOTO_DIR, exist_ok=True)
    fixture = {
        'soco': 'hologerry/SoCo selective_search/{selective_search,filters}.py',
        'versions': {'skimage': skimage.__version__, 'numpy': np.__version__},
        'parameters': {'scale': SCALE, 'sigma': SIGMA, 'min_size': MIN_SIZE,
                       'filter': FILTER_STRATEGY},
        'probes': probes(),
        'photos': {},
    }
    for name, rgb in source_photos().items():
        encoded = io.BytesIO()
        Image.fromarray(rgb).save(encoded, format='JPEG', quality=90)
        path = os.path.join(PHOTO_DIR, name + '.jpg')
        with open(path, 'wb') as f:
            f.write(encoded.getvalue())
        # As generate_imagenet_ss_proposals.py reads an image.
        img = np.array(Image.open(path).convert('RGB'))
        start = time.perf_counter()
        (img_with_lbl, regions, boxes), recorded = merge_pairs(ss_module, img)
        seconds = time.perf_counter() - start
        index_of = {tuple(r['labels']): i for i, r in enumerate(regions)}
        merges = [[index_of[a], index_of[b]] for a, b in recorded]
        segments = len(regions) - len(merges)
        tier, rects = official_filtered(filters, regions, img_with_lbl[:, :, 3].shape)
        fixture['photos'][name] = {
            'file': 'soco-photos/' + name + '.jpg',
            'width': img.shape[1],
            'height': img.shape[0],
            'rgbSha1': hashlib.sha1(np.ascontiguousarray(img).tobytes()).hexdigest(),
            'segments': segments,
            'regions': [[int(v) for v in r['rect']] for r in regions],
            'merges': merges,
            'filtered': {'tier': tier, 'rects': [[int(v) for v in r] for r in rects]},
        }
        assert [list(map(int, r['rect'])) for r in regions] == [list(b) for b in boxes]
        print(f'{name}: {img.shape[1]}x{img.shape[0]}, {segments} segments, '
              f'{len(regions)} regions, {len(set(map(tuple, boxes)))} distinct, '
              f'filtered {tier} {len(rects)}, {seconds:.2f} s', file=sys.stderr)

    with open(os.path.join(OUT, 'soco-ss.json'), 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
