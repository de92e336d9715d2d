import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatKernelProfile, profileKernels } from './profile-kernels.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('profileKernels', () => {
  it('counts each kernel call under its name and sorts by time', async () => {
    const a = tf.ones([64, 64]);
    const profile = await profileKernels(() => {
      tf.tidy(() => {
        const b = tf.matMul(a, a);
        tf.add(tf.add(b, 1), 2);
      });
    });
    const calls = new Map(profile.kernels.map((k) => [k.kernel, k.calls]));
    expect(calls.get('BatchMatMul')).toBe(1);
    expect(calls.get('Add')).toBe(2);
    const times = profile.kernels.map((k) => k.ms);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(formatKernelProfile(profile)[0]).toMatch(/^\d+ kernel calls, \d+ ms in kernels/);
    const adds = profile.byShape.filter((k) => k.kernel === 'Add');
    expect(adds.map((k) => [k.shapes, k.calls])).toEqual([['[64,64] []', 2]]);
    expect(formatKernelProfile(profile, 15, 3)).toContain('heaviest kernels by input shapes:');
    a.dispose();
  });
});
