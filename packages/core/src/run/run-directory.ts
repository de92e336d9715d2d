import { unlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { SsdetError } from '../errors/ssdet-error.js';
import type { Logger } from '../events/logger.js';
import { fileSystemError } from '../io/file-system-error.js';

/** The lock file a run keeps in its directory while it writes there. */
export const RUN_LOCK_FILE = '.ssdet.lock';

/**
 * What `ssdet pretrain` and `ssdet finetune` write into a run directory. `--force` removes these
 * (and only these) before a new run, so nothing of the old run can mix with the new one while a
 * file of the user's that happens to be there survives.
 */
const RUN_FILE_PATTERNS: readonly RegExp[] = [
  /^checkpoints$/,
  /^views$/,
  /^config\.yaml$/,
  /^metrics\.jsonl$/,
  /^events\.out\.tfevents\./,
  /^backbone\.safetensors$/,
  /^detector\.safetensors$/,
  /^bad-images\.txt$/,
  /^report\.html$/,
  /^eval\.json$/,
  /^detections\.json$/,
  /^classes\.json$/,
];

/** Temporary files of an atomic write (`<name>.<pid>.tmp`, `.step-….ckpt.<pid>.tmp`). */
const TEMPORARY_FILE = /\.\d+\.tmp$/;

export interface ClaimRunDirectoryOptions {
  /** `--resume`: the directory may hold the run being continued. */
  readonly resume?: boolean;
  /** `--force`: replace the run the directory holds (its files are removed). */
  readonly force?: boolean;
  /** Check only (a dry run): create, lock and remove nothing. */
  readonly checkOnly?: boolean;
  /** How the user named the directory, for messages (default `--out`). */
  readonly flag?: string;
  readonly logger?: Logger;
}

interface LockContents {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/**
 * A run directory held by this process: two runs can never write one directory at the same
 * time. `release()` removes the lock (and the directory, if this claim created it and nothing
 * was written into it).
 */
export interface RunDirectoryClaim {
  readonly directory: string;
  release(): Promise<void>;
}

/**
 * Makes `directory` this run's own before anything is written: refuses a file, a directory
 * another live run holds (its lock names the process), and — unless `resume` or `force` — a
 * directory that already holds something, since a second run there would mix its config,
 * metrics and checkpoints with the first's. Takes over the lock of a run that died (its process
 * is gone), and removes the temporary files of writes it was killed in the middle of.
 */
export async function claimRunDirectory(
  directory: string,
  options: ClaimRunDirectoryOptions = {},
): Promise<RunDirectoryClaim> {
  const flag = options.flag ?? '--out';
  try {
    return await claim(directory, options, flag);
  } catch (error) {
    throw fileSystemError(error) ?? error;
  }
}

async function claim(
  directory: string,
  options: ClaimRunDirectoryOptions,
  flag: string,
): Promise<RunDirectoryClaim> {
  const existing = await stat(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined && !existing.isDirectory())
    throw new SsdetError(
      'RUN_DIR_NOT_A_DIRECTORY',
      `${flag} ${directory} is a file, not a directory.`,
      { hint: `Choose another ${flag}: a new or empty folder.` },
    );
  const lockFile = path.join(directory, RUN_LOCK_FILE);
  if (options.checkOnly === true) {
    if (existing === undefined) return { directory, release: async () => undefined };
    const holder = await readLock(lockFile);
    if (holder !== undefined && isAlive(holder))
      throw lockedError(directory, lockFile, holder, flag);
    await refuseUsed(directory, options, flag);
    return { directory, release: async () => undefined };
  }

  const created = (await mkdir(directory, { recursive: true })) !== undefined;
  await acquireLock(lockFile, directory, flag, options.logger);
  const removeLockAtExit = (): void => {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  };
  process.on('exit', removeLockAtExit);
  const release = async (): Promise<void> => {
    process.off('exit', removeLockAtExit);
    await unlink(lockFile).catch(() => undefined);
    if (created) await rmdir(directory).catch(() => undefined); // only when still empty
  };
  try {
    await refuseUsed(directory, options, flag);
    if (options.force === true) await removeRunFiles(directory, options.logger);
    await removeTemporaryFiles(directory, options.logger);
  } catch (error) {
    await release();
    throw error;
  }
  return { directory, release };
}

async function refuseUsed(
  directory: string,
  options: ClaimRunDirectoryOptions,
  flag: string,
): Promise<void> {
  if (options.resume === true || options.force === true) return;
  const entries = (await readdir(directory)).filter((name) => name !== RUN_LOCK_FILE).sort();
  if (entries.length === 0) return;
  const shown = entries.slice(0, 4).join(', ') + (entries.length > 4 ? ', …' : '');
  throw new SsdetError(
    'RUN_DIR_NOT_EMPTY',
    `${flag} ${directory} is not empty (${shown}); a new run there would mix with what it holds.`,
    {
      hint: `Pass --resume to continue the run in it, --force to replace it, or choose another ${flag}.`,
    },
  );
}

async function acquireLock(
  lockFile: string,
  directory: string,
  flag: string,
  logger: Logger | undefined,
): Promise<void> {
  const contents: LockContents = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(contents)}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(lockFile);
    if (holder === undefined) continue; // released meanwhile
    if (isAlive(holder)) throw lockedError(directory, lockFile, holder, flag);
    // Take the dead run's lock out of the way under a name of our own, then check that it
    // really was that lock: a run that took it over first keeps its own.
    const aside = `${lockFile}.${process.pid}.stale`;
    try {
      await rename(lockFile, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readLock(aside);
    if (moved !== undefined && moved.pid === holder.pid && moved.started === holder.started) {
      await unlink(aside);
      logger?.warn(
        `Took over the lock of a run that ended without releasing it (pid ${holder.pid}, started ${holder.started}).`,
        { directory },
      );
    } else {
      await rename(aside, lockFile).catch(() => undefined);
    }
  }
  throw new SsdetError(
    'RUN_DIR_LOCKED',
    `${flag} ${directory}: could not take its lock ${lockFile}; another run keeps taking it.`,
  );
}

/** The lock's holder, or undefined when there is no lock. A garbled lock counts as a dead run's. */
async function readLock(lockFile: string): Promise<LockContents | undefined> {
  let text: string;
  try {
    text = await readFile(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContents>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string')
      return { pid: parsed.pid, host: parsed.host, started: String(parsed.started) };
  } catch {
    // fall through: half-written by a process killed at that instant
  }
  return { pid: -1, host: hostname(), started: text };
}

/** Whether the lock's process still runs. A lock from another machine is assumed held. */
function isAlive(holder: LockContents): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(
  directory: string,
  lockFile: string,
  holder: LockContents,
  flag: string,
): SsdetError {
  const where =
    holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
  return new SsdetError(
    'RUN_DIR_LOCKED',
    `${flag} ${directory} is in use by another ssdet run (${where}, started ${holder.started}).`,
    {
      hint: `Wait for it to finish or choose another ${flag}; if that run is gone, delete ${lockFile}.`,
    },
  );
}

async function removeRunFiles(directory: string, logger: Logger | undefined): Promise<void> {
  const doomed = (await readdir(directory)).filter((name) =>
    RUN_FILE_PATTERNS.some((pattern) => pattern.test(name)),
  );
  for (const name of doomed) await rm(path.join(directory, name), { recursive: true, force: true });
  if (doomed.length > 0)
    logger?.warn(`--force: removed the previous run's ${doomed.join(', ')} from ${directory}.`);
}

/** Temporary files of writes that a killed run left half done (in the run and checkpoints/). */
async function removeTemporaryFiles(directory: string, logger: Logger | undefined): Promise<void> {
  let count = 0;
  let bytes = 0;
  for (const folder of [directory, path.join(directory, 'checkpoints')]) {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names.filter((entry) => TEMPORARY_FILE.test(entry))) {
      const file = path.join(folder, name);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || !info.isFile()) continue;
      await unlink(file);
      count += 1;
      bytes += info.size;
    }
  }
  if (count > 0)
    logger?.warn(
      `Removed ${count} temporary file(s) (${(bytes / 2 ** 20).toFixed(1)} MB) left by an interrupted write in ${directory}.`,
    );
}
