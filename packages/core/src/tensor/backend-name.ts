/** The tensor backends ssdet knows, best first. */
export const BACKEND_PREFERENCE = ['tensorflow', 'native', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_PREFERENCE)[number];

/** `auto` takes the best available; a name forces that backend or fails. */
export type BackendRequest = 'auto' | BackendName;

export function isBackendRequest(value: string): value is BackendRequest {
  return value === 'auto' || (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** Kernels a training step of a CNN needs; `wasm` ships without Conv2DBackpropFilter. */
export const CNN_TRAINING_KERNELS: readonly string[] = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
];
