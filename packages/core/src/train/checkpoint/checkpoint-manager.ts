import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { NamedVariables } from '../../contracts/parameters.js';
import { SsdetError, isSsdetError } from '../../errors/ssdet-error.js';
import type { Logger } from '../../events/logger.js';
import type { RngState } from '../../random/rng.js';
import { readTensorArchive, writeTensorArchive, type StoredTensor } from './tensor-archive.js';

/** Everything besides tensors that a resumed run needs. */
export interface CheckpointMeta {
  /** Optimizer steps done. */
  readonly step: number;
  readonly epoch: number;
  /** Position in the epoch's data order where the next batch starts. */
  readonly cursor: number;
  readonly rng: RngState;
  /** The resolved configuration of the run. */
  readonly config: unknown;
  readonly versions: {
    readonly core: string;
    readonly plugin: { readonly name: string; readonly version: string };
  };
  /** For `ssdet export`: per artifact, export name → tensor name in this checkpoint. */
  readonly exports: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Processes of the data-parallel run that wrote it (absent: written before it was recorded, 1). */
  readonly worldSize?: number;
  readonly time: number;
}

const FILE_PATTERN = /^step-(\d{9})\.ckpt$/;

/**
 * The `checkpoints/` directory of a run: atomic `step-000000123.ckpt` files, the last `keep`
 * kept. Loading takes the newest readable one and falls back to older ones with a warning when
 * the newest is damaged (a crash mid-write cannot cause that, a full disk or bad copy can).
 */
export class CheckpointManager {
  constructor(
    readonly directory: string,
    private keep: number,
    private readonly logger: Logger,
  ) {}

  /** How many checkpoints `save` keeps from now on (a run learns it from its config after resuming). */
  keepLast(count: number): this {
    this.keep = Math.max(1, Math.floor(count));
    return this;
  }

  /** Writes the variables (by their checkpoint names) and meta; prunes old checkpoints. */
  async save(variables: NamedVariables, meta: CheckpointMeta): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const tensors = new Map<string, StoredTensor>();
    for (const [name, variable] of variables) {
      const dtype = variable.dtype === 'int32' ? 'int32' : 'float32';
      const data = variable.dataSync() as Float32Array | Int32Array;
      tensors.set(name, {
        dtype,
        shape: variable.shape,
        data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data),
      });
    }
    const file = path.join(this.directory, `step-${String(meta.step).padStart(9, '0')}.ckpt`);
    await writeTensorArchive(file, tensors, meta);
    const all = await this.list();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep)))
      await unlink(old).catch(() => undefined);
    return file;
  }

  /** Checkpoint files, oldest first. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    return names
      .filter((name) => FILE_PATTERN.test(name))
      .sort()
      .map((name) => path.join(this.directory, name));
  }

  /** The newest checkpoint that reads back intact, or undefined when there is none. */
  async loadLatest(): Promise<
    { file: string; meta: CheckpointMeta; tensors: Map<string, StoredTensor> } | undefined
  > {
    const files = (await this.list()).reverse();
    for (const file of files) {
      try {
        const { meta, tensors } = await readTensorArchive(file);
        return { file, meta: meta as CheckpointMeta, tensors };
      } catch (error) {
        if (!isSsdetError(error)) throw error;
        this.logger.warn(`${error.message} Falling back to the previous checkpoint.`, { file });
      }
    }
    return undefined;
  }
}

/** Assigns stored tensors to variables by name; every variable must be present with its shape. */
export function restoreVariables(
  variables: NamedVariables,
  tensors: ReadonlyMap<string, StoredTensor>,
  source: string,
): void {
  const problems: string[] = [];
  for (const [name, variable] of variables) {
    const stored = tensors.get(name);
    if (stored === undefined) problems.push(`${name} is missing`);
    else if (stored.shape.join('x') !== variable.shape.join('x'))
      problems.push(
        `${name} has shape [${stored.shape.join(', ')}], the model expects [${variable.shape.join(', ')}]`,
      );
  }
  if (problems.length > 0) {
    throw new SsdetError(
      'CHECKPOINT_MISMATCH',
      `Checkpoint ${source} does not fit this model: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}.`,
      {
        hint: 'Resume with the same method and configuration that wrote the checkpoint.',
      },
    );
  }
  for (const [name, variable] of variables) {
    const stored = tensors.get(name)!;
    tf.tidy(() => variable.assign(tf.tensor(stored.data, [...stored.shape], variable.dtype)));
  }
}
