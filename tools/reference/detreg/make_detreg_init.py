#!/usr/bin/python3
"""Initial weight statistics of DETReg's Deformable DETR, drawn as amirbar/DETReg draws them.

Run (dev-time only; the tests read the committed fixture and need no Python):
    /usr/bin/python3 tools/reference/detreg/make_detreg_init.py
Needs Debian's python3-torch (1.13). Writes tools/reference/fixtures/init/detreg.json in the format
of tools/reference/init/make_init_stats.py (whose record helpers it uses).

The full-size detector (d 256, 8 heads, FFN 1024, 6 + 6 layers, 4 levels, 4 points, 300 queries,
91 class logits, feature_embed 256 → 256 → 512) is rebuilt from torch modules with the official
parameter names and shapes, then initialised by the calls the official code makes (read, not
copied): `DeformableTransformer._reset_parameters` (models/deformable_transformer.py: xavier_uniform_
on every parameter with dim > 1, then each `MSDeformAttn._reset_parameters` — sampling_offsets and
attention_weights weights 0, attention_weights bias 0, value_proj / output_proj Xavier with bias 0 —
reference_points Xavier with bias 0, level_embed N(0, 1)); the decoder's nn.MultiheadAttention biases
0; FFN biases and LayerNorms as built; `DeformableDETR.__init__` (models/deformable_detr.py):
class_embed bias −log((1 − 0.01)/0.01), bbox_embed's last layer weight 0 (its bias [0, 0, −2, −2],
sampling_offsets' bias grid and the class bias are checked by the test directly),
input_proj convs Xavier with bias 0, GroupNorm 1 / 0, query_embed N(0, 1), feature_embed PyTorch's
default Linear init. The CNN is not included (DETReg loads it frozen from SwAV weights).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'init'))
from make_init_stats import constant, fans, normal, pytorch_default, record, rounded, uniform  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'init')
D, HEADS, FF, LAYERS, LEVELS, POINTS, QUERIES, CLASSES, EMBED = 256, 8, 1024, 6, 4, 4, 300, 91, 512


def xavier(weight):
    fan_in, fan_out = fans(weight)
    return uniform(math.sqrt(6 / (fan_in + fan_out)))


def ms_deform_attn(prefix):
    """(name, tensor, expected) of one MSDeformAttn after its _reset_parameters."""
    sampling = nn.Linear(D, HEADS * LEVELS * POINTS * 2)
    attention = nn.Linear(D, HEADS * LEVELS * POINTS)
    value, output = nn.Linear(D, D), nn.Linear(D, D)
    nn.init.constant_(sampling.weight, 0.0)
    nn.init.constant_(attention.weight, 0.0)
    nn.init.constant_(attention.bias, 0.0)
    for layer in (value, output):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.constant_(layer.bias, 0.0)
    return [
        (f'{prefix}.sampling_offsets.weight', sampling.weight, constant(0.0)),
        (f'{prefix}.attention_weights.weight', attention.weight, constant(0.0)),
        (f'{prefix}.attention_weights.bias', attention.bias, constant(0.0)),
        (f'{prefix}.value_proj.weight', value.weight, xavier(value.weight)),
        (f'{prefix}.value_proj.bias', value.bias, constant(0.0)),
        (f'{prefix}.output_proj.weight', output.weight, xavier(output.weight)),
        (f'{prefix}.output_proj.bias', output.bias, constant(0.0)),
    ]


def ffn_and_norms(prefix, norms):
    linear1, linear2 = nn.Linear(D, FF), nn.Linear(FF, D)
    expected_bias1, expected_bias2 = pytorch_default(linear1.weight), pytorch_default(linear2.weight)
    nn.init.xavier_uniform_(linear1.weight)  # the transformer's dim > 1 loop
    nn.init.xavier_uniform_(linear2.weight)
    out = [
        (f'{prefix}.linear1.weight', linear1.weight, xavier(linear1.weight)),
        (f'{prefix}.linear1.bias', linear1.bias, expected_bias1),
        (f'{prefix}.linear2.weight', linear2.weight, xavier(linear2.weight)),
        (f'{prefix}.linear2.bias', linear2.bias, expected_bias2),
    ]
    for norm in norms:
        ln = nn.LayerNorm(D)
        out += [(f'{prefix}.{norm}.weight', ln.weight, constant(1.0)),
                (f'{prefix}.{norm}.bias', ln.bias, constant(0.0))]
    return out


def detreg():
    items = []
    for i in range(LAYERS):
        items += ms_deform_attn(f'transformer.encoder.layers.{i}.self_attn')
        items += ffn_and_norms(f'transformer.encoder.layers.{i}', ['norm1', 'norm2'])
    for i in range(LAYERS):
        prefix = f'transformer.decoder.layers.{i}'
        items += ms_deform_attn(f'{prefix}.cross_attn')
        attn = nn.MultiheadAttention(D, HEADS)
        nn.init.xavier_uniform_(attn.in_proj_weight)
        nn.init.xavier_uniform_(attn.out_proj.weight)
        items += [
            (f'{prefix}.self_attn.in_proj_weight', attn.in_proj_weight, xavier(attn.in_proj_weight)),
            (f'{prefix}.self_attn.in_proj_bias', attn.in_proj_bias, constant(0.0)),
            (f'{prefix}.self_attn.out_proj.weight', attn.out_proj.weight, xavier(attn.out_proj.weight)),
            (f'{prefix}.self_attn.out_proj.bias', attn.out_proj.bias, constant(0.0)),
        ]
        items += ffn_and_norms(prefix, ['norm1', 'norm2', 'norm3'])
    reference = nn.Linear(D, 2)
    nn.init.xavier_uniform_(reference.weight)
    nn.init.constant_(reference.bias, 0.0)
    level_embed = torch.empty(LEVELS, D)
    nn.init.normal_(level_embed)
    items += [
        ('transformer.reference_points.weight', reference.weight, xavier(reference.weight)),
        ('transformer.reference_points.bias', reference.bias, constant(0.0)),
        ('transformer.level_embed', level_embed, normal(1.0)),
    ]
    for level, (channels, k) in enumerate([(512, 1), (1024, 1), (2048, 1), (2048, 3)]):
        conv = nn.Conv2d(channels, D, k)
        nn.init.xavier_uniform_(conv.weight, gain=1)
        nn.init.constant_(conv.bias, 0.0)
        gn = nn.GroupNorm(32, D)
        items += [
            (f'input_proj.{level}.0.weight', conv.weight, xavier(conv.weight)),
            (f'input_proj.{level}.0.bias', conv.bias, constant(0.0)),
            (f'input_proj.{level}.1.weight', gn.weight, constant(1.0)),
            (f'input_proj.{level}.1.bias', gn.bias, constant(0.0)),
        ]
    class_embed = nn.Linear(D, CLASSES)
    prior = -math.log((1 - 0.01) / 0.01)
    class_embed.bias.data = torch.ones(CLASSES) * prior
    # class_embed.bias = −log 99 ≈ −4.5951 everywhere: checked by the test at float32 precision (a
    # 7-digit constant here would not equal the float32 value exactly).
    assert torch.all(class_embed.bias == torch.tensor(prior, dtype=torch.float32))
    items.append(('class_embed.weight', class_embed.weight, pytorch_default(class_embed.weight)))
    for i, (n_in, n_out) in enumerate([(D, D), (D, D), (D, 4)]):
        layer = nn.Linear(n_in, n_out)
        if i < 2:
            items += [(f'bbox_embed.layers.{i}.weight', layer.weight, pytorch_default(layer.weight)),
                      (f'bbox_embed.layers.{i}.bias', layer.bias, pytorch_default(layer.weight))]
        else:
            nn.init.constant_(layer.weight, 0.0)
            items.append((f'bbox_embed.layers.{i}.weight', layer.weight, constant(0.0)))
    query = nn.Embedding(QUERIES, 2 * D)
    items.append(('query_embed.weight', query.weight, normal(1.0)))
    for i, (n_in, n_out) in enumerate([(D, D), (D, EMBED)]):
        layer = nn.Linear(n_in, n_out)
        items += [(f'feature_embed.layers.{i}.weight', layer.weight, pytorch_default(layer.weight)),
                  (f'feature_embed.layers.{i}.bias', layer.bias, pytorch_default(layer.weight))]
    return [record(name, name, tensor, expected) for name, tensor, expected in items]


def main():
    torch.manual_seed(0)
    records = detreg()
    header = {'method': 'detreg', 'source': 'amirbar/DETReg: models/deformable_transformer.py, models/ops/modules/ms_deform_attn.py, models/deformable_detr.py',
              'torch': torch.__version__}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'detreg.json'), 'w') as f:
        f.write(json.dumps(header)[:-1] + ', "parameters": [\n')
        f.write(',\n'.join(json.dumps(rounded(r), separators=(',', ':')) for r in records))
        f.write('\n]}\n')
    print(f'detreg: {len(records)} parameters')


if __name__ == '__main__':
    main()
