import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { EventBus } from '@ssdet/core';
import { writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { registerRegionsCommand } from './regions-command.js';

interface Run {
  out: string;
  err: string;
  exitCode: number | undefined;
  error: unknown;
}

let cwd = '';
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'ssdet-cli-regions-'));
  await writeSyntheticDataset({ out: path.join(cwd, 'data'), count: 3, width: 96, height: 64 });
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function regions(...args: string[]): Promise<Run> {
  const run: Run = { out: '', err: '', exitCode: undefined, error: undefined };
  const io: CliIo = {
    cwd,
    isTty: false,
    stdout: (text) => {
      run.out += text;
    },
    stderr: (text) => {
      run.err += text;
    },
  };
  const program = new Command('ssdet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerRegionsCommand(program, io, new EventBus(), (code) => {
    run.exitCode = code;
  });
  try {
    await program.parseAsync(['node', 'ssdet', 'regions', ...args]);
  } catch (error) {
    run.error = error;
  }
  return run;
}

/** A commander error: `runCli` turns these into exit code 2. */
function usageError(run: Run): string {
  expect(run.error).toBeInstanceOf(CommanderError);
  return (run.error as CommanderError).code;
}

const BASE = ['--data', 'data/images', '--out', 'out', '--workers', '0'];

describe('ssdet regions', () => {
  it('runs the job relative to the working directory and prints the summary', async () => {
    const run = await regions(
      '--algorithm',
      'fh',
      ...BASE,
      '--set',
      'minSize=50',
      '--set',
      'variant=opencv',
      '--preview',
      'previews',
    );
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.out).toMatch(/^Regions: fh on folder .*data[/\\]images, shard 0\/1\n/);
    expect(run.out).toContain('  images     3 done, 0 failed, 0 left');
    expect(run.out).toMatch(/regions +[\d.]+ per image \(min \d+, max \d+\)/);
    expect(run.out).toContain(path.join(cwd, 'out', 'summary.json'));
    const summary = JSON.parse(await readFile(path.join(cwd, 'out', 'summary.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    expect(summary.parameters).toMatchObject({ minSize: 50, variant: 'opencv' });
    expect(run.out).toContain(`previews   ${path.join(cwd, 'previews')}`);
  });

  it('rejects bad shard syntax, unknown algorithms, bad --set and missing options as usage errors', async () => {
    const badShard = await regions('--algorithm', 'fh', ...BASE, '--shard', '2/2');
    expect(usageError(badShard)).toBe('commander.invalidArgument');
    expect(badShard.err).toContain('Expected i/n with integers 0 ≤ i < n');
    const unknown = await regions('--algorithm', 'sift', ...BASE);
    expect(usageError(unknown)).toBe('commander.invalidArgument');
    expect(unknown.err).toContain('selective-search, fh, edge-boxes, random');
    expect(usageError(await regions('--algorithm', 'fh', ...BASE, '--set', 'scale'))).toBe(
      'commander.invalidArgument',
    );
    expect(usageError(await regions('--algorithm', 'fh', ...BASE, '--workers', 'two'))).toBe(
      'commander.invalidArgument',
    );
    expect(usageError(await regions('--algorithm', 'fh', '--out', 'x'))).toBe(
      'commander.missingMandatoryOptionValue',
    );
  });

  it('exits 2 naming the field for an unknown preset or parameter', async () => {
    const preset = await regions('--algorithm', 'fh', ...BASE, '--preset', 'soco');
    expect(preset.exitCode).toBe(2);
    expect(preset.err).toContain('fh: parameter "preset" must be one of detcon');
    const parameter = await regions('--algorithm', 'random', ...BASE, '--set', 'boxes=3');
    expect(parameter.exitCode).toBe(2);
    expect(parameter.err).toContain('random: unknown parameter "boxes"');
    const value = await regions('--algorithm', 'random', ...BASE, '--set', 'count=-1');
    expect(value.exitCode).toBe(2);
    expect(value.err).toContain('"count" must be an integer ≥ 1');
  });

  it('lists failed images and exits 1 when no image could be used', async () => {
    const folder = path.join(cwd, 'only-bad');
    await mkdir(folder);
    await writeFile(path.join(folder, 'empty.jpg'), '');
    const run = await regions(
      '--algorithm',
      'random',
      '--data',
      'only-bad',
      '--out',
      'o1',
      '--workers',
      '0',
    );
    expect(run.exitCode).toBe(1);
    expect(run.out).toContain('  images     0 done, 1 failed, 0 left');
    expect(run.out).toContain(
      `Failed images:\n  Cannot use image ${path.join(folder, 'empty.jpg')}: the file is empty`,
    );
  });

  it('fails (not a usage error) on a missing dataset', async () => {
    const run = await regions(
      '--algorithm',
      'random',
      '--data',
      'nowhere',
      '--out',
      'o2',
      '--workers',
      '0',
    );
    expect(run.error).toMatchObject({ code: 'DATASET_MISSING' });
    expect(run.exitCode).toBeUndefined();
  });
});
