import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecodedImage, RegionSource, Regions } from '@ssdet/core';
import { canonicalJson } from './canonical-json.js';

/** What a lookup found: a trusted entry, nothing, or an entry that failed a check (treated as a miss). */
export type CacheLookup =
  | { readonly status: 'hit'; readonly regions: Regions }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt'; readonly reason: string };

const MAGIC = 0x52445353; // 'SSDR' little-endian
/** Bump when the file layout changes; older files then read as corrupt and are recomputed. */
export const REGION_CACHE_VERSION = 1;

/** sha256 of the image's size and pixel bytes (the content, not the file name). */
export function imageHash(image: DecodedImage): string {
  const hash = createHash('sha256');
  hash.update(`${image.width}x${image.height}:`);
  hash.update(image.pixels);
  return hash.digest('hex');
}

/** The cache key: image content + algorithm + canonical JSON of the parameters. */
export function regionCacheKey(image: DecodedImage, source: RegionSource): string {
  return createHash('sha256')
    .update(`${imageHash(image)}\n${source.algorithm}\n${canonicalJson(source.parameters)}`)
    .digest('hex');
}

/**
 * An on-disk cache of proposals, one file per (image, algorithm, parameters):
 * `<dir>/<key[0..2]>/<key>.regions`. Layout (little-endian): magic u32, version u32, header
 * length u32, UTF-8 JSON header {key, algorithm, boxes, scores, mask: [w, h] | null}, then float32
 * boxes, float32 scores, int32 labels, then the sha256 of everything before it. Writes go to a
 * temporary file renamed into place, so readers never see half a file; any entry failing a check
 * (magic, version, key, sizes, checksum) is reported as `corrupt` and never trusted.
 */
export class RegionCache {
  constructor(readonly directory: string) {}

  pathFor(key: string): string {
    return join(this.directory, key.slice(0, 2), `${key}.regions`);
  }

  async get(image: DecodedImage, source: RegionSource): Promise<CacheLookup> {
    const key = regionCacheKey(image, source);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathFor(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'miss' };
      return { status: 'corrupt', reason: `unreadable: ${(error as Error).message}` };
    }
    return decodeEntry(bytes, key);
  }

  async put(image: DecodedImage, source: RegionSource, regions: Regions): Promise<void> {
    const key = regionCacheKey(image, source);
    const path = this.pathFor(key);
    await mkdir(join(this.directory, key.slice(0, 2)), { recursive: true });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, encodeEntry(key, source.algorithm, regions));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

interface Header {
  key: string;
  algorithm: string;
  boxes: number;
  scores: number;
  mask: [number, number] | null;
}

export function encodeEntry(key: string, algorithm: string, regions: Regions): Buffer {
  const header: Header = {
    key,
    algorithm,
    boxes: regions.boxes.length,
    scores: regions.scores?.length ?? -1,
    mask: regions.mask ? [regions.mask.width, regions.mask.height] : null,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(REGION_CACHE_VERSION, 4);
  prefix.writeUInt32LE(json.length, 8);
  const parts = [prefix, json, bytesOf(regions.boxes)];
  if (regions.scores) parts.push(bytesOf(regions.scores));
  if (regions.mask) parts.push(bytesOf(regions.mask.labels));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

export function decodeEntry(bytes: Buffer, key: string): CacheLookup {
  const corrupt = (reason: string): CacheLookup => ({ status: 'corrupt', reason });
  if (bytes.length < 12 + 32) return corrupt(`truncated (${bytes.length} bytes)`);
  if (bytes.readUInt32LE(0) !== MAGIC) return corrupt('not a region cache file (bad magic)');
  const version = bytes.readUInt32LE(4);
  if (version !== REGION_CACHE_VERSION)
    return corrupt(`format version ${version}, expected ${REGION_CACHE_VERSION}`);
  const body = bytes.subarray(0, bytes.length - 32);
  const checksum = createHash('sha256').update(body).digest();
  if (!checksum.equals(bytes.subarray(bytes.length - 32)))
    return corrupt('checksum mismatch (truncated or modified)');
  const headerLength = bytes.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(body.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  } catch {
    return corrupt('unreadable header');
  }
  if (header.key !== key) return corrupt('entry belongs to another key');
  const maskPixels = header.mask ? header.mask[0] * header.mask[1] : 0;
  const expected = 12 + headerLength + 4 * (header.boxes + Math.max(header.scores, 0) + maskPixels);
  if (expected !== body.length)
    return corrupt(`payload is ${body.length} bytes, header says ${expected}`);
  let offset = 12 + headerLength;
  const take = (n: number): ArrayBuffer => {
    const copy = new Uint8Array(4 * n);
    copy.set(body.subarray(offset, offset + 4 * n));
    offset += 4 * n;
    return copy.buffer;
  };
  const boxes = new Float32Array(take(header.boxes));
  const scores = header.scores >= 0 ? new Float32Array(take(header.scores)) : undefined;
  const mask = header.mask
    ? { width: header.mask[0], height: header.mask[1], labels: new Int32Array(take(maskPixels)) }
    : undefined;
  const regions: Regions = { boxes, ...(scores ? { scores } : {}), ...(mask ? { mask } : {}) };
  return { status: 'hit', regions };
}

function bytesOf(array: Float32Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
