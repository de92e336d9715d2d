#!/usr/bin/env python3
"""Initial weight statistics of DenseCL, SoCo and UP-DETR, drawn as their official code bases draw them.

Run (dev-time only; the tests read the committed fixtures and need no Python):
    /usr/bin/python3 tools/reference/init/make_init_stats.py
Needs Debian's python3-torch (1.13) and python3-torchvision (0.14), CPU only, ~30 s.

Each official network is rebuilt from torch/torchvision modules with the official parameter
shapes, then initialised by the calls its code base makes (read from the official sources; none
of their code is copied or imported — mmcv is not installed, so its helpers are reproduced by their
documented calls: `kaiming_init(m, a, mode, nonlinearity, bias, distribution)` is
`nn.init.kaiming_normal_`/`kaiming_uniform_(m.weight, a, mode, nonlinearity)` plus a constant bias;
`constant_init(m, val, bias)` sets weight and bias):

  densecl.json  WXinlong/DenseCL (OpenSelfSup, mmcv 1.0.3), `DenseCL.init_weights`:
    - backbone `ResNet.init_weights`: every Conv2d kaiming_init(mode='fan_in', nonlinearity='relu')
      → N(0, 2/fan_in); BN constant 1 / 0; `zero_init_residual` False (the ResNet default, not set
      by configs/selfsup/densecl/*).
    - neck `DenseCLNeck.init_weights(init_linear='kaiming')`: nn.Linear kaiming_init(mode='fan_in')
      → N(0, 2/fan_in), bias 0; the 1×1 nn.Conv2d of the dense head keep PyTorch's default.
  soco.json     hologerry/SoCo (mmcv-full 1.2.4), `SoCo_FPN.__init__` (no init_weights call):
    - `contrast/resnet.py`: every Conv2d normal_(0, sqrt(2 / (k·k·out))) = N(0, 2/fan_out); BN 1 / 0;
      "zero gamma": every parameter named *bn3.weight (Bottleneck) set to 0.
    - `contrast/models/fpn.py`: lateral/output ConvModule(norm_cfg=BN, act_cfg=None) → conv without
      bias, `ConvModule.init_weights` at construction: kaiming_init(conv, a=0, nonlinearity='relu')
      with mmcv's defaults mode='fan_out', distribution='normal'; BN constant 1 / 0. FPN.init_weights
      (Xavier) exists but is never called.
    - `fast_rcnn_conv_fc_head.py`, `mlps.py` (projector, predictor): plain nn layers, PyTorch's
      defaults (weights and biases U(±1/√fan_in), BN 1 / 0).
  updetr.json   dddzg/up-detr (DETR): `Transformer._reset_parameters` — xavier_uniform_ on every
    transformer parameter with dim > 1 (attention in_proj and out_proj, linear1, linear2); biases as
    built (attention 0, FFN U(±1/√fan_in)); LayerNorm 1 / 0. Outside the transformer PyTorch's
    defaults: input_proj, class_embed, bbox_embed, patch2query, feature_align; query_embed N(0, 1).
    The CNN is not included (UP-DETR loads it frozen from SwAV weights).

Every record holds our variable name (`name`), the official state_dict name (`official`), the
element count, the analytic distribution (`expected`: family normal/uniform/constant, std, and the
bound or value) and PyTorch's sample statistics (`torch`: mean, std, maxAbs, zeros). The script
asserts that each PyTorch sample agrees with its analytic distribution.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'init')


# --- analytic distributions ------------------------------------------------------------------

def normal(std):
    return {'family': 'normal', 'std': std}


def uniform(bound):
    return {'family': 'uniform', 'std': bound / math.sqrt(3), 'bound': bound}


def constant(value):
    return {'family': 'constant', 'std': 0.0, 'value': value}


def fans(tensor):
    """PyTorch's fans of a weight: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field."""
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def pytorch_default(weight):
    """nn.Conv2d / nn.Linear's own init: kaiming_uniform_(a=√5) = U(±1/√fan_in); the bias too."""
    return uniform(1 / math.sqrt(fans(weight)[0]))


# --- mmcv's helpers, by their documented calls --------------------------------------------------

def mmcv_kaiming_init(module, a=0, mode='fan_out', nonlinearity='relu', bias=0, distribution='normal'):
    if distribution == 'uniform':
        nn.init.kaiming_uniform_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    else:
        nn.init.kaiming_normal_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def mmcv_constant_init(module, val, bias=0):
    nn.init.constant_(module.weight, val)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


# --- records ----------------------------------------------------------------------------------

def sample_stats(tensor):
    x = tensor.detach().double().flatten()
    return {
        'mean': x.mean().item(),
        'std': x.std(unbiased=False).item() if x.numel() > 1 else 0.0,
        'maxAbs': x.abs().max().item(),
        'zeros': int((x == 0).sum().item()),
    }


