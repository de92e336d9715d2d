#!/usr/bin/python3
"""torchvision's colour jitter and grayscale on PIL images, for @ssdet/data's pil-* op tests.

Run from the repository root with Debian's python3-torchvision / python3-pil (Pillow 9.4):

    /usr/bin/python3 tools/reference/data/make_pil_jitter_fixtures.py

The official MoCo v2, DenseCL and SoCo views run ColorJitter and RandomGrayscale on PIL images
(8-bit Pillow operations). Two inputs: a crop of a bundled photo, and a 64×64 grid of 4096
colours (16 levels per channel: greys, ties between channels, saturated hues). Each input is one
PNG, `pil-jitter-<input>.png`: the input on top, then the output of every case in
pil-jitter.json's order, stacked vertically. A case is one adjustment with its factor, the
grayscale, or a whole jitter (order and factors as torchvision's ColorJitter draws them).
"""
import json
import os

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')
OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'data')
FNS = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
NAMES = ['brightness', 'contrast', 'saturation', 'hue']


def inputs():
    photo = Image.open(os.path.join(PHOTOS, 'astronaut.jpg')).convert('RGB')
    photo = photo.crop((150, 60, 330, 240)).resize((32, 24), Image.BICUBIC)
    levels = np.arange(16, dtype=np.uint8) * 17
    r, g, b = np.meshgrid(levels, levels, levels, indexing='ij')
    grid = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=-1).reshape(64, 64, 3)
    return [('photo', photo), ('colours', Image.fromarray(grid, 'RGB'))]


def cases():
    out = []
    for name, factors in [
        ('brightness', [0.6, 0.8537, 1.0, 1.2291, 1.4]),
        ('contrast', [0.6, 0.8537, 1.2291, 1.4]),
        ('saturation', [0.0, 0.6, 0.8537, 1.2291, 1.4]),
        ('hue', [-0.5, -0.1, -0.0731, -0.003, 0.0, 0.0412, 0.1, 0.5]),
    ]:
        for factor in factors:
            out.append({'op': name, 'factor': factor})
    out.append({'op': 'grayscale'})
    torch.manual_seed(27)
    for strengths in [(0.4, 0.4, 0.4, 0.1)] * 4 + [(0.4, 0.4, 0.2, 0.1)] * 2:
        order, b, c, s, h = torchvision.transforms.ColorJitter.get_params(
            *[(max(0.0, 1 - v), 1 + v) for v in strengths[:3]], (-strengths[3], strengths[3]))
        out.append({'op': 'jitter', 'order': order.tolist(), 'brightness': b, 'contrast': c,
                    'saturation': s, 'hue': h})
    return out


def apply(case, image):
    if case['op'] == 'grayscale':
        return F.to_grayscale(image, num_output_channels=3)
    if case['op'] == 'jitter':
        for index in case['order']:
            image = FNS[index](image, case[NAMES[index]])
        return image
    return FNS[NAMES.index(case['op'])](image, case['factor'])


def main():
    os.makedirs(OUT, exist_ok=True)
    all_cases = cases()
    index = {'pillow': PIL.__version__, 'torchvision': torchvision.__version__,
             'inputs': [], 'cases': all_cases}
    for name, image in inputs():
        frames = [image] + [apply(case, image) for case in all_cases]
        width, height = image.size
        sheet = Image.new('RGB', (width, height * len(frames)))
        for row, frame in enumerate(frames):
            sheet.paste(frame, (0, row * height))
        file = f'pil-jitter-{name}.png'
        sheet.save(os.path.join(OUT, file), optimize=True)
        index['inputs'].append({'name': name, 'file': file, 'width': width, 'height': height})
    with open(os.path.join(OUT, 'pil-jitter.json'), 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
