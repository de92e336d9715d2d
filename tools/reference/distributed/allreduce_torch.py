#!/usr/bin/python3
"""Time PyTorch's bucketed allreduce of ResNet-50's gradients over gloo, for comparison with
packages/distributed/bench/allreduce.bench.ts (`npm run bench -- distributed`).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/distributed/allreduce_torch.py [--ranks 2] [--reps 10]
    /usr/bin/python3 tools/reference/distributed/allreduce_torch.py --write-shapes

--write-shapes writes torchvision's resnet50 parameter shapes (161 tensors, 25,557,032 floats) to
tools/reference/fixtures/distributed/resnet50_gradient_shapes.json, which both sides read.

Otherwise the script starts --ranks copies of itself (plain processes, RANK/WORLD_SIZE and
MASTER_ADDR=127.0.0.1 in the environment, torch.distributed's env:// initialisation, gloo
backend, one intra-op thread each) and every rank times what DistributedDataParallel does with a
step's gradients after backward, written here from its documented behaviour: parameters in
reverse order grouped into buckets (the first of 1 MB, the others up to bucket_cap_mb = 25 MB),
each bucket's gradients copied into one flat tensor, one all_reduce per bucket, divided by the
world size and copied back. After --warmup untimed rounds, each of --reps rounds starts at a
barrier; a round's time is the slowest rank's. Rank 0 prints one JSON line: the median and best
round in seconds, the bytes reduced and the bus bandwidth 2(N-1)/N * bytes / time.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, '..', 'fixtures', 'distributed', 'resnet50_gradient_shapes.json')
FIRST_BUCKET_BYTES = 1 * 2**20
BUCKET_CAP_BYTES = 25 * 2**20


def write_shapes():
    import torchvision

    model = torchvision.models.resnet50()
    shapes = [list(parameter.shape) for parameter in model.parameters()]
    os.makedirs(os.path.dirname(SHAPES), exist_ok=True)
    with open(SHAPES, 'w') as out:
        json.dump({'model': 'torchvision resnet50 (0.14), model.parameters() in order',
                   'tensors': len(shapes),
                   'floats': sum(_numel(shape) for shape in shapes),
                   'shapes': shapes}, out)
        out.write('\n')
    print(f'wrote {len(shapes)} shapes to {SHAPES}')


def _numel(shape):
    count = 1
    for side in shape:
        count *= side
    return count


def buckets(gradients):
    """DDP's grouping: reverse parameter order, a small first bucket, then bucket_cap_mb."""
    groups, current, size = [], [], 0
    cap = FIRST_BUCKET_BYTES
    for gradient in reversed(gradients):
        current.append(gradient)
        size += gradient.numel() * gradient.element_size()
        if size >= cap:
            groups.append(current)
            current, size, cap = [], 0, BUCKET_CAP_BYTES
    if current:
        groups.append(current)
    return groups


def rank_main(args):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method='env://')
    rank, world = dist.get_rank(), dist.get_world_size()
    with open(SHAPES) as source:
        shapes = json.load(source)['shapes']
    generator = torch.Generator().manual_seed(rank)
    gradients = [torch.randn(shape, generator=generator) for shape in shapes]
    groups = buckets(gradients)
    flats = [torch.empty(sum(g.numel() for g in group)) for group in groups]

    def allreduce_step():
        for group, flat in zip(groups, flats):
            offset = 0
            for gradient in group:
                flat[offset:offset + gradient.numel()].copy_(gradient.view(-1))
                offset += gradient.numel()
            dist.all_reduce(flat)
            flat.div_(world)
            offset = 0
            for gradient in group:
                gradient.view(-1).copy_(flat[offset:offset + gradient.numel()])
                offset += gradient.numel()

    times = []
    for round_ in range(args.warmup + args.reps):
        dist.barrier()
        start = time.perf_counter()
        allreduce_step()
        elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        if round_ >= args.warmup:
            times.append(elapsed.item())
    if rank == 0:
        times.sort()
        median = times[len(times) // 2]
        nbytes = sum(g.numel() for g in gradients) * 4
        print(json.dumps({
            'side': 'pytorch', 'backend': 'gloo', 'torch': torch.__version__, 'ranks': world,
            'tensors': len(gradients), 'buckets': len(groups), 'bytes': nbytes,
            'medianSeconds': median, 'bestSeconds': times[0],
            'busBandwidthGBps': 2 * (world - 1) / world * nbytes / median / 1e9,
        }))
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def launch(args):
    env = dict(os.environ, MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()),
               WORLD_SIZE=str(args.ranks), OMP_NUM_THREADS='1')
    ranks = [subprocess.Popen([sys.executable, __file__, '--rank-process', '--reps', str(args.reps),
                               '--warmup', str(args.warmup)], env=dict(env, RANK=str(rank)))
             for rank in range(args.ranks)]
    codes = [process.wait() for process in ranks]
    failed = [rank for rank, code in enumerate(codes) if code != 0]
    if failed:
        sys.exit(f'rank(s) {failed} failed with exit codes {[codes[r] for r in failed]}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--reps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--write-shapes', action='store_true')
    parser.add_argument('--rank-process', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_shapes:
        write_shapes()
    elif args.rank_process:
        rank_main(args)
    else:
        launch(args)


if __name__ == '__main__':
    main()
