#!/usr/bin/python3
"""Golden outputs of torchvision's image transforms, for @ssdet/core's data pipeline tests.

Run from the repository root with Debian's python3-torch / python3-torchvision:

    /usr/bin/python3 tools/reference/data/make_transform_golden.py

Writes tools/reference/fixtures/data/transforms.json (parameters and shapes) and
transforms.bin (float32 little-endian arrays, concatenated in the order the json lists them).
The input is a deterministic random-ish 8-bit image (smooth gradients plus noise), stored too,
so the TypeScript test needs neither Python nor an image decoder that matches PIL's.

Everything runs through torchvision.transforms.functional on float tensors in [0, 1] (the
tensor path); the resize uses antialias=True, which is what PIL's bilinear resize does for the
MoCo/BYOL pipelines.
"""
import json
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'data')
H, W = 48, 64


def make_input():
    rng = np.random.RandomState(7)
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    base = np.stack([
        128 + 100 * np.sin(x / 9.0 + y / 17.0),
        128 + 90 * np.cos(y / 7.0),
        128 + 80 * np.sin((x + y) / 11.0),
    ], axis=-1)
    noisy = base + rng.normal(0, 25, size=base.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)  # HWC


def main():
    os.makedirs(OUT, exist_ok=True)
    image_u8 = make_input()
    img = torch.from_numpy(image_u8).permute(2, 0, 1).float() / 255.0  # CHW in [0, 1]
    cases = []

    def add(name, tensor, **params):
        arr = tensor.detach().permute(1, 2, 0).contiguous().numpy().astype('<f4')  # back to HWC
        cases.append((name, params, arr))

    add('brightness', F.adjust_brightness(img, 1.3), factor=1.3)
    add('brightness_dark', F.adjust_brightness(img, 0.55), factor=0.55)
    add('contrast', F.adjust_contrast(img, 0.6), factor=0.6)
    add('contrast_up', F.adjust_contrast(img, 1.45), factor=1.45)
    add('saturation', F.adjust_saturation(img, 1.4), factor=1.4)
    add('saturation_down', F.adjust_saturation(img, 0.3), factor=0.3)
    add('hue', F.adjust_hue(img, 0.08), factor=0.08)
    add('hue_negative', F.adjust_hue(img, -0.23), factor=-0.23)
    add('grayscale', F.rgb_to_grayscale(img, num_output_channels=3))
    add('blur', F.gaussian_blur(img, [7, 7], [1.3, 1.3]), kernelSize=7, sigma=1.3)
    add('blur_wide', F.gaussian_blur(img, [23, 23], [2.0, 2.0]), kernelSize=23, sigma=2.0)
    add('solarize', F.solarize(img, 0.5), threshold=0.5)
    add('normalize', F.normalize(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
    # Jitter composition in a fixed order: contrast, hue, brightness, saturation.
    j = F.adjust_contrast(img, 0.8)
    j = F.adjust_hue(j, -0.05)
    j = F.adjust_brightness(j, 1.2)
    j = F.adjust_saturation(j, 0.7)
    add('jitter', j, order=[1, 3, 0, 2], brightness=1.2, contrast=0.8, saturation=0.7, hue=-0.05)
    # Geometry: crop (left 5, top 3, 40 wide, 30 high) then antialiased resize down and up.
    crop = img[:, 3:33, 5:45]
    add('crop_resize_down', F.resize(crop, [15, 20], antialias=True), box=[5, 3, 45, 33], width=20, height=15)
    add('crop_resize_up', F.resize(crop, [45, 60], antialias=True), box=[5, 3, 45, 33], width=60, height=45)

    index = {
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'input': {'height': H, 'width': W, 'offset': 0, 'bytes': H * W * 3},
        'cases': [],
    }
    blob = bytearray(image_u8.tobytes())
    for name, params, arr in cases:
        index['cases'].append({'name': name, 'params': params, 'shape': list(arr.shape), 'offset': len(blob)})
        blob += arr.tobytes()
    with open(os.path.join(OUT, 'transforms.bin'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(OUT, 'transforms.json'), 'w') as f:
        json.dump(index, f, indent=1)
    print('wrote', len(cases), 'cases,', len(blob), 'bytes')


if __name__ == '__main__':
    main()
