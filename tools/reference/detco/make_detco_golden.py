#!/usr/bin/python3
"""Golden DetCo losses and gradients, for @ssdet/plugin-detco's fidelity test.

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/detco/make_detco_golden.py

Writes tools/reference/fixtures/detco/detco_golden.json (about 0.5 MB). The TypeScript test
packages/plugin-detco/src/fidelity.test.ts loads the same inputs into our DetcoHeads and
detcoObjective and checks, within 1e-4 relative, every value recorded here.

What it computes: everything DetCo does after the backbones, at the four stages res2..res5.
The official repository (xieenze/DetCo) has no pre-training code, so this follows the paper's
equations (Xie et al., ICCV 2021, section 3):

    L = sum_i w_i (L^i_g2g(I_q, I_k) + L^i_l2l(P_q, P_k) + L^i_l2g(P_q, I_k)),  w = [0.1, 0.4, 0.7, 1.0]

each term MoCo's InfoNCE -log exp(q.k+/tau) / (exp(q.k+/tau) + sum_queue exp(q.k-/tau)), and,
where the paper is silent, the unofficial port shuuchen/DetCo.pytorch (re-written here from a
reading of detco/models.py, detco/builder.py and main_detco.py, not copied):
  * per stage, a global head avgpool -> Linear(C, C) -> ReLU -> Linear(C, D) on the global view's
    map, and a local head on the patch set: the 9 patch maps, batched patch-major as the port
    batches them ('(n b) c h w'), regrouped per image with the patches' channels concatenated
    ('b (n c) h w'), avgpool -> Linear(9C, 9C) -> ReLU -> Linear(9C, D);
  * every embedding L2-normalised; eight queues stored as the port's one buffer [8, D, K]
    (0..3 global res2..res5, 4..7 local);
  * the local-to-global term takes the local query against the global key and the global queue;
  * each of the 12 terms a cross-entropy with label 0 averaged over the batch, the total weighted
    by w[i % 4];
  * the gradient of the total w.r.t. the query heads' parameters and w.r.t. the query-side maps
    (the key side is computed under no_grad, as in MoCo).
No distributed parts (shuffle-BN, all_gather) take part: they act before and after this stage.

Inputs come from a torch.Generator seeded with SEED, float32, stored exactly; maps are non-negative
(after a ReLU, as backbone outputs are). Head weights are drawn like PyTorch's Linear default
(uniform +-1/sqrt(fan_in), biases too). Weights are stored in PyTorch layout ([out, in]); the test
transposes them and converts the maps to NHWC, and the local maps to our image-major order.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'detco', 'detco_golden.json')

SEED = 0
N, PATCHES, D, K = 3, 9, 8, 10
CHANNELS = [2, 4, 6, 8]           # res2..res5
GLOBAL_SIDES = [4, 2, 2, 1]       # spatial side of each stage's map of a global view
LOCAL_SIDES = [2, 1, 1, 1]        # ... of a patch
TAU = 0.2
WEIGHTS = [0.1, 0.4, 0.7, 1.0]


def uniform(generator, shape, fan_in):
    bound = 1.0 / fan_in ** 0.5
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound


def make_heads(generator):
    """Both heads of every stage, named as the port's state_dict (and ours, under `heads.`)."""
    params = {}
    for kind, widths in (('global', CHANNELS), ('local', [c * PATCHES for c in CHANNELS])):
        for i, width in enumerate(widths):
            prefix = f'{kind}_mlps.{i}.mlp'
            params[f'{prefix}.0.weight'] = uniform(generator, (width, width), width)
            params[f'{prefix}.0.bias'] = uniform(generator, (width,), width)
            params[f'{prefix}.2.weight'] = uniform(generator, (D, width), width)
            params[f'{prefix}.2.bias'] = uniform(generator, (D,), width)
    return params


def head(params, kind, i, x):
    """avgpool -> Linear -> ReLU -> Linear on [B, C', h, w]."""
    prefix = f'{kind}_mlps.{i}.mlp'
    pooled = x.mean(dim=(2, 3))
    hidden = F.relu(F.linear(pooled, params[f'{prefix}.0.weight'], params[f'{prefix}.0.bias']))
    return F.linear(hidden, params[f'{prefix}.2.weight'], params[f'{prefix}.2.bias'])


def patches_per_image(x):
    """[P*B, C, h, w] patch-major -> [B, P*C, h, w], channel p*C + c = channel c of patch p."""
    pb, c, h, w = x.shape
    b = pb // PATCHES
    return x.reshape(PATCHES, b, c, h, w).permute(1, 0, 2, 3, 4).reshape(b, PATCHES * c, h, w)


