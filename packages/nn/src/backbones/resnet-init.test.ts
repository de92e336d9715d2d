import { Rng, SsdetError, type BackboneRequest } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RESNET_BACKBONES } from '../stages/resnet-backbones.js';
import { useCpuBackend } from '../test-support/tensors.js';
import { ResNet } from './resnet.js';

useCpuBackend();

/** Sample standard deviation and largest magnitude of a tensor's values. */
function sampleStats(tensor: tf.Tensor): { readonly std: number; readonly maxAbs: number } {
  const values = tensor.dataSync();
  let sum = 0;
  let maxAbs = 0;
  for (const value of values) {
    sum += value;
    maxAbs = Math.max(maxAbs, Math.abs(value));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { std: Math.sqrt(squares / values.length), maxAbs };
}

/** HWIO kernel fans as PyTorch counts them: fan_in = k·k·in, fan_out = k·k·out. */
function kernelFans(weight: tf.Tensor): { readonly fanIn: number; readonly fanOut: number } {
  const [kh, kw, inChannels, outChannels] = weight.shape as [number, number, number, number];
  return { fanIn: kh * kw * inChannels, fanOut: kh * kw * outChannels };
}

/** A normal sample's std is within 6 standard errors (≈ 0.71·σ/√n) of σ. */
function expectNormalStd(name: string, weight: tf.Tensor, std: number): void {
  const sample = sampleStats(weight);
  const tolerance = (6 * 0.71 * std) / Math.sqrt(weight.size);
  expect(Math.abs(sample.std - std), `${name}: std ${sample.std} vs ${std}`).toBeLessThan(
    tolerance,
  );
}

const convNames = (net: ResNet): string[] =>
  [...net.variables().keys()].filter((name) => /conv\d\.weight$|downsample\.0\.weight$/.test(name));

describe('ResNet initialisation', () => {
  it('draws every convolution N(0, 2/fan_out) by default and N(0, 2/fan_in) with convInit "kaimingNormalFanIn"', () => {
    const fanOut = new ResNet({ depth: 50, widthMultiplier: 0.5, rng: Rng.fromSeed(3) });
    const fanIn = new ResNet({
      depth: 50,
      widthMultiplier: 0.5,
      convInit: 'kaimingNormalFanIn',
      rng: Rng.fromSeed(3),
    });
    const names = convNames(fanOut);
    expect(names).toHaveLength(53); // stem + 16 blocks × 3 + 4 shortcuts
    for (const name of names) {
      const a = fanOut.variables().get(name)!;
      const b = fanIn.variables().get(name)!;
      const fans = kernelFans(a);
      expectNormalStd(name, a, Math.sqrt(2 / fans.fanOut));
      expectNormalStd(name, b, Math.sqrt(2 / fans.fanIn));
      // Same stream, same standard normals: only the scale differs, by √(fan_out / fan_in).
      const ratio = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(tf.mul(a, Math.sqrt(fans.fanOut / fans.fanIn)), b))).dataSync(),
      )[0]!;
      expect(ratio, name).toBeLessThan(1e-6);
    }
  });

  it('zeroes exactly the last norm scale of every block with zeroInitResidual (bn3, bn2 for basic blocks)', () => {
    for (const [depth, last] of [
      [50, 'bn3'],
      [18, 'bn2'],
    ] as const) {
      const net = new ResNet({
        depth,
        widthMultiplier: 0.125,
        zeroInitResidual: true,
        rng: Rng.fromSeed(1),
      });
      const scales = [...net.variables()].filter(([name]) =>
        /(bn\d|downsample\.1)\.weight$/.test(name),
      );
      const zeroed = scales.filter(([name]) =>
        new RegExp(`^layer\\d\\.\\d+\\.${last}\\.weight$`).test(name),
      );
      expect(zeroed).toHaveLength(depth === 50 ? 16 : 8);
      for (const [name, scale] of scales) {
        const values = Array.from(scale.dataSync());
        const expected = zeroed.some(([zeroName]) => zeroName === name) ? 0 : 1;
        expect(
          values.every((value) => value === expected),
          `${name} = ${expected}`,
        ).toBe(true);
      }
      // The shifts and the convolutions are untouched.
      const plain = new ResNet({ depth, widthMultiplier: 0.125, rng: Rng.fromSeed(1) });
      for (const [name, variable] of plain.variables()) {
        if (/\.weight$/.test(name) && zeroed.some(([zeroName]) => zeroName === name)) continue;
        const difference = tf.tidy(
          () => tf.max(tf.abs(tf.sub(variable, net.variables().get(name)!))).dataSync()[0]!,
        );
        expect(difference, name).toBe(0);
      }
    }
  });

  it('makes every residual branch start at 0: the inner convolutions do not change the output', () => {
    const net = new ResNet({
      depth: 50,
      widthMultiplier: 0.125,
      zeroInitResidual: true,
      rng: Rng.fromSeed(2),
    });
    const images = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 5);
    const c5 = net.forward(images, { training: false })['C5']!;
    const inner = net.variables().get('layer4.1.conv2.weight')!;
    tf.tidy(() => inner.assign(tf.mul(inner, 7)));
    const again = net.forward(images, { training: false })['C5']!;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(c5, again))).dataSync()[0]!)).toBe(0);
    expect(tf.tidy(() => tf.max(c5).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([images, c5, again]);
  });

  it('refuses zeroInitResidual with frozen norms and an unknown convInit', () => {
    expect(
      () =>
        new ResNet({
          depth: 18,
          normLayer: 'frozen',
          zeroInitResidual: true,
          rng: Rng.fromSeed(1),
        }),
    ).toThrow(/zeroInitResidual.*frozen/);
    expect(
      () =>
        new ResNet({
          depth: 18,
          convInit: 'xavierUniform' as 'kaimingNormalFanIn',
          rng: Rng.fromSeed(1),
        }),
    ).toThrow(SsdetError);
  });

  it('is built as a backbone request asks (the registry factory forwards init)', () => {
    const factory = RESNET_BACKBONES.find((candidate) => candidate.name === 'resnet18')!;
    const request: BackboneRequest = {
      arch: 'resnet18',
      widthMultiplier: 0.25,
      rng: Rng.fromSeed(4),
      init: { conv: 'kaimingNormalFanIn', zeroInitResidual: true },
    };
    const built = factory.create(request).variables();
    const direct = new ResNet({
      depth: 18,
      widthMultiplier: 0.25,
      convInit: 'kaimingNormalFanIn',
      zeroInitResidual: true,
      rng: Rng.fromSeed(4),
    }).variables();
    for (const [name, variable] of direct) {
      const difference = tf.tidy(
        () => tf.max(tf.abs(tf.sub(variable, built.get(name)!))).dataSync()[0]!,
      );
      expect(difference, name).toBe(0);
    }
    expect(Array.from(built.get('layer3.1.bn2.weight')!.dataSync()).every((v) => v === 0)).toBe(
      true,
    );
  });
});
