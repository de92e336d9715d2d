import * as tf from '@tensorflow/tfjs-core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointManager, Logger, SsdetError, type EventBus } from '@ssdet/core';
import { exportStateDict, writePth, writeSafetensors, type StateDictNaming } from '@ssdet/nn';
import type { CliIo } from '../io.js';

export type ExportFormat = 'safetensors' | 'torchvision' | 'detectron2';

export interface ExportCommandOptions {
  readonly run: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly artifact: string;
}

/**
 * `ssdet export`: the newest valid checkpoint of a run → a file a detector loads. `safetensors`
 * and `torchvision` use torchvision names and PyTorch layout (`.safetensors` / `.pth`);
 * `detectron2` renames to detectron2's ResNet names (stem, res2…res5) in a `.pth`. No plugin is
 * needed: the checkpoint records which variables make up each artifact.
 */
export async function exportCommand(
  options: ExportCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const runDir = path.resolve(io.cwd, options.run);
  const latest = await new CheckpointManager(
    path.join(runDir, 'checkpoints'),
    1,
    new Logger(bus, 'export'),
  ).loadLatest();
  if (latest === undefined) {
    throw new SsdetError(
      'EXPORT_NO_CHECKPOINT',
      `--run ${options.run}: no readable checkpoint in ${path.join(runDir, 'checkpoints')}.`,
    );
  }
  const index = latest.meta.exports[options.artifact];
  if (index === undefined) {
    throw new SsdetError(
      'EXPORT_UNKNOWN_ARTIFACT',
      `The run's method exports ${Object.keys(latest.meta.exports).join(', ')}; there is no "${options.artifact}".`,
    );
  }
  const variables = new Map<string, tf.Variable>();
  for (const [name, stored] of Object.entries(index)) {
    const tensor = latest.tensors.get(stored);
    if (tensor === undefined)
      throw new SsdetError('CHECKPOINT_MISMATCH', `Checkpoint ${latest.file} lacks ${stored}.`);
    variables.set(
      name,
      tf.variable(tf.tensor(tensor.data, [...tensor.shape], tensor.dtype), false),
    );
  }
  try {
    const naming: StateDictNaming = options.format === 'detectron2' ? 'detectron2' : 'torchvision';
    const stateDict = exportStateDict({ variables: () => variables }, { naming });
    const bytes =
      options.format === 'safetensors'
        ? writeSafetensors(stateDict, {
            format: 'pt',
            producer: 'ssdet',
            step: String(latest.meta.step),
          })
        : writePth(stateDict);
    const out = path.resolve(io.cwd, options.out);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, bytes);
    io.stdout(
      `Wrote ${options.artifact} (${stateDict.size} tensors, step ${latest.meta.step}) as ${options.format} to ${out}\n`,
    );
    return 0;
  } finally {
    tf.dispose([...variables.values()]);
  }
}