def check(name, tensor, expected):
    """PyTorch's sample must agree with the analytic distribution (6 standard errors)."""
    n = tensor.numel()
    s = sample_stats(tensor)
    if expected['family'] == 'constant':
        assert s['maxAbs'] == abs(expected['value']) and s['std'] == 0, (name, s, expected)
        return s
    std = expected['std']
    rel = (0.71 if expected['family'] == 'normal' else 0.45) / math.sqrt(n)
    assert abs(s['std'] - std) <= 6 * rel * std + 1e-12, (name, s, expected)
    assert abs(s['mean']) <= 6 * std / math.sqrt(n), (name, s, expected)
    if expected['family'] == 'uniform':
        assert s['maxAbs'] <= expected['bound'] * (1 + 1e-6), (name, s, expected)
    return s


def record(name, official, tensor, expected):
    return {
        'name': name,
        'official': official,
        'numel': tensor.numel(),
        'expected': expected,
        'torch': check(official, tensor, expected),
    }


# --- DenseCL -------------------------------------------------------------------------------------

def densecl():
    backbone = torchvision.models.resnet50()
    del backbone.fc
    expected = {}
    for module_name, m in backbone.named_modules():
        if isinstance(m, nn.Conv2d):
            mmcv_kaiming_init(m, mode='fan_in', nonlinearity='relu')
            expected[module_name + '.weight'] = normal(math.sqrt(2 / fans(m.weight)[0]))
        elif isinstance(m, nn.BatchNorm2d):
            mmcv_constant_init(m, 1)
            expected[module_name + '.weight'] = constant(1.0)
            expected[module_name + '.bias'] = constant(0.0)
    records = [
        record(f'backbone.{name}', f'encoder_q.0.{name}', p, expected[name])
        for name, p in backbone.named_parameters()
    ]

    mlp = nn.Sequential(nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 128))
    mlp2 = nn.Sequential(nn.Conv2d(2048, 2048, 1), nn.ReLU(), nn.Conv2d(2048, 128, 1))
    for m in mlp:
        if isinstance(m, nn.Linear):
            mmcv_kaiming_init(m, mode='fan_in', nonlinearity='relu')
    for index in (0, 2):
        linear = mlp[index]
        records.append(record(f'neck.mlp.{index}.weight', f'encoder_q.1.mlp.{index}.weight',
                              linear.weight, normal(math.sqrt(2 / fans(linear.weight)[0]))))
        records.append(record(f'neck.mlp.{index}.bias', f'encoder_q.1.mlp.{index}.bias',
                              linear.bias, constant(0.0)))
    for index in (0, 2):
        conv = mlp2[index]
        for part in ('weight', 'bias'):
            records.append(record(f'neck.mlp2.{index}.{part}', f'encoder_q.1.mlp2.{index}.{part}',
                                  getattr(conv, part), pytorch_default(conv.weight)))
    return records


# --- SoCo ----------------------------------------------------------------------------------------

