#!/usr/bin/python3
"""Time a DenseCL training step under PyTorch DistributedDataParallel (gloo, CPU), for comparison
with packages/distributed/bench/distributed-densecl-step.bench.ts (`npm run bench -- distributed`).

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/reference/distributed/densecl_ddp_torch.py [--ranks 2] [--batch 8] [--size 224] [--steps 2]

The script starts --ranks copies of itself (plain processes, RANK/WORLD_SIZE and
MASTER_ADDR=127.0.0.1 in the environment, env:// initialisation, gloo backend, one intra-op thread
each). Every rank builds the DenseCL model of tools/reference/densecl/bench_densecl_torch.py
(torchvision ResNet-50 C5 + DenseCL neck, both heads, queues of 65,536 x 128) and trains on its
--batch / --ranks random images per view, as the official multi-GPU DenseCL does (written here
from its description, not copied): the query encoder wrapped in DistributedDataParallel
(broadcast_buffers=False, as OpenSelfSup's launcher; 25 MB gradient buckets), BatchNorm per rank;
the key encoder's batch shuffled across ranks (MoCo's batch_shuffle_ddp: all-gather the images,
rank 0's permutation broadcast, each rank encodes its slice, outputs all-gathered and put back in
order); L = 0.5 L_q + 0.5 L_r; backward with DDP's bucketed gradient allreduce; SGD (lr 0.03,
momentum 0.9, weight decay 1e-4); the momentum update m = 0.999; the all-gathered keys enqueued.

After --warmup untimed steps, each of --steps steps starts at a barrier; a step's time is the
slowest rank's. Rank 0 prints one JSON line: the mean step in wall seconds, the CPU seconds per
step summed over the ranks, and every step's time.
"""
import argparse
import copy
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'densecl'))


def concat_all_gather(tensor):
    import torch
    import torch.distributed as dist

    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts)


def encode_keys_shuffled(encoder, images):
    """The key encoder on a permutation of the global batch dealt over the ranks, outputs back in order."""
    import torch
    import torch.distributed as dist

    rank, world, local = dist.get_rank(), dist.get_world_size(), images.shape[0]
    everything = concat_all_gather(images)
    order = torch.randperm(everything.shape[0]) if rank == 0 else torch.empty(everything.shape[0], dtype=torch.long)
    dist.broadcast(order, src=0)
    outputs = encoder(everything[order.view(world, -1)[rank]])
    restore = torch.argsort(order).view(world, -1)[rank]
    return [concat_all_gather(output)[restore] for output in outputs]


def rank_main(args):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel

    from bench_densecl_torch import DIM, LAMBDA, M, QUEUE, TAU, Encoder

    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method='env://')
    rank, world = dist.get_rank(), dist.get_world_size()
    local = args.batch // world
    torch.manual_seed(0)  # the same initial weights and queues on every rank
    q_enc = Encoder().train()
    k_enc = copy.deepcopy(q_enc).train()
    for p in k_enc.parameters():
        p.requires_grad_(False)
    model = DistributedDataParallel(q_enc, broadcast_buffers=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    queue = F.normalize(torch.randn(DIM, QUEUE), dim=0)
    queue2 = F.normalize(torch.randn(DIM, QUEUE), dim=0)
    torch.manual_seed(1 + rank)  # this rank's shard of the batch
    im_q, im_k = torch.randn(local, 3, args.size, args.size), torch.randn(local, 3, args.size, args.size)
    state = {'ptr': 0}

    def step():
        c5_q, q, q_grid, _ = model(im_q)
        q_b = F.normalize(c5_q.flatten(2), dim=1)
        q, q_grid = F.normalize(q, dim=1), F.normalize(q_grid, dim=1)
        with torch.no_grad():
            c5_k, k, k_grid, k2 = encode_keys_shuffled(k_enc, im_k)
            k_b = F.normalize(c5_k.flatten(2), dim=1)
            k, k_grid, k2 = F.normalize(k, dim=1), F.normalize(k_grid, dim=1), F.normalize(k2, dim=1)
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / TAU
        loss_q = F.cross_entropy(logits, torch.zeros(local, dtype=torch.long))
        matches = (q_b.transpose(1, 2) @ k_b).argmax(2)
        positive = (q_grid * torch.gather(k_grid, 2, matches.unsqueeze(1).expand(-1, k_grid.shape[1], -1))).sum(1).reshape(-1, 1)
        rows = q_grid.transpose(1, 2).reshape(-1, DIM)
        logits_dense = torch.cat([positive, rows @ queue2], 1) / TAU
        loss_r = F.cross_entropy(logits_dense, torch.zeros(rows.shape[0], dtype=torch.long))
        loss = (1 - LAMBDA) * loss_q + LAMBDA * loss_r
        optimizer.zero_grad()
        loss.backward()  # DDP mean-allreduces the gradients in buckets during backward
        optimizer.step()
        with torch.no_grad():
            for p_q, p_k in zip(q_enc.parameters(), k_enc.parameters()):
                p_k.mul_(M).add_(p_q.detach(), alpha=1 - M)
            keys, dense_keys = concat_all_gather(k), concat_all_gather(k2)
            ptr = state['ptr']
            queue[:, ptr:ptr + keys.shape[0]] = keys.T
            queue2[:, ptr:ptr + keys.shape[0]] = dense_keys.T
            state['ptr'] = (ptr + keys.shape[0]) % QUEUE
        return loss.item()

    times, cpu_times = [], []
    for index in range(args.warmup + args.steps):
        dist.barrier()
        start, start_cpu = time.perf_counter(), time.process_time()
        loss = step()
        measured = torch.tensor([time.perf_counter() - start, time.process_time() - start_cpu, loss],
                                dtype=torch.float64)
        slowest, totals = measured.clone(), measured.clone()
        dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
        dist.all_reduce(totals, op=dist.ReduceOp.SUM)
        times.append(slowest[0].item())
        cpu_times.append(totals[1].item())
        if rank == 0:
            print(f'PyTorch DDP np {world} step {index}: {times[-1]:.2f} s', file=sys.stderr, flush=True)
    if rank == 0:
        timed, timed_cpu = times[args.warmup:], cpu_times[args.warmup:]
        print(json.dumps({
            'side': 'pytorch', 'backend': 'gloo', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
            'ranks': world, 'perRankBatch': local, 'size': args.size, 'steps': times,
            'seconds': sum(timed) / len(timed), 'cpuSeconds': sum(timed_cpu) / len(timed_cpu),
            'loss': totals[2].item() / world,
        }), flush=True)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def launch(args):
    if args.batch % args.ranks != 0:
        sys.exit(f'--batch {args.batch} must be a multiple of --ranks {args.ranks}')
    env = dict(os.environ, MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()),
               WORLD_SIZE=str(args.ranks), OMP_NUM_THREADS='1')
    command = [sys.executable, __file__, '--rank-process', '--batch', str(args.batch), '--size', str(args.size),
               '--steps', str(args.steps), '--warmup', str(args.warmup)]
    ranks = [subprocess.Popen(command, env=dict(env, RANK=str(rank))) for rank in range(args.ranks)]
    codes = [process.wait() for process in ranks]
    failed = [rank for rank, code in enumerate(codes) if code != 0]
    if failed:
        sys.exit(f'rank(s) {failed} failed with exit codes {[codes[r] for r in failed]}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--batch', type=int, default=8, help='global batch, split over the ranks')
    parser.add_argument('--size', type=int, default=224, help='side of the random views')
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--rank-process', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_process:
        rank_main(args)
    else:
        launch(args)


if __name__ == '__main__':
    main()
