#!/usr/bin/python3
"""Golden parameter trajectories of SGD, AdamW and SoCo-style LARS, for @ssdet/core's optimizers.

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/optim/make_optim_golden.py

Writes tools/reference/fixtures/optim/optim_golden.json. The TypeScript test
packages/core/src/train/optim/pytorch-agreement.test.ts replays the same 5 steps (same initial
parameters, same per-step gradients and learning rates, same parameter groups) and checks every
parameter after every step against the values recorded here.

What it checks:
  * sgd   - torch.optim.SGD, momentum 0.9 + nesterov + weight decay, two parameter groups (the bias
            group has 2x the learning rate and no weight decay).
  * adamw - torch.optim.AdamW (decoupled weight decay, bias correction, eps outside the sqrt),
            the bias group without weight decay.
  * lars  - the LARS of SoCo (hologerry/SoCo contrast/lars.py), re-written below from its
            description: parameters with one dimension are put in an "ignore" group without
            weight decay (SoCo's add_weight_decay); for the others the weight decay is added to the
            gradient, the gradient is scaled by trust * |w| / (|g| + eps) when both norms are
            positive, and torch.optim.SGD (momentum, no weight decay) applies the result. One
            weight starts at zero to exercise the zero-norm guard.

Parameters and gradients come from closed formulas (no random generator), in float32. Shapes are
used as-is on both sides: these optimizers are element-wise apart from whole-tensor norms, so
the layout (OIHW vs HWIO) does not matter.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'optim')
STEPS = 5

SHAPES = {
    'fc.weight': [3, 4],
    'conv.weight': [3, 3, 2, 4],
    'fc.bias': [4],
    'zero.weight': [2, 3],
}


def initial_value(name, shape):
    """Magnitudes in [0.3, 0.5] with alternating signs, or zeros for `zero.weight`."""
    n = math.prod(shape)
    if name == 'zero.weight':
        values = [0.0] * n
    else:
        offset = len(name)
        values = [(0.3 + 0.05 * ((7 * i + offset) % 5)) * (1 if i % 2 == 0 else -1) for i in range(n)]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def gradient(name, shape, step):
    """A different smooth pattern per parameter and step, about 0.1 in size."""
    n = math.prod(shape)
    offset = len(name)
    values = [0.1 * math.cos(0.37 * i * (step + 1) + 0.5 * offset + step) for i in range(n)]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def flat(tensor):
    return [float(v) for v in tensor.detach().reshape(-1).tolist()]


def make_params():
    return {name: torch.nn.Parameter(initial_value(name, shape)) for name, shape in SHAPES.items()}


def run(make_optimizer, learning_rates):
    """Runs STEPS steps; returns the parameters after each step (name -> list of flat arrays)."""
    params = make_params()
    step_fn, set_lr = make_optimizer(params)
    trajectory = {name: [] for name in params}
    for step in range(STEPS):
        for name, p in params.items():
            p.grad = gradient(name, SHAPES[name], step)
        set_lr(learning_rates[step])
        step_fn()
        for name, p in params.items():
            trajectory[name].append(flat(p))
    return trajectory


def torch_optimizer(optimizer, multipliers):
    """The step function and a setter of the scheduled learning rate (times each group's multiplier)."""

    def set_lr(lr):
        for group, multiplier in zip(optimizer.param_groups, multipliers):
            group['lr'] = lr * multiplier

    return optimizer.step, set_lr


SGD = dict(momentum=0.9, nesterov=True, weight_decay=0.01, bias_lr_multiplier=2.0)


def make_sgd(params):
    weights = [p for n, p in params.items() if n != 'fc.bias']
    optimizer = torch.optim.SGD(
        [
            {'params': weights},
            {'params': [params['fc.bias']], 'weight_decay': 0.0},
        ],
        lr=0.1, momentum=SGD['momentum'], nesterov=SGD['nesterov'], weight_decay=SGD['weight_decay'])
    return torch_optimizer(optimizer, [1.0, SGD['bias_lr_multiplier']])


ADAMW = dict(betas=[0.9, 0.999], eps=1e-8, weight_decay=0.05)


def make_adamw(params):
    weights = [p for n, p in params.items() if n != 'fc.bias']
    optimizer = torch.optim.AdamW(
        [
            {'params': weights},
            {'params': [params['fc.bias']], 'weight_decay': 0.0},
        ],
        lr=0.01, betas=tuple(ADAMW['betas']), eps=ADAMW['eps'], weight_decay=ADAMW['weight_decay'])
    return torch_optimizer(optimizer, [1.0, 1.0])


# A weight decay far above SoCo's 1e-5, so that where it enters (before the norm) shows in the result.
LARS = dict(momentum=0.9, weight_decay=0.1, trust_coefficient=0.001, eps=1e-8)


def make_lars(params):
    # SoCo's grouping: one-dimensional parameters go to a group without weight decay or adaptation.
    adapted = [p for p in params.values() if p.dim() > 1]
    excluded = [p for p in params.values() if p.dim() <= 1]
    groups = [
        {'params': excluded, 'weight_decay': 0.0, 'adapt': False},
        {'params': adapted, 'weight_decay': LARS['weight_decay'], 'adapt': True},
    ]
    sgd = torch.optim.SGD([{'params': g['params']} for g in groups], lr=0.1, momentum=LARS['momentum'])

    def step():
        with torch.no_grad():
            for group in groups:
                for p in group['params']:
                    if p.grad is None:
                        continue
                    g = p.grad
                    if group['weight_decay'] > 0:
                        g = g + group['weight_decay'] * p
                    if group['adapt']:
                        w_norm = torch.linalg.vector_norm(p)
                        g_norm = torch.linalg.vector_norm(g)
                        ratio = torch.tensor(1.0)
                        if w_norm > 0 and g_norm > 0:
                            ratio = LARS['trust_coefficient'] * w_norm / (g_norm + LARS['eps'])
                        g = g * ratio
                    p.grad = g
        sgd.step()

    _, set_lr = torch_optimizer(sgd, [1.0, 1.0])
    return step, set_lr


def main():
    os.makedirs(OUT, exist_ok=True)
    params = make_params()
    cases = {
        'sgd': dict(config=SGD, learning_rates=[0.1, 0.08, 0.06, 0.05, 0.04], make=make_sgd),
        'adamw': dict(config=ADAMW, learning_rates=[0.01, 0.01, 0.008, 0.006, 0.004], make=make_adamw),
        # BYOL-sized learning rates (0.2 x 4096 / 256 = 3.2) so LARS's small steps stay measurable.
        'lars': dict(config=LARS, learning_rates=[3.2, 3.0, 2.5, 2.0, 1.0], make=make_lars),
    }
    golden = {
        'torch': torch.__version__,
        'steps': STEPS,
        'shapes': SHAPES,
        'initial': {name: flat(p) for name, p in params.items()},
        'gradients': {
            name: [flat(gradient(name, shape, step)) for step in range(STEPS)]
            for name, shape in SHAPES.items()
        },
        'cases': {
            key: {
                'config': case['config'],
                'learningRates': case['learning_rates'],
                'trajectory': run(case['make'], case['learning_rates']),
            }
            for key, case in cases.items()
        },
    }
    path = os.path.join(OUT, 'optim_golden.json')
    with open(path, 'w') as f:
        json.dump(golden, f, indent=1)
        f.write('\n')
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
