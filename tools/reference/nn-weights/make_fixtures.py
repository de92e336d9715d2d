#!/usr/bin/python3
"""Golden fixtures for @ssdet/nn weight interop and RoIAlign.

Run from the repository root (dev-time only; tests read the committed fixtures, not Python):

    /usr/bin/python3 tools/reference/nn-weights/make_fixtures.py

Needs Debian's python3-torch (1.13) and python3-torchvision (0.14), and node (step c).
Writes into tools/reference/fixtures/nn-weights/:

(a) .pth files written by torch.save, with the values a reader must recover (`*.json`):
    - tiny-state-dict.pth: f32/f64/f16/bf16/i64/i32/u8/bool tensors, an int64 scalar, a transposed
      (non-contiguous) view and a sliced view with a storage offset that shares its storage;
    - tiny-module.pth: the state_dict() of a small conv/BN/linear module (an OrderedDict carrying
      torch's `_metadata` attribute, BatchNorm's int64 `num_batches_tracked`), and in
      tiny-module-forward.json its conv and Linear applied to fixed inputs (checks layouts);
    - malicious-os-system.pth: a zip laid out like torch.save whose data.pkl calls `os.system`
      (built by hand, never unpickled here) — our reader must refuse it.
(b) roi-align.json: torchvision.ops.roi_align outputs, and gradients of sum(output * weights)
    with respect to the NCHW features, for boxes inside, across the border and tiny, aligned
    True/False, sampling_ratio 2 and adaptive (-1), and samples exactly on the border rules'
    edges (sampling_ratio 1); plus torchvision.ops.MultiScaleRoIAlign
    outputs and level assignments on a three-level pyramid. Computed in float64.
(c) resnet18-state-dict-shapes.json (torchvision resnet18's state-dict names and shapes), then
    runs `node tools/reference/nn-weights/write-resnet18-pth.mjs`, which builds ssdet-layout
    variables with those names (values from a formula), exports them with ssdet's exporter and
    writes them with ssdet's .pth writer; this script then torch.load()s that file, loads it
    with load_state_dict(strict=True) into torchvision's resnet18 (fc replaced by Identity, as a
    backbone has no classifier) and into the stock resnet18 (strict=False, to list what is
    missing), compares every value with the formula, and records the outcome in
    ssdet-pth-into-torchvision.json.
"""
import collections
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import zipfile

import torch
import torchvision
from torchvision.ops import MultiScaleRoIAlign, roi_align

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'tools', 'reference', 'fixtures', 'nn-weights')


def values(t):
    """Flattened C-order values as JSON numbers (bool → 0/1)."""
    return [float(v) if t.is_floating_point() else int(v) for v in t.detach().reshape(-1).tolist()]


def describe(state):
    dtype_names = {
        torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16',
        torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8',
        torch.uint8: 'U8', torch.bool: 'BOOL',
    }
    return {name: {'dtype': dtype_names[t.dtype], 'shape': list(t.shape),
                   'values': values(t.float() if t.dtype in (torch.float16, torch.bfloat16) else t)}
            for name, t in state.items()}


