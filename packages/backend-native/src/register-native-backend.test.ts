import { BATCH_NORM_TRAINING, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  loadNativePackage,
  nativeBuilt,
} from './test-support/native-test-support.js';

describe('importing @ssdet/backend-native without the addon built', () => {
  it.skipIf(nativeBuilt)('throws an Error whose first line says how to build it', async () => {
    await expect(loadNativePackage()).rejects.toThrow(
      /^the native addon is not built: run `npm run build:native -w @ssdet\/backend-native`/,
    );
  });
});

describe(`registering the native backend${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
  });

  it.skipIf(!nativeBuilt)(
    'registers "native" with this tfjs-core, above cpu, with every cpu kernel',
    async () => {
      const pkg = await loadNativePackage();
      expect(tf.findBackendFactory('native')).not.toBeNull();
      expect(pkg.NATIVE_BACKEND_PRIORITY).toBeGreaterThan(1);
      const nativeKernels = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
      const missing = tf
        .getKernelsForBackend('cpu')
        .filter((k) => !nativeKernels.has(k.kernelName));
      expect(missing.map((k) => k.kernelName)).toEqual([]);
      expect(nativeKernels.has(BATCH_NORM_TRAINING)).toBe(true);
      expect(tf.getGradient(BATCH_NORM_TRAINING)).toBeDefined();
    },
  );

  it.skipIf(!nativeBuilt)('importing twice registers nothing twice', async () => {
    const first = await loadNativePackage();
    const again = await loadNativePackage();
    expect(again).toBe(first);
    expect(tf.getKernelsForBackend('native').filter((k) => k.kernelName === 'Conv2D')).toHaveLength(
      1,
    );
  });

  it.skipIf(!nativeBuilt)(
    'is what the core selects for --backend native, and trains a CNN',
    async () => {
      await loadNativePackage();
      const selection = await selectBackend({
        request: 'native',
        requiredKernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
      });
      expect(selection.backend).toBe('native');
      expect(tf.getBackend()).toBe('native');
      expect(tf.backend().constructor.name).toBe('NativeBackend');
      await selectBackend({ request: 'cpu' });
    },
  );

  it.skipIf(!nativeBuilt)('reports the oneDNN version it runs on', async () => {
    const pkg = await loadNativePackage();
    expect(pkg.onednnVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
