"""PyTorch's side of `npm run bench -- backend` (@ssdet/backend-native).

Run:  /usr/bin/python3 tools/reference/backend-native/bench_torch.py --cases cases.json [--threads 2]
          [--repeats 3] [--conv-repeats 10] [--json out.json]

The benchmark writes `cases.json` (so both sides measure the same shapes) and runs this script:
- convolutions `{"name", "batch", "cin", "cout", "k", "stride", "pad", "size"}`: forward, and
  forward + both gradients, timed in NCHW and channels-last;
- training steps `{"name", "depth", "batch", "size"}`: torchvision's ResNet-{depth} up to layer4,
  loss mean(C5^2), backward, SGD momentum 0.9 (lr 0.01), in NCHW and channels-last. Each step case
  runs in a fresh child process so that its peak resident memory (ru_maxrss) is its own.
Prints JSON: {"torch", "threads", "conv": {name: {format: {"forward_ms", "forward_backward_ms"}}},
"step": {name: {format: {"ms", "peak_rss_mib", "baseline_rss_mib"}}}} — medians after one warm-up.
Nothing here is a fixture.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch
import torchvision

FORMATS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


def median_ms(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def conv_case(case, memory_format, repeats):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(case["cin"], case["cout"], case["k"], stride=case["stride"],
                           padding=case["pad"], bias=False).to(memory_format=memory_format)
    x = torch.randn(case["batch"], case["cin"], case["size"], case["size"]).to(memory_format=memory_format)
    with torch.no_grad():
        dy = torch.randn_like(conv(x))
    xg = x.clone().requires_grad_(True)

    def forward():
        with torch.no_grad():
            conv(x)

    def forward_backward():
        conv.weight.grad = None
        xg.grad = None
        conv(xg).backward(dy)

    return {"forward_ms": median_ms(forward, repeats), "forward_backward_ms": median_ms(forward_backward, repeats)}


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_case(case, memory_format, repeats):
    torch.manual_seed(case["depth"])
    net = getattr(torchvision.models, f"resnet{case['depth']}")()
    trunk = torch.nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2,
                                net.layer3, net.layer4).to(memory_format=memory_format)
    trunk.train()
    images = torch.randn(case["batch"], 3, case["size"], case["size"]).to(memory_format=memory_format)
    optimizer = torch.optim.SGD(trunk.parameters(), lr=0.01, momentum=0.9)
    baseline = max_rss_mib()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = trunk(images).pow(2).mean()
        loss.backward()
        optimizer.step()
        loss.item()

    ms = median_ms(step, repeats)
    return {"ms": ms, "peak_rss_mib": max_rss_mib(), "baseline_rss_mib": baseline}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", required=True, help="JSON file with {conv: [...], step: [...]}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="timed training steps")
    parser.add_argument("--conv-repeats", type=int, default=10, help="timed calls per convolution")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--step-only", help=argparse.SUPPRESS)  # child mode: name, then format
    parser.add_argument("--format", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)

    if args.step_only:
        case = next(c for c in cases["step"] if c["name"] == args.step_only)
        print(json.dumps(step_case(case, FORMATS[args.format], args.repeats)))
        return

    results = {"torch": torch.__version__, "threads": torch.get_num_threads(), "conv": {}, "step": {}}
    for case in cases.get("conv", []):
        results["conv"][case["name"]] = {
            label: conv_case(case, fmt, args.conv_repeats) for label, fmt in FORMATS.items()
        }
    for case in cases.get("step", []):
        results["step"][case["name"]] = {}
        for label in FORMATS:
            child = subprocess.run(
                [sys.executable, __file__, "--cases", args.cases, "--threads", str(args.threads),
                 "--repeats", str(args.repeats), "--step-only", case["name"], "--format", label],
                check=True, capture_output=True, text=True)
            results["step"][case["name"]][label] = json.loads(child.stdout.strip().splitlines()[-1])
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
