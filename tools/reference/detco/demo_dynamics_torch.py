"""DetCo's demo dynamics in PyTorch: the reference step of `bench_detco_torch.py` (the port's
heads and losses, shuffle-BN in 2 groups) trained on ssdet's own demo views, with the demo
preset's queue of 16 keys, m 0.99 and lr 0.03 on a per-step cosine. It prints every 10th step's
unweighted terms at res4 and res5 and the mean pairwise cosine of the res5 keys in the local and
global queues, to compare with `ssdet pretrain --method detco --demo`.

    node tools/reference/detco/dump_demo_views.mjs /tmp/detco-demo-views
    /usr/bin/python3 tools/reference/detco/demo_dynamics_torch.py /tmp/detco-demo-views [arch] [steps]

The demo's half-width ResNet-18 is not a torchvision model; the default is the full-width one.
"""
import copy
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_detco_torch as ref  # noqa: E402

SIZE, PATCH, GRID, QUEUE, BATCH = 64, 24, 9, 16, 8


def main():
    views = sys.argv[1]
    arch = sys.argv[2] if len(sys.argv) > 2 else 'resnet18'
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    ref.M = 0.99
    torch.set_num_threads(2)
    torch.manual_seed(0)

    def load(name, shape):
        values = np.fromfile(os.path.join(views, f'{name}.f32'), dtype=np.float32, count=int(np.prod(shape)))
        return torch.from_numpy(values.reshape(shape))

    count = steps * BATCH
    images = {name: load(name, (count, SIZE, SIZE, 3)).permute(0, 3, 1, 2).contiguous() for name in ('query', 'key')}
    # A patch set is its 9 patches stacked top to bottom: [N, 9·24, 24, 3] -> [N, 9, 3, 24, 24].
    patches = {name: load(name, (count, GRID, PATCH, PATCH, 3)).permute(0, 1, 4, 2, 3).contiguous()
               for name in ('query_patches', 'key_patches')}
    q_enc = ref.Encoder(arch).train()
    k_enc = copy.deepcopy(q_enc).train()
    for p in k_enc.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD(q_enc.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    queues = F.normalize(torch.randn(8, ref.DIM, QUEUE), dim=1)
    ptr = 0
    off_diagonal = ~torch.eye(QUEUE, dtype=torch.bool)
    for s in range(steps):
        for group in optimizer.param_groups:
            group['lr'] = 0.03 * 0.5 * (1 + math.cos(math.pi * s / steps))
        part = slice(s * BATCH, (s + 1) * BATCH)
        q = F.normalize(ref.in_groups(q_enc, images['query'][part], patches['query_patches'][part].flatten(0, 1)), dim=2)
        with torch.no_grad():
            k = F.normalize(ref.in_groups(k_enc, images['key'][part], patches['key_patches'][part].flatten(0, 1),
                                          torch.randperm(BATCH)), dim=2)
        terms = []
        for i in range(4):
            terms += [ref.info_nce(q[:, i], k[:, i], queues[i]),
                      ref.info_nce(q[:, 4 + i], k[:, 4 + i], queues[4 + i]),
                      ref.info_nce(q[:, 4 + i], k[:, i], queues[i])]
        loss = sum(ref.WEIGHTS[i] * sum(terms[3 * i:3 * i + 3]) for i in range(4))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for p_q, p_k in zip(q_enc.parameters(), k_enc.parameters()):
                p_k.mul_(ref.M).add_(p_q.detach(), alpha=1 - ref.M)
            queues[:, :, ptr:ptr + BATCH] = k.permute(1, 2, 0)
            ptr = (ptr + BATCH) % QUEUE
        if s % 10 == 0 or s == steps - 1:
            t = [x.item() for x in terms]
            cosine = {name: (queues[index].T @ queues[index])[off_diagonal].mean().item()
                      for name, index in (('local', 7), ('global', 3))}
            print(f'step {s + 1} loss {loss.item():.3f} | res4 g2g {t[6]:.3f} l2l {t[7]:.3f} l2g {t[8]:.3f} '
                  f'| res5 g2g {t[9]:.3f} l2l {t[10]:.3f} l2g {t[11]:.3f} '
                  f'| res5 key cosine local {cosine["local"]:.4f} global {cosine["global"]:.4f} '
                  f'(chance per term {math.log(QUEUE + 1):.3f})', flush=True)


if __name__ == '__main__':
    main()
