import { open, readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../io/write-file-atomically.js';
import { parseMetricsLine } from './metrics-json-line.js';

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/**
 * Makes an existing `metrics.jsonl` safe to append to: cuts a torn last line (one without its
 * newline, left by a killed process) and, when `afterStep` is given, drops every record whose
 * step is larger — what a run that resumes from the checkpoint of step `afterStep` will log
 * again. A missing file is left missing. Dropping rewrites the file atomically (temp + rename);
 * lines that do not parse are kept as they are, since this is no place to lose data.
 */
export async function trimMetricsJsonl(file: string, afterStep?: number): Promise<void> {
  if (afterStep === undefined) {
    await cutTornTail(file);
    return;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const kept = complete
    .split('\n')
    .slice(0, -1)
    .filter((line, index) => {
      if (line.trim() === '') return false;
      try {
        return parseMetricsLine(line, `${file}:${index + 1}`).step <= afterStep;
      } catch {
        return true;
      }
    });
  const next = kept.map((line) => `${line}\n`).join('');
  if (next === text) return;
  await writeFileAtomically(file, next);
}

async function cutTornTail(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r+');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let end = size;
    const chunk = Buffer.alloc(TAIL_CHUNK);
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
      if (newline >= 0) {
        const keep = start + newline + 1;
        if (keep < size) await handle.truncate(keep);
        return;
      }
      end = start;
    }
    if (size > 0) await handle.truncate(0);
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
