#!/usr/bin/python3
"""Pillow's JPEG decode of a few small JPEGs, for @ssdet/data's native JPEG decoder tests.

Run from the repository root with Debian's python3-pil (Pillow 9.4, on libjpeg-turbo 2.1):

    /usr/bin/python3 tools/reference/data/make_jpeg_decode_fixtures.py

The torchvision goldens decode their inputs with Pillow, `Image.open(f).convert('RGB')`; the
native decoder (packages/backend-native/native/data_jpeg_decode.cc) must give the same bytes.
Each case crops a bundled photo (packages/data/assets/photos) to an odd size and encodes it with
Pillow (4:2:2, which sharp cannot write; progressive 4:2:0 with optimised tables; grayscale),
committed as `jpeg-<name>.jpg`. Pillow's decode of that file is committed losslessly
as `jpeg-<name>.png` (sharp decodes it in the test), and jpeg-decode.json records a SHA-256 of
its RGB bytes. The JPEGs are written once: rerunning re-derives the decodes from the committed
files, so a different encoder version cannot change the inputs under the fixtures.
"""
import hashlib
import json
import os

import PIL
from PIL import Image, features

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')
OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'data')

# (name, photo, crop box, grayscale, Pillow save options)
CASES = [
    ('chelsea-422', 'chelsea.jpg', (120, 40, 157, 63), False,
     {'quality': 90, 'subsampling': 1}),
    ('coffee-progressive', 'coffee.jpg', (250, 120, 299, 153), False,
     {'quality': 60, 'subsampling': 2, 'progressive': True, 'optimize': True}),
    ('astronaut-gray', 'astronaut.jpg', (180, 70, 211, 97), True, {'quality': 85}),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    index = {'pillow': PIL.__version__, 'libjpeg_turbo': features.version('libjpeg_turbo'),
             'cases': []}
    for name, photo, box, gray, options in CASES:
        source = os.path.join(OUT, f'jpeg-{name}.jpg')
        if not os.path.exists(source):
            image = Image.open(os.path.join(PHOTOS, photo)).convert('RGB').crop(box)
            if gray:
                image = image.convert('L')
            image.save(source, 'JPEG', **options)
        with Image.open(source) as opened:
            decoded = opened.convert('RGB')
        decoded.save(os.path.join(OUT, f'jpeg-{name}.png'))
        index['cases'].append({
            'name': name,
            'jpeg': f'jpeg-{name}.jpg',
            'png': f'jpeg-{name}.png',
            'width': decoded.width,
            'height': decoded.height,
            'sha256': hashlib.sha256(decoded.tobytes()).hexdigest(),
        })
    with open(os.path.join(OUT, 'jpeg-decode.json'), 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
