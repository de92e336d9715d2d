import path from 'node:path';
import {
  CheckpointManager,
  EventBus,
  Logger,
  type NamedVariables,
  type StoredTensor,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The artifacts a pre-training run's newest checkpoint exports (`backbone`, SoCo's `fpn` and
 * `head`, the DETR family's `detector`), each as stored tensors by export name (ssdet layout).
 * Undefined when the run has no readable checkpoint.
 */
export async function readRunArtifacts(
  runDir: string,
): Promise<ReadonlyMap<string, ReadonlyMap<string, StoredTensor>> | undefined> {
  const latest = await new CheckpointManager(
    path.join(runDir, 'checkpoints'),
    1,
    new Logger(new EventBus(), 'init'),
  ).loadLatest();
  if (latest === undefined) return undefined;
  const artifacts = new Map<string, Map<string, StoredTensor>>();
  for (const [artifact, index] of Object.entries(latest.meta.exports)) {
    const tensors = new Map<string, StoredTensor>();
    for (const [name, stored] of Object.entries(index)) {
      const tensor = latest.tensors.get(stored);
      if (tensor !== undefined) tensors.set(name, tensor);
    }
    artifacts.set(artifact, tensors);
  }
  return artifacts;
}

/**
 * Assigns stored tensors to the variables of the same name and shape; returns the names
 * assigned and the names whose shapes differ (a class head for other classes, for instance).
 */
export function assignMatching(
  variables: NamedVariables,
  tensors: ReadonlyMap<string, StoredTensor>,
): { assigned: string[]; differentShape: string[] } {
  const assigned: string[] = [];
  const differentShape: string[] = [];
  for (const [name, variable] of variables) {
    const stored = tensors.get(name);
    if (stored === undefined) continue;
    if (stored.shape.join('x') !== variable.shape.join('x')) {
      differentShape.push(name);
      continue;
    }
    tf.tidy(() => variable.assign(tf.tensor(stored.data, [...stored.shape], variable.dtype)));
    assigned.push(name);
  }
  return { assigned, differentShape };
}
