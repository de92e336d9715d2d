#!/usr/bin/python3
"""Legacy (pre-1.6, non-zip) torch.save fixtures for @ssdet/nn's .pth reader.

Run from the repository root (dev-time only; tests read the committed fixtures, not Python):

    /usr/bin/python3 tools/reference/nn-weights/make_legacy_pth.py

Needs Debian's python3-torch (1.13) and python3-torchvision (0.14). Every .pth below is written by
`torch.save(obj, path, _use_new_zipfile_serialization=False)` — the format SwAV's, MoCo's and
DETR's released checkpoints use — unless said otherwise. Writes into
tools/reference/fixtures/nn-weights/:

- legacy-tiny-state-dict.pth (+ .json, the values a reader must recover): f32/f64/f16/i64/u8/bool
  tensors (storages of every element size in the raw section), an int64 `num_batches_tracked`
  scalar, a transposed (non-contiguous) view and a sliced view with a storage offset, both sharing
  the storage of `base`;
- legacy-moco-checkpoint.pth (+ .json of its `state_dict`): a MoCo-style wrapper
  `{'epoch': 3, 'arch': ..., 'state_dict': OrderedDict('module.encoder_q.…'), 'optimizer': …}`
  whose optimizer state holds tensors of its own;
- legacy-detr-checkpoint.pth (+ .json of its `model`): a DETR-style wrapper
  `{'model': …, 'optimizer': …, 'lr_scheduler': …, 'epoch': 2, 'args': argparse.Namespace(…)}`;
- legacy-resnet-tiny.pth and legacy-resnet-tiny-zip.pth: the state_dict() of a tiny
  torchvision-named ResNet (torchvision's BasicBlock, 2–4 channels) in the legacy and in the zip
  format; tensor k holds ((7 i + 3 k) mod 23 − 11) / 16 at flat index i (exact in float32), and
  `num_batches_tracked` of the k-th tensor holds k;
- legacy-malicious-eval.pth: a legacy stream (valid magic number, protocol version and sys_info
  pickles) whose object pickle calls `builtins.eval` on a shell command, hand-assembled from
  pickle opcodes and never unpickled here — our reader must refuse it without running anything.
"""
import argparse
import collections
import io
import json
import os
import pickle
import pickletools

import torch
from torchvision.models.resnet import BasicBlock

from make_fixtures import describe

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'tools', 'reference', 'fixtures', 'nn-weights')

LEGACY_MAGIC = 0x1950a86a20f9469cfc6c


def save_legacy(obj, name):
    path = os.path.join(OUT, name)
    torch.save(obj, path, _use_new_zipfile_serialization=False)
    with open(path, 'rb') as f:
        head = f.read(2)
    assert head == b'\x80\x02', 'legacy torch.save writes pickle protocol 2'
    assert torch.load(path).keys() == obj.keys()
    return path


def dump_json(value, name):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(value, f, indent=1)


def tiny_state_dict():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
    tiny = collections.OrderedDict()
    tiny['float32'] = torch.tensor([[0.5, -1.25, 3.0], [1e-3, -7.5, 2.0]], dtype=torch.float32)
    tiny['float64'] = torch.tensor([3.25, -2.5e-7, 1e10], dtype=torch.float64)
    tiny['float16'] = torch.tensor([1.0, -0.333, 65504.0], dtype=torch.float16)
    tiny['int64'] = torch.tensor([0, -5, 2147483647, -2147483648], dtype=torch.int64)
    tiny['uint8'] = torch.tensor([0, 255, 7], dtype=torch.uint8)
    tiny['bool'] = torch.tensor([True, False, True])
    tiny['num_batches_tracked'] = torch.tensor(123, dtype=torch.int64)
    tiny['transposed'] = base.t()  # shape [6, 4], strides (1, 6): not contiguous
    tiny['sliced'] = base[1:, 2:5]  # storage offset 8, strides (6, 1), shares base's storage
    tiny['base'] = base
    assert not tiny['transposed'].is_contiguous() and tiny['sliced'].storage_offset() == 8
    save_legacy(tiny, 'legacy-tiny-state-dict.pth')
    dump_json(describe(tiny), 'legacy-tiny-state-dict.json')


def small_weights(prefix):
    torch.manual_seed(1)
    weights = collections.OrderedDict()
    weights[prefix + 'conv1.weight'] = torch.randn(2, 3, 1, 1)
    weights[prefix + 'bn1.weight'] = torch.rand(2)
    weights[prefix + 'bn1.running_var'] = torch.rand(2) + 0.5
    weights[prefix + 'bn1.num_batches_tracked'] = torch.tensor(7, dtype=torch.int64)
    weights[prefix + 'fc.weight'] = torch.randn(3, 2)
    return weights


