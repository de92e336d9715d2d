import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CheckpointManager,
  Logger,
  selectBackend,
  SsdetError,
  writeFileAtomically,
  type EventBus,
} from '@ssdet/core';
import {
  detectron2PartOf,
  exportStateDict,
  writePth,
  writeSafetensors,
  type StateDictNaming,
} from '@ssdet/nn';
import type { CliIo } from '../io.js';

export type ExportFormat = 'safetensors' | 'torchvision' | 'detectron2';

export interface ExportCommandOptions {
  readonly run: string;
  /** Undefined: from the extension of `out` (`.pth`/`.pt` → torchvision, otherwise safetensors). */
  readonly format?: ExportFormat;
  readonly out: string;
  readonly artifact: string;
}

/** The torchvision ResNets' stem width; a `--demo` run's narrow ResNet has less. */
const TORCHVISION_STEM_CHANNELS = 64;

/**
 * `ssdet export`: the newest valid checkpoint of a run → a file a detector loads. `safetensors`
 * and `torchvision` use torchvision names and PyTorch layout (`.safetensors` / `.pth`);
 * `detectron2` writes a `.pth` with detectron2's names: the ResNet renamed (stem, res2…res5), an
 * FPN or box head that already has detectron2's names placed under `backbone.` /
 * `roi_heads.box_head.`; anything else is refused. No plugin is needed: the checkpoint records
 * which variables make up each artifact.
 */
export async function exportCommand(
  options: ExportCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const out = path.resolve(io.cwd, options.out);
  const format = formatFor(options.format, out);
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
  const artifacts = Object.keys(latest.meta.exports);
  const index = latest.meta.exports[options.artifact];
  if (index === undefined) {
    throw new SsdetError(
      'EXPORT_UNKNOWN_ARTIFACT',
      `The run's method exports ${artifacts.join(', ')}; there is no "${options.artifact}".`,
      { hint: `Pass --artifact ${artifacts.join(' | ')}.` },
    );
  }
  const names = Object.keys(index);
  let naming: StateDictNaming = 'torchvision';
  if (format === 'detectron2') {
    const part = detectron2PartOf(names);
    if (part === undefined)
      throw new SsdetError(
        'EXPORT_FORMAT_UNSUPPORTED',
        `--format detectron2 has names for a ResNet, an FPN and a box head; the "${options.artifact}" artifact is none of them (e.g. ${names.slice(0, 2).join(', ')}).`,
        { hint: 'Export it with --format safetensors or --format torchvision.' },
      );
    naming = { toSsdet: (name) => name, fromSsdet: part.rename };
  }
  const stem = latest.tensors.get(index['conv1.weight'] ?? '');
  const stemChannels = stem?.shape[3];
  if (
    names.some((name) => name.startsWith('layer1.')) &&
    stemChannels !== undefined &&
    stemChannels !== TORCHVISION_STEM_CHANNELS
  )
    io.stderr(
      `warning: this is not a standard ${format === 'detectron2' ? 'detectron2' : 'torchvision'} ResNet: its stem has ${stemChannels} channels, not ${TORCHVISION_STEM_CHANNELS} (backbone.widthMultiplier ${stemChannels / TORCHVISION_STEM_CHANNELS}). torchvision.models.resnet*() and detectron2's default config cannot load it; build the model at that width.\n`,
    );

  // Only tensor copies happen here; a quiet cpu backend keeps tfjs from printing its banner.
  await selectBackend({ request: 'cpu' });
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
    const stateDict = exportStateDict(
      { variables: () => variables },
      { naming, ...(format === 'detectron2' ? { numBatchesTracked: false } : {}) },
    );
    const bytes =
      format === 'safetensors'
        ? writeSafetensors(stateDict, {
            format: 'pt',
            producer: 'ssdet',
            step: String(latest.meta.step),
          })
        : writePth(stateDict);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFileAtomically(out, bytes);
    io.stdout(
      `Wrote ${options.artifact} (${stateDict.size} tensors, step ${latest.meta.step}) as ${format} to ${out}\n`,
    );
    const others = artifacts.filter((artifact) => artifact !== options.artifact);
    if (others.length > 0)
      io.stdout(`The run also exports ${others.join(', ')} (--artifact <name>).\n`);
    return 0;
  } finally {
    tf.dispose([...variables.values()]);
  }
}

/**
 * The format to write: the one asked for, which must agree with the extension of `--out`
 * (a zip-based `.pth` named `.safetensors`, or the reverse, is refused), or else the extension's.
 */
function formatFor(asked: ExportFormat | undefined, out: string): ExportFormat {
  const extension = path.extname(out).toLowerCase();
  const pickle = extension === '.pth' || extension === '.pt' || extension === '.pkl';
  const safetensors = extension === '.safetensors';
  if (asked === undefined) return pickle ? 'torchvision' : 'safetensors';
  if ((asked === 'safetensors' && pickle) || (asked !== 'safetensors' && safetensors))
    throw new SsdetError(
      'EXPORT_FORMAT_MISMATCH',
      `--format ${asked} writes a ${asked === 'safetensors' ? 'safetensors file' : 'PyTorch .pth (zip) file'}, but --out ${out} is named ${extension}.`,
      {
        hint:
          asked === 'safetensors'
            ? 'Name it .safetensors, or pass --format torchvision for a .pth.'
            : 'Name it .pth, or pass --format safetensors.',
      },
    );
  return asked;
}