def soco():
    backbone = torchvision.models.resnet50()
    del backbone.fc
    expected = {}
    for module_name, m in backbone.named_modules():
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / k))
            expected[module_name + '.weight'] = normal(math.sqrt(2 / fans(m.weight)[1]))
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
            expected[module_name + '.weight'] = constant(1.0)
            expected[module_name + '.bias'] = constant(0.0)
    for name, p in backbone.named_parameters():
        if name.endswith('bn3.weight'):
            p.data.zero_()
            expected[name] = constant(0.0)
    records = [
        record(f'backbone.{name}', f'encoder.{name}', p, expected[name])
        for name, p in backbone.named_parameters()
    ]

    for i, channels in enumerate([256, 512, 1024, 2048]):
        level = i + 2
        for kind, ours, in_channels, size in (('lateral_convs', 'fpn_lateral', channels, 1),
                                             ('fpn_convs', 'fpn_output', 256, 3)):
            conv = nn.Conv2d(in_channels, 256, size, padding=size // 2, bias=False)
            norm = nn.BatchNorm2d(256)
            mmcv_kaiming_init(conv, a=0, nonlinearity='relu')
            mmcv_constant_init(norm, 1, bias=0)
            official = f'neck.{kind}.{i}'
            records.append(record(f'fpn.{ours}{level}.weight', f'{official}.conv.weight',
                                  conv.weight, normal(math.sqrt(2 / fans(conv.weight)[1]))))
            records.append(record(f'fpn.{ours}{level}.norm.weight', f'{official}.bn.weight',
                                  norm.weight, constant(1.0)))
            records.append(record(f'fpn.{ours}{level}.norm.bias', f'{official}.bn.bias',
                                  norm.bias, constant(0.0)))

    for k in range(1, 5):
        conv = nn.Conv2d(256, 256, 3, padding=1, bias=False)
        norm = nn.BatchNorm2d(256)
        records.append(record(f'head.conv{k}.weight', f'head.conv{k}.weight', conv.weight,
                              pytorch_default(conv.weight)))
        records.append(record(f'head.conv{k}.norm.weight', f'head.bn{k}.weight', norm.weight,
                              constant(1.0)))
        records.append(record(f'head.conv{k}.norm.bias', f'head.bn{k}.bias', norm.bias,
                              constant(0.0)))
    fc = nn.Linear(12544, 1024)
    for part in ('weight', 'bias'):
        records.append(record(f'head.fc1.{part}', f'head.fc1.{part}', getattr(fc, part),
                              pytorch_default(fc.weight)))

    for module, in_dim in (('projector', 1024), ('predictor', 256)):
        linear1, norm, linear2 = nn.Linear(in_dim, 4096), nn.BatchNorm1d(4096), nn.Linear(4096, 256)
        for ours, official, layer in (('0', 'linear1', linear1), ('3', 'linear2', linear2)):
            for part in ('weight', 'bias'):
                records.append(record(f'{module}.{ours}.{part}', f'{module}.{official}.{part}',
                                      getattr(layer, part), pytorch_default(layer.weight)))
        records.append(record(f'{module}.1.weight', f'{module}.bn1.weight', norm.weight,
                              constant(1.0)))
        records.append(record(f'{module}.1.bias', f'{module}.bn1.bias', norm.bias, constant(0.0)))
    return records


# --- UP-DETR ---------------------------------------------------------------------------------------

def updetr():
    d, heads, ff, layers, queries, channels = 256, 8, 2048, 6, 100, 2048
    # torch's Transformer layers have DETR's parameter names and shapes (self_attn.in_proj_weight,
    # self_attn.out_proj.*, [multihead_attn.*,] linear1, linear2, norm1..3); UP-DETR runs pre-norm,
    # so the encoder has a final LayerNorm too.
    transformer = nn.Module()
    transformer.encoder = nn.Module()
    transformer.encoder.layers = nn.ModuleList(
        nn.TransformerEncoderLayer(d, heads, ff) for _ in range(layers))
    transformer.encoder.norm = nn.LayerNorm(d)
    transformer.decoder = nn.Module()
    transformer.decoder.layers = nn.ModuleList(
        nn.TransformerDecoderLayer(d, heads, ff) for _ in range(layers))
    transformer.decoder.norm = nn.LayerNorm(d)
    built = {}
    for name, p in transformer.named_parameters():
        if name.endswith('in_proj_bias') or name.endswith('out_proj.bias'):
            built[name] = constant(0.0)  # nn.MultiheadAttention._reset_parameters
        elif '.norm' in name:
            built[name] = constant(1.0 if name.endswith('weight') else 0.0)
        elif name.endswith('linear1.bias') or name.endswith('linear2.bias'):
            built[name] = pytorch_default(dict(transformer.named_parameters())[name[:-4] + 'weight'])
    for p in transformer.parameters():  # DETR's _reset_parameters
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    records = []
    for name, p in transformer.named_parameters():
        if p.dim() > 1:
            fan_in, fan_out = fans(p)
            expected = uniform(math.sqrt(6 / (fan_in + fan_out)))
        else:
            expected = built[name]
        records.append(record(f'transformer.{name}', f'transformer.{name}', p, expected))

    def linear_records(prefix, layer):
        return [record(f'{prefix}.{part}', f'{prefix}.{part}', getattr(layer, part),
                       pytorch_default(layer.weight)) for part in ('weight', 'bias')]

    records += linear_records('input_proj', nn.Conv2d(channels, d, 1))
    records += linear_records('class_embed', nn.Linear(d, 3))
    for i, (n_in, n_out) in enumerate([(d, d), (d, d), (d, 4)]):
        records += linear_records(f'bbox_embed.layers.{i}', nn.Linear(n_in, n_out))
    embedding = nn.Embedding(queries, d)
    records.append(record('query_embed.weight', 'query_embed.weight', embedding.weight, normal(1.0)))
    records += linear_records('patch2query', nn.Linear(channels, d))
    for i, (n_in, n_out) in enumerate([(d, d), (d, channels)]):
        records += linear_records(f'feature_align.layers.{i}', nn.Linear(n_in, n_out))
    return records


def rounded(value):
    """Floats to 7 significant digits (float32 precision) for a compact fixture."""
    if isinstance(value, float):
        return float(f'{value:.7g}')
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    sources = {
        'densecl': 'WXinlong/DenseCL: openselfsup/models/densecl.py, backbones/resnet.py, necks.py',
        'soco': 'hologerry/SoCo: contrast/resnet.py, contrast/models/{SoCo_FPN,fpn,fast_rcnn_conv_fc_head,mlps}.py',
        'updetr': 'dddzg/up-detr: models/transformer.py, models/updetr.py, models/detr.py',
    }
    for method, build in (('densecl', densecl), ('soco', soco), ('updetr', updetr)):
        records = build()
        header = {'method': method, 'source': sources[method], 'torch': torch.__version__}
        with open(os.path.join(OUT, f'{method}.json'), 'w') as f:
            # One parameter per line: small diffs when an init changes.
            f.write(json.dumps(header)[:-1] + ', "parameters": [\n')
            f.write(',\n'.join(json.dumps(rounded(r), separators=(',', ':')) for r in records))
            f.write('\n]}\n')
        print(f'{method}: {len(records)} parameters')


if __name__ == '__main__':
    main()
