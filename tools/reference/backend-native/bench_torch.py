"""PyTorch timings to set next to `npm run bench -- native` (@ssdet/backend-native).

Run:  /usr/bin/python3 tools/reference/backend-native/bench_torch.py [--threads 2] [--json out.json]

Measures, on the CPU with `torch.set_num_threads(threads)` (default 2), in NCHW and channels-last:
- 3x3 convolution 64 -> 64 on 8x64x56x56, stride 1, padding 1: forward, and forward + both
  gradients (3x the forward FLOPs), in GFLOP/s;
- a ResNet-18 training step at batch 8, 112x112: torchvision's resnet18 up to layer4, loss
  mean(C5^2), backward, plain SGD update (lr 0.01), in ms.
The same cases, shapes and loss as packages/backend-native/bench/native.bench.ts. Prints the
median of the timed repetitions (after warm-up); nothing here is a fixture.
"""
import argparse
import json
import statistics
import time

import torch
import torchvision


def median_ms(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def conv_cases(memory_format, repeats):
    batch, channels, size = 8, 64, 56
    flops = 2 * batch * size * size * channels * channels * 9
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)
    x = torch.randn(batch, channels, size, size)
    conv = conv.to(memory_format=memory_format)
    x = x.to(memory_format=memory_format)
    dy = torch.randn(batch, channels, size, size).to(memory_format=memory_format)

    def forward():
        with torch.no_grad():
            conv(x)

    xg = x.clone().requires_grad_(True)

    def forward_backward():
        conv.weight.grad = None
        xg.grad = None
        conv(xg).backward(dy)

    fwd = median_ms(forward, repeats)
    fwd_bwd = median_ms(forward_backward, repeats)
    return {
        "conv forward ms": fwd,
        "conv forward GFLOP/s": flops / fwd / 1e6,
        "conv forward+backward ms": fwd_bwd,
        "conv forward+backward GFLOP/s": 3 * flops / fwd_bwd / 1e6,
    }


def resnet_step(memory_format, repeats):
    torch.manual_seed(18)
    net = torchvision.models.resnet18()
    trunk = torch.nn.Sequential(
        net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4
    ).to(memory_format=memory_format)
    trunk.train()
    images = torch.randn(8, 3, 112, 112).to(memory_format=memory_format)
    optimizer = torch.optim.SGD(trunk.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = trunk(images).pow(2).mean()
        loss.backward()
        optimizer.step()
        loss.item()

    return {"resnet18 b8@112 training step ms": median_ms(step, repeats)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for label, memory_format in [("NCHW", torch.contiguous_format), ("channels_last", torch.channels_last)]:
        for key, value in {**conv_cases(memory_format, args.repeats), **resnet_step(memory_format, args.repeats)}.items():
            results[f"{label} {key}"] = value
    for key, value in results.items():
        print(f"{key:55s} {value:10.2f}" if isinstance(value, float) else f"{key:55s} {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
