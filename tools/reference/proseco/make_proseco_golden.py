#!/usr/bin/python3
"""Golden fixtures for @ssdet/plugin-proseco's LocInfoNCE.

Run (dev-time only; the tests read the JSON this writes and never run Python):
    /usr/bin/python3 tools/reference/proseco/make_proseco_golden.py
Needs Debian's python3-torch (1.13), python3-torchvision and python3-scipy. Writes
tools/reference/fixtures/proseco/golden.json (a few tens of kB).

Each case: fixed student / teacher boxes (normalised cxcywh, [B, Q, 4] and [B, P, 4]) and
embeddings ([B, Q, E], [B, P, E]) → proseco_torch.proseco_contrast with the case's δ, τ, anchor
box, aggregation and embedding matching cost → the matching, the positive mask, the loss, and
d loss / d student embeddings.
Teacher boxes are jittered copies of a few "objects" so that positives beyond the matched one occur.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proseco_torch import proseco_contrast  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'proseco')
torch.manual_seed(0)


def arr(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {'shape': list(t.shape), 'data': [round(float(v), 8) for v in t.reshape(-1).tolist()]}


def boxes(b, n, objects=3):
    """Boxes clustered around `objects` centres per image, so that several overlap."""
    centres = torch.rand(b, objects, 2) * 0.6 + 0.2
    sizes = torch.rand(b, objects, 2) * 0.3 + 0.1
    pick = torch.randint(0, objects, (b, n))
    c = torch.gather(centres, 1, pick[..., None].expand(-1, -1, 2)) + torch.randn(b, n, 2) * 0.03
    s = torch.gather(sizes, 1, pick[..., None].expand(-1, -1, 2)) * (1 + torch.randn(b, n, 2) * 0.1)
    return torch.cat([c.clamp(0.05, 0.95), s.clamp(0.02, 0.6)], -1)


def case(name, b, q, p, e, delta, tau, anchor, aggregation, cost_emb=0.0):
    sb, tb = boxes(b, q), boxes(b, p)
    se = torch.randn(b, q, e, dtype=torch.float64, requires_grad=True)
    te = torch.randn(b, p, e, dtype=torch.float64)
    loss, matched, positives = proseco_contrast(sb, se, tb, te, delta, tau, anchor, aggregation,
                                                cost_emb=cost_emb)
    loss.backward()
    print(f'{name}: loss {loss.item():.6f}, {int(positives.sum())} positives of {positives.numel()}',
          file=sys.stderr)
    return {
        'name': name, 'delta': delta, 'tau': tau, 'anchor': anchor, 'aggregation': aggregation,
        'costEmbedding': cost_emb,
        'studentBoxes': arr(sb), 'teacherBoxes': arr(tb),
        'studentEmbeddings': arr(se), 'teacherEmbeddings': arr(te),
        'matched': matched.tolist(), 'positives': arr(positives.to(torch.float64)),
        'loss': float(loss), 'gradStudent': arr(se.grad),
    }


def main():
    cases = [
        case('teacher-anchor mean-log', 2, 6, 6, 8, 0.5, 0.1, 'teacher', 'mean-log'),
        case('teacher-anchor log-sum', 2, 6, 6, 8, 0.5, 0.1, 'teacher', 'log-sum'),
        case('student-anchor mean-log, tau 0.2', 3, 5, 5, 4, 0.3, 0.2, 'student', 'mean-log'),
        case('fewer proposals than queries', 2, 6, 4, 8, 0.5, 0.1, 'teacher', 'mean-log'),
        # Last, so the cases above draw the same random numbers as before this one was added.
        case('embedding matching cost 4', 2, 6, 6, 8, 0.5, 0.1, 'teacher', 'mean-log', 4.0),
    ]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)


if __name__ == '__main__':
    main()