def embeddings(params, global_maps, local_maps):
    """[B, 8, D] normalised: rows 0..3 the global embeddings of res2..res5, 4..7 the local ones."""
    rows = [head(params, 'global', i, m) for i, m in enumerate(global_maps)]
    rows += [head(params, 'local', i, patches_per_image(m)) for i, m in enumerate(local_maps)]
    return F.normalize(torch.stack(rows, dim=1), dim=2)


def info_nce(q, k_pos, queue):
    """Cross-entropy over [q.k+, q.queue] / tau with label 0, mean over the batch."""
    logits = torch.cat([(q * k_pos).sum(1, keepdim=True), q @ queue], dim=1) / TAU
    return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long))


def detco_losses(heads_q, heads_k, q_global, q_local, k_global, k_local, queue):
    q = embeddings(heads_q, q_global, q_local)
    with torch.no_grad():
        k = embeddings(heads_k, k_global, k_local)
    g2g = [info_nce(q[:, i], k[:, i], queue[i]) for i in range(4)]
    l2l = [info_nce(q[:, 4 + i], k[:, 4 + i], queue[4 + i]) for i in range(4)]
    l2g = [info_nce(q[:, 4 + i], k[:, i], queue[i]) for i in range(4)]
    total = sum(WEIGHTS[i] * (g2g[i] + l2l[i] + l2g[i]) for i in range(4))
    return total, g2g, l2l, l2g, k


def draw():
    g = torch.Generator().manual_seed(SEED)
    maps = lambda batch, sides: [torch.randn(batch, c, s, s, generator=g).relu() for c, s in zip(CHANNELS, sides)]
    q_global, k_global = maps(N, GLOBAL_SIDES), maps(N, GLOBAL_SIDES)
    q_local, k_local = maps(PATCHES * N, LOCAL_SIDES), maps(PATCHES * N, LOCAL_SIDES)
    heads_q, heads_k = make_heads(g), make_heads(g)
    queue = F.normalize(torch.randn(8, D, K, generator=g), dim=1)
    return heads_q, heads_k, q_global, q_local, k_global, k_local, queue


def stored(t):
    """A float32 tensor as JSON: 9 significant digits give every float32 back exactly."""
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float('%.9g' % v) for v in t.to(torch.float32).flatten().tolist()]}


def main():
    heads_q, heads_k, q_global, q_local, k_global, k_local, queue = draw()
    for t in [*heads_q.values(), *q_global, *q_local]:
        t.requires_grad_(True)
    total, g2g, l2l, l2g, k = detco_losses(heads_q, heads_k, q_global, q_local, k_global, k_local, queue)
    total.backward()

    # The same in float64 must agree: the float32 values are a faithful reference.
    double = lambda ts: [t.detach().double() for t in ts]
    f64 = detco_losses({n: p.detach().double() for n, p in heads_q.items()},
                       {n: p.double() for n, p in heads_k.items()},
                       double(q_global), double(q_local), double(k_global), double(k_local), queue.double())
    assert abs(f64[0].item() - total.item()) < 1e-5 * abs(total.item()), (f64[0].item(), total.item())

    grads = {n: stored(p.grad) for n, p in heads_q.items()}
    grads.update({f'q_global.{i}': stored(m.grad) for i, m in enumerate(q_global)})
    grads.update({f'q_local.{i}': stored(m.grad) for i, m in enumerate(q_local)})
    fixture = {
        'about': 'DetCo losses after the backbones (paper eqs.; shuuchen/DetCo.pytorch where the paper is silent); '
                 'see tools/reference/detco/make_detco_golden.py',
        'seed': SEED,
        'config': {'N': N, 'patches': PATCHES, 'channels': CHANNELS, 'globalSides': GLOBAL_SIDES,
                   'localSides': LOCAL_SIDES, 'D': D, 'K': K, 'temperature': TAU, 'stageWeights': WEIGHTS},
        'inputs': {
            'q_global': [stored(m) for m in q_global], 'k_global': [stored(m) for m in k_global],
            'q_local': [stored(m) for m in q_local], 'k_local': [stored(m) for m in k_local],
            'heads_q': {n: stored(p) for n, p in heads_q.items()},
            'heads_k': {n: stored(p) for n, p in heads_k.items()},
            'queue': stored(queue),
        },
        'outputs': {
            'g2g': [t.item() for t in g2g], 'l2l': [t.item() for t in l2l], 'l2g': [t.item() for t in l2g],
            'total': total.item(),
            'k_global': [stored(k[:, i]) for i in range(4)], 'k_local': [stored(k[:, 4 + i]) for i in range(4)],
            'grad': grads,
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    terms = ' '.join(f'res{i + 2} {g2g[i].item():.4f}/{l2l[i].item():.4f}/{l2g[i].item():.4f}' for i in range(4))
    print(f'g2g/l2l/l2g: {terms}; total {total.item():.6f} -> {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
