#!/usr/bin/python3
"""Pillow's GaussianBlur on real photos, for @ssdet/data's pilGaussianBlur tests.

Run from the repository root with Debian's python3-pil (Pillow 9.4):

    /usr/bin/python3 tools/reference/data/make_pil_blur_fixtures.py

MoCo v2, DenseCL and SoCo blur PIL images with ImageFilter.GaussianBlur(radius=sigma). For each
case below, a bundled photo (packages/data/assets/photos) is resized to a view-like size and
blurred at several sigmas. Each case is one PNG, `pil-blur-<name>.png`: the input on top, then
Pillow's output for each sigma, stacked vertically in the order pil-blur.json lists them (PNG is
lossless; sharp decodes it in the test). pil-blur.json also records a SHA-256 of every whole
output's RGB bytes. To keep the fixtures small (~250 KB), the 224-pixel case stores only some
rows of each output (`rows`: the borders and a spread of interior rows); its hashes still cover
every pixel. A sweep over many random sigmas on one small crop (`pil-blur-sweep`, hashes only)
exercises Pillow's float32 box-radius arithmetic and its rounding of the fixed-point weights.
"""
import hashlib
import json
import os

import numpy as np
import PIL
from PIL import Image, ImageFilter

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')
OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'data')

SIGMAS = [0.1, 0.5, 1.0, 1.7, 2.0]
ROWS_224 = [0, 1, 2, 3, 4, 37, 74, 111, 112, 148, 185, 219, 220, 221, 222, 223]
# (name, photo, crop box in the photo or None, (width, height), sigmas, stored output rows or
# None for all). Crops resized up, like most RandomResizedCrop views.
CASES = [
    ('chelsea-112', 'chelsea.jpg', (150, 50, 300, 200), (112, 112), SIGMAS, None),  # SoCo's V3
    ('astronaut-224', 'astronaut.jpg', (150, 60, 330, 240), (224, 224), SIGMAS, ROWS_224),
    ('coffee-77x59', 'coffee.jpg', (200, 100, 400, 250), (77, 59), SIGMAS, None),  # odd sides
    # A few pixels of a photo: box radii reach past both borders (clamped edges).
    ('coffee-5x3', 'coffee.jpg', (300, 200, 305, 203), (5, 3), [0.5, 2.0, 6.0, 25.0], None),
]
# Sigmas as the views draw them, U(0.1, 2), and some wider ones; hashes only.
SWEEP_SIGMAS = [float(s) for s in np.random.RandomState(27).uniform(0.1, 2.0, 200)] + [
    float(s) for s in np.random.RandomState(28).uniform(2.0, 12.0, 50)]
SWEEP = ('sweep', 'astronaut.jpg', (200, 110, 232, 134), (32, 24), SWEEP_SIGMAS, [])


def main():
    os.makedirs(OUT, exist_ok=True)
    index = {'pillow': PIL.__version__, 'cases': []}
    for name, photo, box, (width, height), sigmas, rows in CASES + [SWEEP]:
        image = Image.open(os.path.join(PHOTOS, photo)).convert('RGB')
        if box is not None:
            image = image.crop(box)
        if image.size != (width, height):
            image = image.resize((width, height), Image.BICUBIC)
        outputs = [image.filter(ImageFilter.GaussianBlur(radius=sigma)) for sigma in sigmas]
        stored = list(range(height)) if rows is None else rows
        sheet = Image.new('RGB', (width, height + len(stored) * len(outputs)))
        sheet.paste(image, (0, 0))
        top = height
        for out in outputs:
            for row in stored:
                sheet.paste(out.crop((0, row, width, row + 1)), (0, top))
                top += 1
        file = f'pil-blur-{name}.png'
        sheet.save(os.path.join(OUT, file), optimize=True)
        index['cases'].append({
            'name': name,
            'file': file,
            'width': width,
            'height': height,
            'sigmas': sigmas,
            'rows': rows,
            'sha256': [hashlib.sha256(out.tobytes()).hexdigest() for out in outputs],
        })
    with open(os.path.join(OUT, 'pil-blur.json'), 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
