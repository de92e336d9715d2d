#!/usr/bin/python3
"""How far torchvision's jitter and blur on PIL images are from the float ops @ssdet/data has.

Run from the repository root with Debian's python3-torch / python3-torchvision / python3-pil:

    /usr/bin/python3 tools/reference/data/measure_pil_differences.py

The official MoCo v2, DenseCL and SoCo pipelines apply torchvision's ColorJitter and
RandomGrayscale to PIL images: every adjustment is an 8-bit PIL operation (ImageEnhance blends
that truncate, an integer luma, HSV in 8 bits). @ssdet/data's ops are torchvision's tensor path
on float32 images (packages/data/src/photometric/adjust-*.ts, equal to it within 1e-5, see
torchvision-agreement.test.ts), so the tensor path on `to_tensor(photo)` stands for ours here.

Prints, per adjustment, for whole random jitters and for the blur (ImageFilter.GaussianBlur vs
torchvision's gaussian_blur with the 10%-of-the-side kernel, BYOL's rule), the difference
PIL − float in grey levels (0–255) on bundled photos: max |Δ|, mean |Δ|, mean Δ (the bias) and
the share of values more than half a level apart (values rounding would not reconcile). Writes
nothing. Whether @ssdet/data's 'pil' ops match Pillow is the fixtures' business
(make_pil_blur_fixtures.py, make_pil_jitter_fixtures.py).
"""
import os

import numpy as np
import torch
import torchvision.transforms.functional as F
from PIL import Image, ImageFilter

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')
# Views like MoCo's: a crop resized to 224.
VIEWS = [
    ('astronaut', (150, 60, 330, 240)),
    ('chelsea', (100, 0, 400, 300)),
    ('coffee', (150, 60, 450, 360)),
]


def load(name, box, side=224):
    image = Image.open(os.path.join(PHOTOS, name + '.jpg')).convert('RGB')
    return image.crop(box).resize((side, side), Image.BICUBIC)


def difference(pil_image, tensor):
    ours = tensor.permute(1, 2, 0).numpy().astype(np.float64) * 255.0
    theirs = np.asarray(pil_image, dtype=np.float64)
    return theirs - ours


def summary(deltas):
    d = np.concatenate([x.ravel() for x in deltas])
    return (f'max |Δ| {np.abs(d).max():5.2f}  mean |Δ| {np.abs(d).mean():5.3f}  '
            f'mean Δ {d.mean():+6.3f}  >0.5 level {100 * (np.abs(d) > 0.5).mean():5.1f}%')


def main():
    views = [load(name, box) for name, box in VIEWS]
    ops = [
        ('brightness', F.adjust_brightness, [0.6, 0.8, 1.2, 1.4]),
        ('contrast', F.adjust_contrast, [0.6, 0.8, 1.2, 1.4]),
        ('saturation', F.adjust_saturation, [0.6, 0.8, 1.2, 1.4]),
        ('hue', F.adjust_hue, [-0.1, -0.05, 0.05, 0.1]),
    ]
    print('PIL (8-bit) − float jitter, grey levels, 3 photos at 224 px')
    for name, op, factors in ops:
        for factor in factors:
            deltas = [difference(op(v, factor), op(F.to_tensor(v), factor)) for v in views]
            print(f'{name:10s} {factor:+5.2f}  {summary(deltas)}')
    deltas = [difference(F.to_grayscale(v, 3), F.rgb_to_grayscale(F.to_tensor(v), 3))
              for v in views]
    print(f'{"grayscale":16s} {summary(deltas)}')

    # Whole jitters as MoCo v2 (0.4, 0.4, 0.4, 0.1) and SoCo / BYOL (0.4, 0.4, 0.2, 0.1) draw them.
    for strengths in [(0.4, 0.4, 0.4, 0.1), (0.4, 0.4, 0.2, 0.1)]:
        torch.manual_seed(0)
        deltas = []
        for _ in range(40):
            b, c, s, h = strengths
            order = torch.randperm(4).tolist()
            factors = [float(torch.empty(1).uniform_(1 - b, 1 + b)),
                       float(torch.empty(1).uniform_(1 - c, 1 + c)),
                       float(torch.empty(1).uniform_(1 - s, 1 + s)),
                       float(torch.empty(1).uniform_(-h, h))]
            fns = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
            for v in views:
                pil, tensor = v, F.to_tensor(v)
                for i in order:
                    pil, tensor = fns[i](pil, factors[i]), fns[i](tensor, factors[i])
                deltas.append(difference(pil, tensor))
        print(f'jitter {strengths}  {summary(deltas)}  (40 draws × 3 photos)')

    for side in [112, 224]:
        kernel = round(side * 0.1)
        kernel += 1 - kernel % 2
        for sigma in [0.5, 1.0, 1.7, 2.0]:
            deltas = []
            for name, box in VIEWS:
                v = load(name, box, side)
                pil = v.filter(ImageFilter.GaussianBlur(radius=sigma))
                deltas.append(difference(pil, F.gaussian_blur(F.to_tensor(v), kernel, sigma)))
            print(f'blur {side} px (kernel {kernel:2d}) σ {sigma:3.1f}  {summary(deltas)}')


if __name__ == '__main__':
    main()
