import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './backend-name.js';

/** Outcome of preparing a backend: its tfjs registration name, or why it cannot be used. */
export type PreparedBackend =
  | { readonly ok: true; readonly tfjsName: string; readonly detail: string }
  | { readonly ok: false; readonly reason: string };

export interface BackendCandidate {
  readonly name: BackendName;
  /** Loads the packages the backend needs, once; never throws. */
  prepare(): Promise<PreparedBackend>;
}

/** How optional packages are found and imported; tests substitute it to simulate installed or broken ones. */
export interface ModuleLoader {
  isInstalled(specifier: string): boolean;
  load(specifier: string): Promise<unknown>;
}

/** Node's view from this package: a package is installed when a `node_modules` above us holds it. */
export const nodeModuleLoader: ModuleLoader = {
  isInstalled(specifier) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      if (existsSync(path.join(dir, 'node_modules', specifier, 'package.json'))) return true;
      const parent = path.dirname(dir);
      if (parent === dir) return false;
      dir = parent;
    }
  },
  load: (specifier) => import(specifier),
};

/** The four candidates in preference order, loading optional packages through `loader`. */
export function defaultBackendCandidates(
  loader: ModuleLoader = nodeModuleLoader,
): BackendCandidate[] {
  return [
    {
      name: 'tensorflow',
      prepare: async () => {
        const reasons: string[] = [];
        for (const specifier of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
          const loaded = await tryImport(loader, specifier, 'tensorflow');
          if (loaded.ok) return { ok: true, tfjsName: 'tensorflow', detail: `from ${specifier}` };
          reasons.push(loaded.reason);
        }
        return { ok: false, reason: reasons.join('; ') };
      },
    },
    {
      name: 'native',
      prepare: async () => {
        const loaded = await tryImport(loader, '@ssdet/backend-native', 'native');
        return loaded.ok
          ? { ok: true, tfjsName: 'native', detail: 'from @ssdet/backend-native (oneDNN)' }
          : loaded;
      },
    },
    {
      name: 'wasm',
      prepare: async () => {
        const loaded = await tryImport(loader, '@tensorflow/tfjs-backend-wasm', 'wasm');
        return loaded.ok
          ? { ok: true, tfjsName: 'wasm', detail: 'from @tensorflow/tfjs-backend-wasm' }
          : loaded;
      },
    },
    {
      name: 'cpu',
      prepare: async () => {
        const loaded = await tryImport(loader, '@tensorflow/tfjs-backend-cpu', 'cpu');
        return loaded.ok
          ? { ok: true, tfjsName: 'cpu', detail: 'pure JavaScript, always available' }
          : loaded;
      },
    },
  ];
}

/**
 * Imports a backend package for its side effect (registering a tfjs backend) and checks that the
 * registration reached *this* tfjs-core: a package bundling another tfjs-core copy would register
 * its kernels in a registry nobody reads.
 */
async function tryImport(
  loader: ModuleLoader,
  specifier: string,
  tfjsName: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!loader.isInstalled(specifier)) return { ok: false, reason: `${specifier} is not installed` };
  try {
    await loader.load(specifier);
  } catch (error) {
    return {
      ok: false,
      reason: `${specifier} is installed but failed to load: ${errorMessage(error)}`,
    };
  }
  if (tf.findBackendFactory(tfjsName) === null) {
    return {
      ok: false,
      reason: `${specifier} loaded but registered no "${tfjsName}" backend with this @tensorflow/tfjs-core (two copies of tfjs-core installed?)`,
    };
  }
  return { ok: true };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
