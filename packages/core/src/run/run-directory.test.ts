import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { SsdetEvent } from '../events/event-map.js';
import { Logger } from '../events/logger.js';
import { claimRunDirectory, RUN_LOCK_FILE } from './run-directory.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-run-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const bus = new EventBus();
  const warnings: string[] = [];
  bus.subscribe((event: SsdetEvent) => {
    if (event.type === 'log' && event.level === 'warn') warnings.push(event.message);
  });
  return { logger: new Logger(bus, 'test'), warnings };
}

/** A run directory holding what a finished run leaves, plus a file of the user's. */
async function usedRun(name: string): Promise<string> {
  const runDir = path.join(dir, name);
  await mkdir(path.join(runDir, 'checkpoints'), { recursive: true });
  await writeFile(path.join(runDir, 'checkpoints', 'step-000000003.ckpt'), 'x');
  await writeFile(path.join(runDir, 'config.yaml'), 'method: toy\n');
  await writeFile(path.join(runDir, 'metrics.jsonl'), '{}\n');
  await writeFile(path.join(runDir, 'events.out.tfevents.1.host'), '');
  await writeFile(path.join(runDir, 'notes.txt'), 'mine');
  return runDir;
}

/** The pid of a process that has exited (and so cannot hold a lock). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('claimRunDirectory', () => {
  it('creates and locks a new directory; release removes the lock, and the directory while empty', async () => {
    const runDir = path.join(dir, 'fresh', 'run');
    const claim = await claimRunDirectory(runDir);
    const lock = JSON.parse(await readFile(path.join(runDir, RUN_LOCK_FILE), 'utf8')) as {
      pid: number;
      host: string;
    };
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    await claim.release();
    expect(existsSync(runDir)).toBe(false);

    const kept = await claimRunDirectory(runDir);
    await writeFile(path.join(runDir, 'config.yaml'), 'method: toy\n');
    await kept.release();
    expect(await readdir(runDir)).toEqual(['config.yaml']);
  });

  it('refuses a directory that holds something unless --resume or --force', async () => {
    const runDir = await usedRun('used');
    await expect(claimRunDirectory(runDir)).rejects.toMatchObject({
      code: 'RUN_DIR_NOT_EMPTY',
      message: expect.stringMatching(
        /^--out .*used is not empty \(checkpoints, config\.yaml, events\.out\.tfevents\.1\.host, metrics\.jsonl, …\); a new run there would mix/,
      ) as unknown,
      hint: expect.stringMatching(/--resume .* --force/) as unknown,
    });
    // A refused claim leaves the directory as it was, lock included.
    expect(existsSync(path.join(runDir, RUN_LOCK_FILE))).toBe(false);
    expect(await readdir(path.join(runDir, 'checkpoints'))).toEqual(['step-000000003.ckpt']);
    await expect(claimRunDirectory(runDir, { checkOnly: true })).rejects.toMatchObject({
      code: 'RUN_DIR_NOT_EMPTY',
    });
    const resumed = await claimRunDirectory(runDir, { resume: true });
    expect(await readdir(path.join(runDir, 'checkpoints'))).toEqual(['step-000000003.ckpt']);
    await resumed.release();
  });

  it("--force removes the old run's files, and only those", async () => {
    const runDir = await usedRun('forced');
    const { logger, warnings } = recordingLogger();
    const claim = await claimRunDirectory(runDir, { force: true, logger });
    expect((await readdir(runDir)).sort()).toEqual([RUN_LOCK_FILE, 'notes.txt']);
    expect(warnings.join('\n')).toMatch(
      /--force: removed the previous run's checkpoints, config\.yaml/,
    );
    await claim.release();
  });

  it('refuses a file, naming it', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    await expect(claimRunDirectory(file)).rejects.toMatchObject({
      code: 'RUN_DIR_NOT_A_DIRECTORY',
      message: `--out ${file} is a file, not a directory.`,
    });
    await expect(claimRunDirectory(path.join(file, 'run'))).rejects.toMatchObject({
      code: 'FILE_ENOTDIR',
      message: expect.stringContaining(path.join(file, 'run')) as unknown,
    });
  });

  it('one directory, one run: a second claim is refused while the first holds it', async () => {
    const runDir = path.join(dir, 'shared');
    const first = await claimRunDirectory(runDir);
    for (const options of [{}, { resume: true }, { force: true }, { checkOnly: true }])
      await expect(claimRunDirectory(runDir, options)).rejects.toMatchObject({
        code: 'RUN_DIR_LOCKED',
        message: expect.stringMatching(
          new RegExp(`is in use by another ssdet run \\(pid ${process.pid}, started `),
        ) as unknown,
      });
    await first.release();
    const second = await claimRunDirectory(runDir);
    await second.release();
  });

  it('takes over the lock of a run that died, and removes the temporary files its writes left', async () => {
    const runDir = await usedRun('killed');
    const pid = await deadPid();
    await writeFile(
      path.join(runDir, RUN_LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), started: '2020-01-01T00:00:00.000Z' }),
    );
    await writeFile(path.join(runDir, 'checkpoints', `.step-000000004.ckpt.${pid}.tmp`), 'torn');
    await writeFile(path.join(runDir, `config.yaml.${pid}.tmp`), 'torn');
    const { logger, warnings } = recordingLogger();
    const claim = await claimRunDirectory(runDir, { resume: true, logger });
    expect(warnings.join('\n')).toMatch(
      new RegExp(`Took over the lock of a run that ended without releasing it \\(pid ${pid}`),
    );
    expect(warnings.join('\n')).toMatch(/Removed 2 temporary file\(s\)/);
    expect(await readdir(path.join(runDir, 'checkpoints'))).toEqual(['step-000000003.ckpt']);
    expect(
      (JSON.parse(await readFile(path.join(runDir, RUN_LOCK_FILE), 'utf8')) as { pid: number }).pid,
    ).toBe(process.pid);
    await claim.release();
  });

  it('a lock whose process still runs is respected', async () => {
    const runDir = path.join(dir, 'alive');
    await mkdir(runDir);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(
        path.join(runDir, RUN_LOCK_FILE),
        JSON.stringify({ pid: child.pid, host: hostname(), started: 'now' }),
      );
      await expect(claimRunDirectory(runDir, { resume: true })).rejects.toMatchObject({
        code: 'RUN_DIR_LOCKED',
        hint: expect.stringContaining(path.join(runDir, RUN_LOCK_FILE)) as unknown,
      });
    } finally {
      child.kill();
    }
  });

  it('a dry run (checkOnly) creates nothing', async () => {
    const runDir = path.join(dir, 'dry');
    const claim = await claimRunDirectory(runDir, { checkOnly: true });
    await claim.release();
    expect(existsSync(runDir)).toBe(false);
  });
});
