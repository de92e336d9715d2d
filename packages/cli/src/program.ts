import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  BACKEND_PREFERENCE,
  CORE_VERSION_STRING,
  EventBus,
  type BackendRequest,
  type LogLevel,
} from '@ssdet/core';
import { benchmarkCommand, type BenchmarkCommandOptions } from './commands/benchmark-command.js';
import { detectCommand, type DetectCommandOptions } from './commands/detect-command.js';
import { evalCommand } from './commands/eval-command.js';
import { finetuneCommand, type FinetuneCommandOptions } from './commands/finetune-command.js';
import { exportCommand, type ExportFormat } from './commands/export-command.js';
import { pluginsCommand } from './commands/plugins-command.js';
import { pretrainCommand, type PretrainCommandOptions } from './commands/pretrain-command.js';
import { registerRegionsCommand } from './commands/regions-command.js';
import { reportCommand } from './commands/report-command.js';
import type { CliIo } from './io.js';
import { EXIT_USAGE, renderError } from './render/render-error.js';
import { renderLogs } from './render/render-logs.js';

const require = createRequire(import.meta.url);
const CLI_VERSION = (require('../package.json') as { version: string }).version;

/**
 * Runs the `ssdet` command line and resolves to the exit code; never calls `process.exit`,
 * so it can be tested in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const bus = new EventBus();
  let exitCode = 0;
  const program = new Command('ssdet')
    .description('Self-supervised pre-training of object detectors.')
    .version(`@ssdet/cli ${CLI_VERSION} (@ssdet/core ${CORE_VERSION_STRING})`, '-V, --version')
    .addOption(
      new Option('--log-level <level>', 'least severe log level shown')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .hook('preAction', (command) => {
      renderLogs(bus, io, command.opts<{ logLevel: LogLevel }>().logLevel);
    });

  program
    .command('plugins')
    .description(
      'list discovered method plugins, their compatibility, and the tensor backend a run would use',
    )
    .option(
      '--plugin <package>',
      'also load this plugin package (name or path); repeatable',
      collect,
      [],
    )
    .option('--no-auto', 'do not load installed packages marked "ssdet": { "plugin": true }')
    .addOption(
      new Option('--backend <name>', 'tensor backend to check')
        .choices(['auto', ...BACKEND_PREFERENCE])
        .default('auto'),
    )
    .option('--json', 'print JSON instead of a table', false)
    .action(
      async (options: {
        plugin: string[];
        auto: boolean;
        backend: BackendRequest;
        json: boolean;
      }) => {
        exitCode = await pluginsCommand(options, io, bus);
      },
    );

  program
    .command('pretrain')
    .description('pre-train a backbone (or detector) with a self-supervised method')
    .requiredOption('--method <name>', 'method plugin, e.g. densecl (see `ssdet plugins`)')
    .option('--data <path>', 'image folder, COCO json, or text file listing images')
    .option('--demo', "the bundled synthetic scenes and the plugin's small demo preset", false)
    .option(
      '--preset <name>',
      "one of the method's named recipes over its defaults, e.g. soco's star or 400ep (`ssdet plugins` lists them)",
    )
    .option('--config <file>', 'YAML or JSON configuration merged over the defaults')
    .option(
      '--set <key=value>',
      'override one configuration key, e.g. train.optimizer.lr=0.1; repeatable',
      collect,
      [],
    )
    .option('--backbone <arch>', 'backbone architecture (config key backbone.arch), e.g. resnet18')
    .option('--image-size <px>', 'view size (config key imageSize)', parsePositiveInt)
    .option(
      '--batch-size <n>',
      'images per step over all processes (train.batchSize)',
      parsePositiveInt,
    )
    .option('--epochs <n>', 'epochs (train.epochs)', parsePositiveInt)
    .option('--max-steps <n>', 'stop after this many steps (train.maxSteps)', parsePositiveInt)
    .option('--out <dir>', 'run directory, new or empty (default runs/<method>-<time>)')
    .option(
      '--resume',
      'continue the run in --out from its newest valid checkpoint (--max-steps / --epochs extend it)',
      false,
    )
    .option('--force', 'replace the run in --out (its run files are deleted first)', false)
    .addOption(
      new Option('--backend <name>', 'tensor backend')
        .choices(['auto', ...BACKEND_PREFERENCE])
        .default('auto'),
    )
    .option('--seed <n>', 'random seed (train.seed)', parseInteger)
    .option('--dry-run', 'resolve and print the configuration and plan; train nothing', false)
    .option(
      '--plugin <package>',
      'also load this plugin package (name or path); repeatable',
      collect,
      [],
    )
    .addOption(
      new Option(
        '--distributed <mode>',
        'data-parallel over MPI: auto (when started by mpirun/srun), mpi, none; --batch-size is the global batch',
      )
        .choices(['auto', 'mpi', 'none'])
        .default('auto'),
    )
    .option(
      '--sync-bn',
      'BatchNorm statistics over the global batch of all processes (train.syncBn; methods that support it)',
    )
    .action(async (options: PretrainCommandOptions) => {
      exitCode = await pretrainCommand(options, io, bus);
    });

  program
    .command('finetune')
    .description(
      'fine-tune a detector from random init, a pre-training run or weights, and evaluate it',
    )
    .addOption(
      new Option('--detector <name>', 'detector to fine-tune')
        .choices(['auto', 'faster-rcnn', 'mask-rcnn', 'detr', 'deformable-detr'])
        .default('auto'),
    )
    .requiredOption(
      '--init <init>',
      'random, a pre-training run directory, or a weights file (.safetensors, .pth)',
    )
    .requiredOption('--train <path>', 'labeled training split: COCO json or a folder of VOC XML')
    .requiredOption('--val <path>', 'labeled validation split: COCO json or a folder of VOC XML')
    .option('--images <dir>', 'where the images are when annotation file names do not resolve')
    .option('--out <dir>', 'run directory, new or empty (default runs/finetune-<detector>-<time>)')
    .option('--config <file>', 'YAML or JSON configuration merged over the defaults')
    .option(
      '--set <key=value>',
      'override one configuration key, e.g. train.optimizer.lr=0.01; repeatable',
      collect,
      [],
    )
    .option('--backbone <arch>', 'backbone architecture (backbone.arch); must match --init')
    .option(
      '--image-size <px>',
      'test shorter side; training draws 0.8×…1× of it',
      parsePositiveInt,
    )
    .option(
      '--batch-size <n>',
      'images per step over all processes (train.batchSize)',
      parsePositiveInt,
    )
    .option('--epochs <n>', 'epochs (train.epochs)', parsePositiveInt)
    .option('--max-steps <n>', 'stop after this many steps (train.maxSteps)', parsePositiveInt)
    .option('--seed <n>', 'random seed (train.seed)', parseInteger)
    .option(
      '--resume',
      'continue the run in --out from its newest valid checkpoint (--max-steps / --epochs extend it)',
      false,
    )
    .option('--force', 'replace the run in --out (its run files are deleted first)', false)
    .addOption(
      new Option('--backend <name>', 'tensor backend')
        .choices(['auto', ...BACKEND_PREFERENCE])
        .default('auto'),
    )
    .option(
      '--plugin <package>',
      'also load this plugin package (name or path); repeatable',
      collect,
      [],
    )
    .action(async (options: FinetuneCommandOptions) => {
      exitCode = await finetuneCommand(options, io, bus);
    });

  program
    .command('benchmark')
    .description('pre-train methods, fine-tune each (and random init) over seeds, and table the AP')
    .option(
      '--methods <list>',
      'comma-separated methods, e.g. densecl,soco (default: every installed one)',
    )
    .option('--demo', 'the small plan CI runs (minutes), not the full low-label benchmark', false)
    .option('--out <dir>', 'output directory (default runs/benchmark-<time>)')
    .option('--resume', 'finish a benchmark in --out, reusing its finished runs', false)
    .addOption(
      new Option('--backend <name>', 'tensor backend')
        .choices(['auto', ...BACKEND_PREFERENCE])
        .default('auto'),
    )
    .option(
      '--plugin <package>',
      'also load this plugin package (name or path); repeatable',
      collect,
      [],
    )
    .action(async (options: BenchmarkCommandOptions) => {
      exitCode = await benchmarkCommand(options, io, bus);
    });

  program
    .command('detect')
    .description("draw a fine-tuned detector's boxes and masks on images (PNG)")
    .requiredOption('--run <dir>', 'run directory of ssdet finetune')
    .requiredOption('--images <paths...>', 'image files or folders')
    .requiredOption('--out <dir>', 'where the PNGs and detections.json go')
    .option('--score <threshold>', 'smallest score drawn', parseFraction, 0.5)
    .addOption(
      new Option('--backend <name>', 'tensor backend')
        .choices(['auto', ...BACKEND_PREFERENCE])
        .default('auto'),
    )
    .option(
      '--plugin <package>',
      'also load this plugin package (name or path); repeatable',
      collect,
      [],
    )
    .action(async (options: DetectCommandOptions) => {
      exitCode = await detectCommand(options, io, bus);
    });

  program
    .command('export')
    .description(
      "write a part of a run's pre-trained model (its backbone by default) for a detector",
    )
    .requiredOption('--run <dir>', 'run directory of ssdet pretrain')
    .addOption(
      new Option(
        '--format <format>',
        'output format (default: from --out, .pth → torchvision, else safetensors)',
      ).choices(['safetensors', 'torchvision', 'detectron2']),
    )
    .requiredOption(
      '--out <file>',
      'output file (.safetensors, or .pth for torchvision / detectron2)',
    )
    .option(
      '--artifact <name>',
      "which exported part: backbone (every method); soco also fpn and head, updetr detector — the run summary lists a run's",
      'backbone',
    )
    .addHelpText(
      'after',
      `
Artifacts: every method exports "backbone" (a ResNet, torchvision names). Methods that train more
of a detector export it too: soco "fpn" and "head" (detectron2 names), updetr "detector" (the
DETR). \`ssdet pretrain\` prints a run's artifacts at the end; an unknown --artifact lists them.
--format detectron2 renames a ResNet to detectron2's names and places an FPN / box head under
backbone. / roi_heads.box_head.; it refuses other parts.`,
    )
    .action(
      async (options: { run: string; format?: ExportFormat; out: string; artifact: string }) => {
        exitCode = await exportCommand(options, io, bus);
      },
    );

  registerRegionsCommand(program, io, bus, (code) => {
    exitCode = code;
  });

  program
    .command('report')
    .description(
      'write report.html for a run: loss and lr curves, the first training views with their regions',
    )
    .argument('<run>', 'run directory of ssdet pretrain')
    .action(async (run: string) => {
      exitCode = await reportCommand(run, io);
    });

  program
    .command('eval')
    .description(
      'COCO evaluation of a results list, identical to pycocotools (12 stats, per-category AP)',
    )
    .requiredOption('--gt <coco.json>', 'ground truth: a COCO annotation file')
    .requiredOption('--dt <results.json>', 'detections: the standard COCO results list')
    .addOption(
      new Option('--iou-type <type>', 'what to match').choices(['bbox', 'segm']).default('bbox'),
    )
    .option('--json <out.json>', 'also write { "<iouType>": { stats, per_category_AP } }')
    .action(
      async (options: { gt: string; dt: string; iouType: 'bbox' | 'segm'; json?: string }) => {
        exitCode = await evalCommand(options, io);
      },
    );

  try {
    await program.parseAsync(['node', 'ssdet', ...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.version' ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help'
        ? 0
        : EXIT_USAGE;
    }
    return renderError(error, io);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed))
    throw new InvalidArgumentError(`expected an integer, got "${value}".`);
  return parsed;
}

function parsePositiveInt(value: string): number {
  const parsed = parseInteger(value);
  if (parsed < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}".`);
  return parsed;
}

function parseFraction(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1)
    throw new InvalidArgumentError(`expected a number in [0, 1]; got "${value}".`);
  return number;
}
