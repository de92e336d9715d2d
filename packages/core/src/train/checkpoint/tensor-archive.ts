import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '../../errors/ssdet-error.js';
import { withPath } from '../../io/file-system-error.js';
import { crc32 } from './crc32.js';

/** A tensor's bytes as stored: float32 or int32, row-major. */
export interface StoredTensor {
  readonly dtype: 'float32' | 'int32';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

interface Header {
  readonly format: 'ssdet-archive';
  readonly version: 1;
  readonly meta: unknown;
  readonly tensors: Record<
    string,
    { dtype: 'float32' | 'int32'; shape: number[]; offset: number; length: number }
  >;
  readonly dataBytes: number;
  readonly crc32: number;
}

const MAGIC = 'SSDETAR1';
const MAX_HEADER_BYTES = 64 * 2 ** 20;

/**
 * Writes tensors and JSON metadata to `file` atomically: everything goes to a temporary file in
 * the same directory, which is fsynced, renamed over `file`, and the directory fsynced — so a
 * crash leaves either the old file or the complete new one, never a torn one.
 *
 * Layout: 8-byte magic, uint32 header length, JSON header (tensor index, metadata, CRC-32 of
 * the data), then the tensors' bytes.
 */
export async function writeTensorArchive(
  file: string,
  tensors: ReadonlyMap<string, StoredTensor>,
  meta: unknown,
): Promise<void> {
  const index: Header['tensors'] = {};
  let offset = 0;
  const chunks: Uint8Array[] = [];
  let crc = 0;
  for (const [name, tensor] of tensors) {
    const bytes = new Uint8Array(
      tensor.data.buffer,
      tensor.data.byteOffset,
      tensor.data.byteLength,
    );
    index[name] = {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      offset,
      length: bytes.byteLength,
    };
    chunks.push(bytes);
    crc = crc32(bytes, crc);
    offset += bytes.byteLength;
  }
  const header: Header = {
    format: 'ssdet-archive',
    version: 1,
    meta,
    tensors: index,
    dataBytes: offset,
    crc32: crc,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(12);
  prefix.set(new TextEncoder().encode(MAGIC));
  new DataView(prefix.buffer).setUint32(8, headerBytes.byteLength, true);

  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.write(prefix);
    await handle.write(headerBytes);
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw withPath(error, file);
  }
  await handle.close();
  await rename(temporary, file);
  const directory = await open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Reads an archive, checking its structure and CRC; any damage is an error naming the file. */
export async function readTensorArchive(
  file: string,
): Promise<{ meta: unknown; tensors: Map<string, StoredTensor> }> {
  const bytes = await readFile(file);
  const corrupt = (why: string): SsdetError =>
    new SsdetError('CHECKPOINT_CORRUPT', `Checkpoint ${file} is damaged: ${why}.`);
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw corrupt('it is not an ssdet archive');
  const headerLength = bytes.readUInt32LE(8);
  if (headerLength > MAX_HEADER_BYTES || 12 + headerLength > bytes.byteLength)
    throw corrupt('its header is truncated');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  } catch {
    throw corrupt('its header is not valid JSON');
  }
  const dataStart = 12 + headerLength;
  if (header.format !== 'ssdet-archive' || header.version !== 1)
    throw corrupt(`unknown format ${String(header.format)} v${String(header.version)}`);
  if (bytes.byteLength !== dataStart + header.dataBytes)
    throw corrupt(
      `it has ${bytes.byteLength - dataStart} data bytes, expected ${header.dataBytes}`,
    );
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart, header.dataBytes);
  if (crc32(data) !== header.crc32) throw corrupt('its data does not match its checksum');
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header.tensors)) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (
      entry.offset < 0 ||
      entry.offset + entry.length > header.dataBytes ||
      entry.length !== count * 4
    )
      throw corrupt(`tensor ${name} has an invalid extent`);
    const copy = data.slice(entry.offset, entry.offset + entry.length);
    const values =
      entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: values });
  }
  return { meta: header.meta, tensors };
}
