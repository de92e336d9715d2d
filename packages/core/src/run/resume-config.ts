import type { ConfigObject } from '../config/deep-merge.js';
import type { Logger } from '../events/logger.js';

/** What the user asked for besides `--resume`, as the run functions receive it. */
export interface ResumeRequest {
  /** Shortcut flags by option name (`batchSize` is `--batch-size`); undefined = not given. */
  readonly flags?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly configFile?: string;
  readonly sets?: readonly string[];
  readonly preset?: string;
}

/**
 * The configuration a resumed run continues with: the one stored in its checkpoint, so the
 * weights, optimizer state and data order stay those of the run — except its length, since
 * extending a finished or interrupted run is what `--resume --max-steps N` (or `--epochs N`) is
 * for. Every other flag, `--config`, `--set` and `--preset` would change the run under its
 * checkpoint, so they are ignored, and the warning names them.
 */
export function resumeConfig(
  stored: ConfigObject,
  request: ResumeRequest,
  logger: Logger,
): ConfigObject {
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(request.flags ?? {})) {
    if (value === undefined || name === 'maxSteps' || name === 'epochs') continue;
    ignored.push(`${optionName(name)} ${String(value)}`);
  }
  if (request.preset !== undefined) ignored.push(`--preset ${request.preset}`);
  if (request.configFile !== undefined) ignored.push(`--config ${request.configFile}`);
  for (const set of request.sets ?? []) ignored.push(`--set ${set}`);
  if (ignored.length > 0)
    logger.warn(
      `--resume continues the run as its checkpoint configured it; ignored: ${ignored.join(', ')}. Only --max-steps and --epochs (the run's length) apply to a resumed run.`,
    );

  const train = { ...((stored['train'] as ConfigObject | undefined) ?? {}) };
  const maxSteps = request.flags?.['maxSteps'];
  const epochs = request.flags?.['epochs'];
  if (typeof maxSteps !== 'number' && typeof epochs !== 'number') return stored;
  const before = describeLength(train);
  if (typeof epochs === 'number') {
    train['epochs'] = epochs;
    if (typeof maxSteps !== 'number') delete train['maxSteps'];
  }
  if (typeof maxSteps === 'number') train['maxSteps'] = maxSteps;
  const after = describeLength(train);
  if (after !== before)
    logger.info(
      `--resume: the run's length changes from ${before} to ${after}; its learning-rate schedule spans the new length from here on.`,
    );
  return { ...stored, train };
}

function optionName(camel: string): string {
  return `--${camel.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function describeLength(train: ConfigObject): string {
  const maxSteps = train['maxSteps'];
  if (typeof maxSteps === 'number') return `${maxSteps} steps`;
  const epochs = train['epochs'];
  return typeof epochs === 'number' ? `${epochs} epochs` : 'its default length';
}
