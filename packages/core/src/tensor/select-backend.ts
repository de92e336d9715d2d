import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '../errors/ssdet-error.js';
import type { EventBus } from '../events/event-bus.js';
import { defaultBackendCandidates, type BackendCandidate } from './backend-candidates.js';
import { BACKEND_PREFERENCE, type BackendName, type BackendRequest } from './backend-name.js';

export interface BackendSelection {
  readonly backend: BackendName;
  /** The tfjs backend name that is now active (`tf.getBackend()`). */
  readonly tfjsName: string;
  readonly reason: string;
  /** Every better backend that was passed over, and why. */
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
}

export interface SelectBackendOptions {
  readonly request?: BackendRequest;
  /** Kernels the run needs; a backend without them is skipped (auto) or refused (forced). */
  readonly requiredKernels?: readonly string[];
  readonly candidates?: readonly BackendCandidate[];
  /** Receives a `backend.selected` event. */
  readonly bus?: EventBus;
  /** Only report what would be chosen; leave the active tfjs backend as it is. */
  readonly dryRun?: boolean;
}

/**
 * Activates the best available tfjs backend — `tensorflow` (tfjs-node-gpu, then tfjs-node), then
 * ssdet's `native`, then `wasm`, then `cpu` — or exactly the requested one, and says why each
 * better one was skipped. A forced backend that is unavailable is an error, never a silent fallback.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const request = options.request ?? 'auto';
  const candidates = options.candidates ?? defaultBackendCandidates();
  const ordered = BACKEND_PREFERENCE.flatMap((name) =>
    candidates.filter((candidate) => candidate.name === name),
  );
  const considered =
    request === 'auto' ? ordered : ordered.filter((candidate) => candidate.name === request);
  const skipped: { backend: BackendName; reason: string }[] = [];
  /** Backends that are installed and start, but lack a kernel the run needs. */
  const lacking = new Map<BackendName, string[]>();

  for (const candidate of considered) {
    const prepared = await candidate.prepare();
    if (!prepared.ok) {
      skipped.push({ backend: candidate.name, reason: prepared.reason });
      continue;
    }
    const missing = (options.requiredKernels ?? []).filter(
      (kernel) => tf.getKernel(kernel, prepared.tfjsName) === undefined,
    );
    if (missing.length > 0) {
      lacking.set(candidate.name, missing);
      skipped.push({
        backend: candidate.name,
        reason: `has no ${missing.join(', ')} kernel${missing.length > 1 ? 's' : ''}, which this run needs`,
      });
      continue;
    }
    if (!options.dryRun && !(await activate(prepared.tfjsName))) {
      skipped.push({
        backend: candidate.name,
        reason: `tfjs could not initialise the "${prepared.tfjsName}" backend`,
      });
      continue;
    }
    const selection: BackendSelection = {
      backend: candidate.name,
      tfjsName: prepared.tfjsName,
      reason:
        request === 'auto'
          ? `best available (${prepared.detail})`
          : `requested with --backend ${request} (${prepared.detail})`,
      skipped,
    };
    options.bus?.emit('backend.selected', {
      backend: selection.backend,
      reason: selection.reason,
      skipped,
    });
    return selection;
  }

  if (request !== 'auto') {
    throw new SsdetError(
      'BACKEND_UNAVAILABLE',
      `The tensor backend "${request}" was requested but cannot be used: ${skipped.map((s) => s.reason).join('; ') || 'no such backend is known'}.`,
      { hint: hintFor(request, lacking.get(request)) },
    );
  }
  throw new SsdetError(
    'BACKEND_UNAVAILABLE',
    `No tensor backend is usable: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}.`,
  );
}

async function activate(tfjsName: string): Promise<boolean> {
  const ok = await tf.setBackend(tfjsName);
  if (!ok) return false;
  await tf.ready();
  // tfjs-backend-cpu prints a "use tfjs-node" banner on its first tensor; library code must not
  // print, and the selection event already says which backend runs and why.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
  return true;
}

function hintFor(request: BackendName, missingKernels: readonly string[] | undefined): string {
  // Installed and working, only not for this run: installing it again would not help.
  if (missingKernels !== undefined)
    return `The ${request} backend is installed but has no ${missingKernels.join(', ')} kernel${missingKernels.length > 1 ? 's' : ''}, so it cannot run this; use --backend auto (or ${BACKEND_PREFERENCE.filter((name) => name !== request && name !== 'tensorflow').join(' / ')}).`;
  switch (request) {
    case 'tensorflow':
      return 'Install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (needs network access to download libtensorflow), or use --backend auto.';
    case 'native':
      return 'Install and build @ssdet/backend-native (needs libdnnl-dev), or use --backend auto.';
    case 'wasm':
      return 'Install @tensorflow/tfjs-backend-wasm, or use --backend auto.';
    case 'cpu':
      return 'Reinstall @tensorflow/tfjs-backend-cpu.';
  }
}
