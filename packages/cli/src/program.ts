import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import {
  BACKEND_PREFERENCE,
  CORE_VERSION_STRING,
  EventBus,
  type BackendRequest,
  type LogLevel,
} from '@ssdet/core';
import { pluginsCommand } from './commands/plugins-command.js';
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
