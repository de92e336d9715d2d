import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { writeFileAtomically } from '@ssdet/core';
import { decodeEntry, type RegionCache } from '../cache/region-cache.js';

/** One line of `manifest.jsonl`: a finished image and where its regions are. */
export interface ManifestEntry {
  readonly id: string;
  readonly index: number;
  /** The image file. */
  readonly file: string;
  /** The cache entry, relative to the job's output directory (`regions/ab/ab….regions`). */
  readonly entry: string;
  readonly key: string;
  readonly bytes: number;
  readonly regions: number;
  readonly seconds: number;
}

/** How much of a cache entry must read back for a manifest line to be trusted on resume. */
export type ResumeCheck = 'checksum' | 'size';

/**
 * The well-formed entries of a manifest, last line per image id winning. A line cut short by a
 * kill, or anything else that does not parse as an entry, is dropped (its image is recomputed).
 */
export async function readManifest(file: string): Promise<ManifestEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const byId = new Map<string, ManifestEntry>();
  for (const line of text.split('\n')) {
    const entry = parseEntry(line);
    if (entry !== undefined) byId.set(entry.id, entry);
  }
  return [...byId.values()];
}

function parseEntry(line: string): ManifestEntry | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v['id'] === 'string' &&
    typeof v['file'] === 'string' &&
    typeof v['entry'] === 'string' &&
    typeof v['key'] === 'string' &&
    Number.isInteger(v['index']) &&
    Number.isInteger(v['bytes']) &&
    Number.isInteger(v['regions']) &&
    typeof v['seconds'] === 'number';
  return ok ? (value as ManifestEntry) : undefined;
}

/** Whether the cache entry a manifest line points to is still there and intact. */
export async function entryReadsBack(
  cache: RegionCache,
  entry: ManifestEntry,
  check: ResumeCheck,
): Promise<boolean> {
  const path = cache.pathFor(entry.key);
  try {
    if (check === 'size') return (await stat(path)).size === entry.bytes;
    const bytes = await readFile(path);
    return bytes.length === entry.bytes && decodeEntry(bytes, entry.key).status === 'hit';
  } catch {
    return false;
  }
}

export function manifestLine(entry: ManifestEntry): string {
  const { id, index, file, entry: path, key, bytes, regions, seconds } = entry;
  return `${JSON.stringify({ id, index, file, entry: path, key, bytes, regions, seconds })}\n`;
}

/**
 * Appends manifest lines as images finish. Each line is one write on an append-mode file, and
 * writes are serialised, so a kill leaves at most one partial last line (dropped on resume).
 */
export class ManifestWriter {
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly handle: FileHandle) {}

  /** Starts the manifest over with `kept` (written atomically), then appends to it. */
  static async open(file: string, kept: readonly ManifestEntry[]): Promise<ManifestWriter> {
    await writeFileAtomically(file, kept.map(manifestLine).join(''));
    return new ManifestWriter(await open(file, 'a'));
  }

  append(entry: ManifestEntry): Promise<void> {
    const next = this.chain.then(() => this.handle.appendFile(manifestLine(entry)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}