def wrapped_checkpoints():
    moco_state = small_weights('module.encoder_q.')
    moco = {
        'epoch': 3,
        'arch': 'resnet50',
        'state_dict': moco_state,
        'optimizer': {
            'state': {0: {'momentum_buffer': torch.full((2, 3, 1, 1), 0.25)}},
            'param_groups': [{'lr': 0.03, 'momentum': 0.9, 'weight_decay': 1e-4, 'params': [0, 1]}],
        },
    }
    save_legacy(moco, 'legacy-moco-checkpoint.pth')
    dump_json(describe(moco_state), 'legacy-moco-checkpoint.json')

    detr_state = small_weights('backbone.0.body.')
    detr_state['query_embed.weight'] = torch.randn(4, 2)
    args = argparse.Namespace(lr=1e-4, lr_backbone=1e-5, batch_size=2, epochs=300, lr_drop=200,
                              frozen_weights=None, backbone='resnet50', dilation=False,
                              position_embedding='sine', num_queries=100, aux_loss=True,
                              dataset_file='coco', output_dir='', device='cuda', seed=42,
                              set_cost_class=1.0, masks=False)
    detr = {
        'model': detr_state,
        'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-4, 'params': [0, 1, 2]}]},
        'lr_scheduler': {'step_size': 200, 'gamma': 0.1, 'base_lrs': [1e-4, 1e-5], 'last_epoch': 2},
        'epoch': 2,
        'args': args,
    }
    path = save_legacy(detr, 'legacy-detr-checkpoint.pth')
    with open(path, 'rb') as f:
        # skip the magic number, protocol version and sys_info pickles to reach the object pickle
        for _ in range(3):
            list(pickletools.genops(f))
        globals_named = {arg for op, arg, _ in pickletools.genops(f) if op.name == 'GLOBAL'}
    assert 'argparse Namespace' in globals_named, globals_named
    dump_json(describe(detr_state), 'legacy-detr-checkpoint.json')


class TinyResNet(torch.nn.Module):
    """torchvision's ResNet names (conv1, bn1, layer1.0.…, layer2.0.downsample.…, fc), 2–4 channels."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 2, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(2)
        self.layer1 = torch.nn.Sequential(BasicBlock(2, 2))
        downsample = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 1, stride=2, bias=False),
                                         torch.nn.BatchNorm2d(4))
        self.layer2 = torch.nn.Sequential(BasicBlock(2, 4, stride=2, downsample=downsample))
        self.fc = torch.nn.Linear(4, 3)


def resnet_tiny():
    state = TinyResNet().state_dict()
    assert hasattr(state, '_metadata')
    with torch.no_grad():
        for k, tensor in enumerate(state.values()):
            if tensor.dtype == torch.int64:
                tensor.fill_(k)
            else:
                i = torch.arange(tensor.numel())
                tensor.copy_((((7 * i + 3 * k) % 23 - 11).float() / 16).reshape(tensor.shape))
    save_legacy(state, 'legacy-resnet-tiny.pth')
    torch.save(state, os.path.join(OUT, 'legacy-resnet-tiny-zip.pth'))


def malicious_eval():
    """The legacy stream's first three pickles as torch writes them, then an evil object pickle."""
    stream = io.BytesIO()
    pickle_protocol = 2
    pickle.dump(LEGACY_MAGIC, stream, protocol=pickle_protocol)
    pickle.dump(1001, stream, protocol=pickle_protocol)
    pickle.dump({'protocol_version': 1001, 'little_endian': True,
                 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, stream, protocol=pickle_protocol)
    command = b"__import__('os').system('echo owned >&2')"
    # {'state_dict': eval(<command>)}: EMPTY_DICT, key, GLOBAL builtins.eval, the string, TUPLE1,
    # REDUCE, SETITEM, STOP — then the (empty) storage key list a legacy file ends with.
    evil = (b'\x80\x02}X\x0a\x00\x00\x00state_dictcbuiltins\neval\n'
            + b'X' + len(command).to_bytes(4, 'little') + command + b'\x85Rs.')
    ops = [op.name for op, _, _ in pickletools.genops(evil)]
    assert ops == ['PROTO', 'EMPTY_DICT', 'BINUNICODE', 'GLOBAL', 'BINUNICODE', 'TUPLE1', 'REDUCE',
                   'SETITEM', 'STOP'], ops
    stream.write(evil)
    pickle.dump([], stream, protocol=pickle_protocol)
    with open(os.path.join(OUT, 'legacy-malicious-eval.pth'), 'wb') as f:
        f.write(stream.getvalue())


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    tiny_state_dict()
    wrapped_checkpoints()
    resnet_tiny()
    malicious_eval()
    for name in sorted(os.listdir(OUT)):
        if name.startswith('legacy-'):
            print(f'{os.path.getsize(os.path.join(OUT, name)):7d}  {name}')