def write_pth_fixtures():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
    tiny = collections.OrderedDict()
    tiny['float32'] = torch.tensor([[0.5, -1.25, 3.0], [1e-3, -7.5, 2.0]], dtype=torch.float32)
    tiny['float64'] = torch.tensor([math.pi, -math.e, 1e-7], dtype=torch.float64)
    tiny['float16'] = torch.tensor([1.0, -0.333, 65504.0, 6e-8], dtype=torch.float16)
    tiny['bfloat16'] = torch.tensor([1.0, -3.140625, 1e-3], dtype=torch.bfloat16)
    tiny['int64'] = torch.tensor([0, -5, 2147483647, -2147483648], dtype=torch.int64)
    tiny['int32'] = torch.tensor([[1, -2], [3, 4]], dtype=torch.int32)
    tiny['uint8'] = torch.tensor([0, 255, 7], dtype=torch.uint8)
    tiny['bool'] = torch.tensor([True, False, True])
    tiny['num_batches_tracked'] = torch.tensor(123, dtype=torch.int64)
    tiny['transposed'] = base.t()  # shape [6, 4], strides (1, 6): not contiguous
    tiny['sliced'] = base[1:, 2:5]  # storage offset 8, strides (6, 1), shares base's storage
    tiny['base'] = base
    assert not tiny['transposed'].is_contiguous() and tiny['sliced'].storage_offset() == 8
    torch.save(tiny, os.path.join(OUT, 'tiny-state-dict.pth'))
    with open(os.path.join(OUT, 'tiny-state-dict.json'), 'w') as f:
        json.dump(describe(tiny), f, indent=1)

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, bias=False), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(3 * 2 * 2, 2))
    module.train()
    module(torch.randn(2, 2, 4, 4))  # moves BN statistics and num_batches_tracked
    state = module.state_dict()
    assert hasattr(state, '_metadata')
    torch.save(state, os.path.join(OUT, 'tiny-module.pth'))
    with open(os.path.join(OUT, 'tiny-module.json'), 'w') as f:
        json.dump(describe(state), f, indent=1)
    # Layout semantics, not just names: the conv (OIHW) and the Linear ([out, in]) applied to
    # fixed inputs, for the test that loads these weights into HWIO / [in, out] variables.
    with torch.no_grad():
        conv_in = feature_formula(1, 2, 4, 4).reshape(1, 2, 4, 4).float()
        linear_in = feature_formula(1, 12, 1, 1).reshape(1, 12).float()
        forward = {
            'conv_input_nchw': {'shape': [1, 2, 4, 4], 'values': values(conv_in)},
            'conv_output_nchw': {'shape': [1, 3, 2, 2], 'values': values(module[0](conv_in))},
            'linear_input': {'shape': [1, 12], 'values': values(linear_in)},
            'linear_output': {'shape': [1, 2], 'values': values(module[4](linear_in))},
        }
    with open(os.path.join(OUT, 'tiny-module-forward.json'), 'w') as f:
        json.dump(forward, f, indent=1)

    # GLOBAL 'os system', a string argument, TUPLE1, REDUCE, STOP — what a booby-trapped
    # checkpoint contains. Written into a zip exactly like a torch.save archive; never loaded.
    evil = b'\x80\x02cos\nsystem\nq\x00X\x0f\x00\x00\x00echo owned >&2q\x01\x85q\x02Rq\x03.'
    with zipfile.ZipFile(os.path.join(OUT, 'malicious-os-system.pth'), 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', evil)
        z.writestr('archive/version', '3\n')


def feature_formula(n, c, h, w):
    idx = torch.arange(n * c * h * w, dtype=torch.float64)
    return torch.sin(0.37 * idx) * 2 + torch.cos(0.11 * idx)


def write_roi_align_fixture():
    n, c, h, w = 2, 3, 7, 9
    features = feature_formula(n, c, h, w).reshape(n, c, h, w)
    boxes = torch.tensor([
        [0, 1.0, 1.0, 6.0, 5.0],        # inside
        [1, -3.0, -2.0, 4.5, 3.5],      # crosses the top-left border
        [0, 5.0, 2.0, 12.0, 9.0],       # crosses the bottom-right border (and beyond W, H)
        [1, 3.3, 2.2, 3.6, 2.4],        # tiny
        [0, 0.0, 0.0, 9.0, 7.0],        # the whole map
        [1, 7.9, 5.9, 8.9, 6.9],        # at the last pixel
        [0, -4.0, -4.0, -1.5, -1.5],    # entirely outside
        [1, 2.0, 1.0, 2.0, 4.0],        # zero width
    ], dtype=torch.float64)
    cases = []
    for aligned in (True, False):
        for sampling_ratio in (2, -1):
            for spatial_scale, output_size in ((1.0, (2, 3)), (0.5, (3, 2))):
                x = features.clone().requires_grad_(True)
                out = roi_align(x, boxes, output_size=output_size, spatial_scale=spatial_scale,
                                sampling_ratio=sampling_ratio, aligned=aligned)
                weights = feature_formula(*out.shape).reshape(out.shape) * 0.5 + 0.25
                (out * weights).sum().backward()
                cases.append({
                    'aligned': aligned, 'sampling_ratio': sampling_ratio,
                    'spatial_scale': spatial_scale, 'output_size': list(output_size),
                    'output_nchw': values(out), 'output_weights_nchw': values(weights),
                    'grad_nchw': values(x.grad),
                })

    # Samples landing exactly on the border rules' edges (y = -1, y = H, x = -1, x = W): with
    # sampling_ratio 1 and 2x2 bins over 2x2 boxes, samples sit at x1 + 0.5 and x1 + 1.5.
    for aligned in (True, False):
        shift = 0.5 if aligned else 0.0
        edge_boxes = torch.tensor([
            [0, 8.5, 6.5, 10.5, 8.5],      # samples at x = 9 = W, y = 7 = H (kept, clamped)
            [1, -1.5, -1.5, 0.5, 0.5],     # samples at x = y = -1 (kept, clamped to 0)
            [0, -1.75, 6.75, 0.25, 8.75],  # samples just beyond: x = -1.25, y = 7.25 (dropped)
        ], dtype=torch.float64)
        edge_boxes[:, 1:] += shift
        x = features.clone().requires_grad_(True)
        out = roi_align(x, edge_boxes, output_size=(2, 2), spatial_scale=1.0, sampling_ratio=1, aligned=aligned)
        weights = feature_formula(*out.shape).reshape(out.shape) * 0.5 + 0.25
        (out * weights).sum().backward()
        cases.append({
            'aligned': aligned, 'sampling_ratio': 1, 'spatial_scale': 1.0, 'output_size': [2, 2],
            'boxes': edge_boxes.tolist(),
            'output_nchw': values(out), 'output_weights_nchw': values(weights), 'grad_nchw': values(x.grad),
        })

    image = 64
    level_shapes = {'p2': 16, 'p3': 8, 'p4': 4}
    maps = collections.OrderedDict()
    for k, (name, size) in enumerate(level_shapes.items()):
        maps[name] = feature_formula(1, 2, size, size).reshape(1, 2, size, size) * (k + 1)
    ms_boxes = torch.tensor([
        [0.0, 0.0, 10.0, 12.0], [4.0, 4.0, 60.0, 60.0], [8.0, 8.0, 40.0, 48.0],
        [30.0, 2.0, 33.0, 5.0], [0.0, 0.0, 64.0, 64.0], [10.0, 20.0, 38.0, 48.0],
        [20.0, 20.0, 27.0, 27.0], [5.0, 40.0, 20.0, 52.0],
        [0.0, 0.0, 8.0, 8.0], [40.0, 40.0, 56.0, 56.0],  # exactly on level boundaries (eps decides)
    ], dtype=torch.float64)
    # A small canonical scale spreads these small boxes over all three levels.
    pooler = MultiScaleRoIAlign(list(level_shapes), output_size=2, sampling_ratio=2, canonical_scale=16)
    ms_out = pooler(maps, [ms_boxes], [(image, image)])
    ms_levels = pooler.map_levels([ms_boxes])  # the LevelMapper set up by the call above
    multi_scale = {
        'image_size': image, 'strides': [4, 8, 16], 'output_size': 2, 'sampling_ratio': 2,
        'canonical_scale': 16, 'canonical_level': 4, 'aligned': False,
        'features_nchw': {name: {'shape': list(t.shape), 'values': values(t)} for name, t in maps.items()},
        'boxes': ms_boxes.tolist(), 'levels': values(ms_levels), 'output_nchw': values(ms_out),
    }
    fixture = {
        'torchvision': torchvision.__version__,
        'features_shape_nchw': [n, c, h, w], 'features_nchw': values(features),
        'boxes': boxes.tolist(), 'cases': cases, 'multi_scale': multi_scale,
    }
    with open(os.path.join(OUT, 'roi-align.json'), 'w') as f:
        json.dump(fixture, f)


def formula_value(tensor_index, numel):
    """The value ssdet's side writes at C-order (torch layout) element i of tensor k."""
    i = torch.arange(numel, dtype=torch.float64)
    return (torch.sin(0.001 * i + 0.1 * tensor_index) * 0.5).float()


def check_ssdet_pth_in_torchvision():
    model = torchvision.models.resnet18()
    shapes = [[name, list(t.shape)] for name, t in model.state_dict().items()]
    with open(os.path.join(OUT, 'resnet18-state-dict-shapes.json'), 'w') as f:
        json.dump({'torchvision': torchvision.__version__, 'state_dict': shapes}, f, indent=0)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'ssdet-resnet18.pth')
        node = subprocess.run(['node', os.path.join('tools', 'reference', 'nn-weights', 'write-resnet18-pth.mjs'), path],
                              cwd=ROOT, capture_output=True, text=True)
        record = {'torch': torch.__version__, 'torchvision': torchvision.__version__,
                  'node_exit_code': node.returncode}
        if node.returncode != 0:
            record['node_stderr'] = node.stderr[-2000:]
        else:
            loaded = torch.load(path, map_location='cpu')
            record['torch_load'] = 'ok'
            record['loaded_type'] = type(loaded).__name__
            record['num_tensors'] = len(loaded)
            backbone = torchvision.models.resnet18()
            backbone.fc = torch.nn.Identity()
            try:
                result = backbone.load_state_dict(loaded, strict=True)
                record['strict_load_into_resnet18_without_fc'] = 'ok'
            except RuntimeError as error:
                record['strict_load_into_resnet18_without_fc'] = str(error)[:2000]
            stock = torchvision.models.resnet18()
            result = stock.load_state_dict(loaded, strict=False)
            record['stock_resnet18_missing_keys'] = list(result.missing_keys)
            record['stock_resnet18_unexpected_keys'] = list(result.unexpected_keys)
            ssdet_names = [name for name, _ in shapes
                           if not name.startswith('fc.') and not name.endswith('num_batches_tracked')]
            max_diff = 0.0
            for k, name in enumerate(ssdet_names):
                expected = formula_value(k, loaded[name].numel()).reshape(loaded[name].shape)
                max_diff = max(max_diff, (loaded[name].float() - expected).abs().max().item())
                # and the loaded module holds exactly these values
                max_diff = max(max_diff, (backbone.state_dict()[name].float() - expected).abs().max().item())
            tracked = [name for name in loaded if name.endswith('num_batches_tracked')]
            record['num_batches_tracked'] = {
                'count': len(tracked),
                'dtype': str(loaded[tracked[0]].dtype) if tracked else None,
                'all_zero': all(int(loaded[name]) == 0 for name in tracked),
            }
            record['max_abs_difference'] = max_diff
    with open(os.path.join(OUT, 'ssdet-pth-into-torchvision.json'), 'w') as f:
        json.dump(record, f, indent=1)
    return record


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(True)
    write_pth_fixtures()
    write_roi_align_fixture()
    steps = sys.argv[1:] or ['all']
    if 'no-node' not in steps:
        print(json.dumps(check_ssdet_pth_in_torchvision(), indent=1))
