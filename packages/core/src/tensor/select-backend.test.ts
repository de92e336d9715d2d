import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { SsdetEvent } from '../events/event-map.js';
import {
  defaultBackendCandidates,
  nodeModuleLoader,
  type BackendCandidate,
  type ModuleLoader,
} from './backend-candidates.js';
import { CNN_TRAINING_KERNELS } from './backend-name.js';
import { selectBackend } from './select-backend.js';

/**
 * Real packages, except those a test pretends are installed with the given (broken) behaviour,
 * and the native backend, which tests treat as absent so that they do not depend on whether
 * this machine built it.
 */
function loaderWith(pretendInstalled: Record<string, () => Promise<unknown>> = {}): ModuleLoader {
  return {
    isInstalled: (specifier) =>
      specifier in pretendInstalled ||
      (specifier !== '@ssdet/backend-native' && nodeModuleLoader.isInstalled(specifier)),
    load: (specifier) => pretendInstalled[specifier]?.() ?? nodeModuleLoader.load(specifier),
  };
}

const withoutNative = (): BackendCandidate[] => defaultBackendCandidates(loaderWith());

describe('selectBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('without tfjs-node or the native backend installed, falls back to wasm and says why', async () => {
    const bus = new EventBus();
    const events: SsdetEvent[] = [];
    bus.subscribe((event) => events.push(event));

    const selection = await selectBackend({ bus, candidates: withoutNative() });

    expect(selection.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.skipped.map((skip) => skip.backend)).toEqual(['tensorflow', 'native']);
    expect(selection.skipped[0]?.reason).toBe(
      '@tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed',
    );
    expect(selection.skipped[1]?.reason).toBe('@ssdet/backend-native is not installed');
    expect(events).toEqual([
      expect.objectContaining({ type: 'backend.selected', backend: 'wasm' }),
    ]);
  });

  it('skips wasm for a CNN training run, which needs Conv2DBackpropFilter, and lands on cpu', async () => {
    const selection = await selectBackend({
      requiredKernels: CNN_TRAINING_KERNELS,
      candidates: withoutNative(),
    });
    expect(selection.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selection.skipped.map((skip) => skip.backend)).toEqual(['tensorflow', 'native', 'wasm']);
    expect(selection.skipped[2]?.reason).toMatch(/no Conv2DBackpropFilter kernel/);
  });

  it('a forced backend that is unavailable is a clear error, never a fallback', async () => {
    await expect(
      selectBackend({ request: 'tensorflow', candidates: withoutNative() }),
    ).rejects.toThrow(
      /"tensorflow" was requested but cannot be used: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed/,
    );
    await expect(
      selectBackend({ request: 'native', candidates: withoutNative() }),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      hint: expect.stringMatching(/libdnnl-dev/),
    });
    // wasm is installed: the hint names the missing kernel, not a package to install.
    const wasm = selectBackend({ request: 'wasm', requiredKernels: CNN_TRAINING_KERNELS });
    await expect(wasm).rejects.toThrow(/Conv2DBackpropFilter/);
    await expect(wasm).rejects.toMatchObject({
      hint: expect.stringMatching(
        /^The wasm backend is installed but has no Conv2DBackpropFilter.* kernels?, so it cannot run this; use --backend auto \(or native \/ cpu\)\.$/,
      ),
    });
    await expect(wasm).rejects.not.toMatchObject({ hint: expect.stringMatching(/Install/) });
  });

  it('a forced available backend is used even when a better one exists', async () => {
    const selection = await selectBackend({ request: 'cpu' });
    expect(selection).toMatchObject({ backend: 'cpu', skipped: [] });
    expect(selection.reason).toMatch(/requested with --backend cpu/);
  });

  it('tells an installed-but-broken tfjs-node apart from a missing one', async () => {
    const candidates = defaultBackendCandidates(
      loaderWith({
        '@tensorflow/tfjs-node': () =>
          Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file')),
      }),
    );
    const selection = await selectBackend({ candidates, dryRun: true });
    expect(selection.skipped[0]?.reason).toBe(
      '@tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is installed but failed to load: libtensorflow.so.2: cannot open shared object file',
    );
  });

  it('notices a backend package that registered with another copy of tfjs-core', async () => {
    const candidates = defaultBackendCandidates(
      loaderWith({ '@tensorflow/tfjs-node-gpu': () => Promise.resolve({}) }),
    );
    const selection = await selectBackend({ candidates, dryRun: true });
    expect(selection.skipped[0]?.reason).toMatch(
      /registered no "tensorflow" backend with this @tensorflow\/tfjs-core/,
    );
  });

  it('follows the preference order whatever order the candidates come in', async () => {
    const tried: string[] = [];
    const fake = (name: BackendCandidate['name'], ok: boolean): BackendCandidate => ({
      name,
      prepare: () => {
        tried.push(name);
        return Promise.resolve(
          ok ? { ok: true, tfjsName: 'cpu', detail: 'fake' } : { ok: false, reason: `${name} off` },
        );
      },
    });
    const selection = await selectBackend({
      candidates: [
        fake('cpu', true),
        fake('wasm', true),
        fake('tensorflow', false),
        fake('native', true),
      ],
      dryRun: true,
    });
    expect(tried).toEqual(['tensorflow', 'native']);
    expect(selection.backend).toBe('native');
    expect(selection.skipped).toEqual([{ backend: 'tensorflow', reason: 'tensorflow off' }]);
  });
});
