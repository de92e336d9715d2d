#!/usr/bin/python3
"""Golden DenseCL losses and gradients, for @ssdet/plugin-densecl's fidelity test.

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/densecl/make_densecl_golden.py

Writes tools/reference/fixtures/densecl/densecl_golden.json (about 0.3 MB). The TypeScript test
packages/plugin-densecl/src/fidelity.test.ts loads the same inputs into our DenseCLNeck and
denseclObjective and checks, within 1e-4 relative, every value recorded here.

What it computes: everything DenseCL's `forward_train` (WXinlong/DenseCL,
openselfsup/models/densecl.py) does after the two backbones, written anew from a reading of
that file, `DenseCLNeck` (openselfsup/models/necks.py) and `ContrastiveHead`
(openselfsup/models/heads/contrastive_head.py):
  * both necks on fixed C5 maps q_b, k_b [N, C, S, S]: global FC-ReLU-FC on the average pool;
    dense 1x1 conv-ReLU-1x1 conv; the spatial mean of the dense output;
  * L2 normalisation of q, k, the dense grids (over channels), the pooled dense key, and of the
    backbone maps (over channels);
  * the correspondence: for each query position, argmax over key positions of q_b^T k_b;
  * L_q = CE([q.k, q.queue] / tau, 0), L_r = CE([r_s.t_s*, r_s.queue2] / tau, 0) over N*S^2 rows,
    total = (1 - lambda) L_q + lambda L_r;
  * the gradient of the total w.r.t. the query neck's four parameters and w.r.t. q_b (the key
    side is computed under no_grad, as officially).
No distributed parts (shuffle-BN, all_gather) take part: they act before and after this stage.

Inputs come from torch.manual_seed(SEED) in float32, stored with their values exactly; the seed
is the first one for which every query position's best key position wins by a margin > 1e-3 in
cosine similarity, so float32 rounding differences cannot change the argmax. The queues are
stored [D, K] as in the official buffers; neck weights in PyTorch layout ([out, in] and
[out, in, 1, 1]); the test converts to NHWC / [in, out] / HWIO.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'densecl', 'densecl_golden.json')

N, C, S, HIDDEN, D, K = 3, 32, 4, 24, 16, 64
TAU, LAMBDA = 0.2, 0.5


def make_neck(generator):
    """DenseCLNeck's parameters, drawn like its init (kaiming-normal FC weights, PyTorch-default
    uniform 1x1 convs), except the FC biases: the official init zeroes them; small random values
    here make the test see whether they are used."""
    def uniform(shape, fan_in):
        bound = 1.0 / fan_in ** 0.5
        return (torch.rand(shape, generator=generator) * 2 - 1) * bound

    return {
        'mlp.0.weight': torch.randn(HIDDEN, C, generator=generator) * (2.0 / C) ** 0.5,
        'mlp.0.bias': torch.randn(HIDDEN, generator=generator) * 0.05,
        'mlp.2.weight': torch.randn(D, HIDDEN, generator=generator) * (2.0 / HIDDEN) ** 0.5,
        'mlp.2.bias': torch.randn(D, generator=generator) * 0.05,
        'mlp2.0.weight': uniform((HIDDEN, C, 1, 1), C),
        'mlp2.0.bias': uniform((HIDDEN,), C),
        'mlp2.2.weight': uniform((D, HIDDEN, 1, 1), HIDDEN),
        'mlp2.2.bias': uniform((D,), HIDDEN),
    }


def neck_forward(p, x):
    """DenseCLNeck.forward: [global projection, dense projection NxDxS^2, pooled dense NxD]."""
    pooled = F.adaptive_avg_pool2d(x, 1).flatten(1)
    single = F.linear(F.relu(F.linear(pooled, p['mlp.0.weight'], p['mlp.0.bias'])), p['mlp.2.weight'], p['mlp.2.bias'])
    dense = F.conv2d(F.relu(F.conv2d(x, p['mlp2.0.weight'], p['mlp2.0.bias'])), p['mlp2.2.weight'], p['mlp2.2.bias'])
    dense_pooled = F.adaptive_avg_pool2d(dense, 1).flatten(1)
    return single, dense.flatten(2), dense_pooled


def contrastive_head(pos, neg):
    logits = torch.cat([pos, neg], dim=1) / TAU
    return F.cross_entropy(logits, torch.zeros(pos.shape[0], dtype=torch.long))


def densecl_losses(neck_q, neck_k, q_b_map, k_b_map, queue, queue2):
    q, q_grid, _ = neck_forward(neck_q, q_b_map)
    q_b = F.normalize(q_b_map.flatten(2), dim=1)
    q = F.normalize(q, dim=1)
    q_grid = F.normalize(q_grid, dim=1)
    with torch.no_grad():
        k, k_grid, k2 = neck_forward(neck_k, k_b_map)
        k_b = F.normalize(k_b_map.flatten(2), dim=1)
        k = F.normalize(k, dim=1)
        k2 = F.normalize(k2, dim=1)
        k_grid = F.normalize(k_grid, dim=1)
    l_pos = (q * k).sum(1, keepdim=True)
    l_neg = q @ queue
    similarity = q_b.transpose(1, 2) @ k_b  # [N, S^2 query, S^2 key]
    matches = similarity.argmax(dim=2)
    positives = torch.gather(k_grid, 2, matches.unsqueeze(1).expand(-1, k_grid.shape[1], -1))
    l_pos_dense = (q_grid * positives).sum(1).reshape(-1, 1)
    rows = q_grid.transpose(1, 2).reshape(-1, q_grid.shape[1])
    l_neg_dense = rows @ queue2
    loss_single = contrastive_head(l_pos, l_neg)
    loss_dense = contrastive_head(l_pos_dense, l_neg_dense)
    total = loss_single * (1 - LAMBDA) + loss_dense * LAMBDA
    return total, loss_single, loss_dense, matches, similarity, k, k2


def draw(seed):
    g = torch.Generator().manual_seed(seed)
    q_b = torch.randn(N, C, S, S, generator=g).relu()  # C5 after a ReLU: non-negative
    k_b = torch.randn(N, C, S, S, generator=g).relu()
    neck_q = make_neck(g)
    neck_k = make_neck(g)
    queue = F.normalize(torch.randn(D, K, generator=g), dim=0)
    queue2 = F.normalize(torch.randn(D, K, generator=g), dim=0)
    return q_b, k_b, neck_q, neck_k, queue, queue2


def margin(similarity):
    top2 = similarity.topk(2, dim=2).values
    return (top2[..., 0] - top2[..., 1]).min().item()


def stored(t):
    t = t.detach()
    if t.dtype.is_floating_point:
        data = [float(v) for v in t.to(torch.float32).flatten().tolist()]
    else:
        data = [int(v) for v in t.flatten().tolist()]
    return {'shape': list(t.shape), 'data': data}


def main():
    seed = 0
    while True:
        q_b, k_b, neck_q, neck_k, queue, queue2 = draw(seed)
        *_, similarity, _, _ = densecl_losses(neck_q, neck_k, q_b, k_b, queue, queue2)
        if margin(similarity) > 1e-3:
            break
        seed += 1
    q_b.requires_grad_(True)
    for p in neck_q.values():
        p.requires_grad_(True)
    total, loss_single, loss_dense, matches, similarity, k, k2 = densecl_losses(neck_q, neck_k, q_b, k_b, queue, queue2)
    total.backward()

    # The same in float64 must agree: the float32 values are a faithful reference.
    f64 = densecl_losses({n: p.detach().double() for n, p in neck_q.items()}, {n: p.double() for n, p in neck_k.items()},
                         q_b.detach().double(), k_b.double(), queue.double(), queue2.double())
    assert abs(f64[0].item() - total.item()) < 1e-5 * abs(total.item()), (f64[0].item(), total.item())
    assert torch.equal(f64[3], matches)

    fixture = {
        'about': 'DenseCL losses after the backbones, following WXinlong/DenseCL forward_train; see tools/reference/densecl/make_densecl_golden.py',
        'seed': seed,
        'config': {'N': N, 'C': C, 'S': S, 'hidden': HIDDEN, 'D': D, 'K': K, 'temperature': TAU, 'lambda': LAMBDA},
        'argmaxMargin': margin(similarity),
        'inputs': {
            'q_b': stored(q_b), 'k_b': stored(k_b),
            'neck_q': {n: stored(p) for n, p in neck_q.items()},
            'neck_k': {n: stored(p) for n, p in neck_k.items()},
            'queue': stored(queue), 'queue2': stored(queue2),
        },
        'outputs': {
            'loss_single': loss_single.item(), 'loss_dense': loss_dense.item(), 'total': total.item(),
            'matches': stored(matches), 'k': stored(k), 'k2': stored(k2),
            'grad': {**{n: stored(p.grad) for n, p in neck_q.items()}, 'q_b': stored(q_b.grad)},
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'seed {seed}: L_q {loss_single.item():.6f} L_r {loss_dense.item():.6f} total {total.item():.6f} '
          f'(argmax margin {fixture["argmaxMargin"]:.4f}) -> {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
