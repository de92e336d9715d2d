import { SsdetError, crc32 } from '@ssdet/core';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** One stored (uncompressed) entry of a zip archive; `data` is a view into the archive. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

function fail(sourceName: string, problem: string): never {
  throw new SsdetError('ZIP_INVALID', `${sourceName}: ${problem}`, {
    hint: 'PyTorch .pth files are zip archives of stored entries, as torch.save (PyTorch ≥ 1.6) writes them.',
  });
}

/**
 * Reads the entries of a zip archive that holds stored entries only — the layout
 * `torch.save` writes. Sizes and offsets come from the central directory (torch's writer
 * leaves them zero in local headers and appends data descriptors), and each entry's CRC-32 is
 * verified.
 *
 * Refused with `SsdetError('ZIP_INVALID')`: a missing end-of-central-directory record,
 * compressed or encrypted entries, ZIP64 archives whose sizes need 64-bit fields (archives
 * over 4 GiB; the ZIP64 records miniz adds to small archives are ignored), and any offset or
 * size pointing outside the file.
 */
export function readZipEntries(bytes: Uint8Array, sourceName: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < EOCD_SIZE)
    fail(sourceName, `${bytes.byteLength} bytes is too short for a zip archive (truncated?).`);
  let eocd = -1;
  const searchEnd = Math.max(0, bytes.byteLength - EOCD_SIZE - MAX_COMMENT);
  for (let at = bytes.byteLength - EOCD_SIZE; at >= searchEnd; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0)
    fail(sourceName, 'no end-of-central-directory record: not a zip archive, or truncated.');
  const entryCount = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    fail(sourceName, 'this ZIP64 archive (over 4 GiB or 65535 entries) is not supported.');
  }
  if (directoryOffset + directorySize > eocd) {
    fail(
      sourceName,
      `the central directory (offset ${directoryOffset}, ${directorySize} bytes) lies outside the file (truncated?).`,
    );
  }

  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < entryCount; index++) {
    if (
      at + 46 > directoryOffset + directorySize ||
      view.getUint32(at, true) !== CENTRAL_SIGNATURE
    ) {
      fail(sourceName, `central directory entry ${index} is malformed.`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > bytes.byteLength)
      fail(sourceName, `central directory entry ${index} is truncated.`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if ((flags & 1) !== 0)
      fail(sourceName, `entry "${name}" is encrypted; encrypted archives are not supported.`);
    if (method !== 0) {
      fail(
        sourceName,
        `entry "${name}" is compressed (method ${method}); only stored entries (method 0), as torch.save writes them, are supported.`,
      );
    }
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      fail(sourceName, `entry "${name}" uses ZIP64 sizes (over 4 GiB), which are not supported.`);
    }
    if (compressedSize !== size)
      fail(
        sourceName,
        `stored entry "${name}" has different compressed (${compressedSize}) and uncompressed (${size}) sizes.`,
      );
    if (
      localOffset + 30 > bytes.byteLength ||
      view.getUint32(localOffset, true) !== LOCAL_SIGNATURE
    ) {
      fail(sourceName, `the local header of entry "${name}" (offset ${localOffset}) is missing.`);
    }
    const dataStart =
      localOffset +
      30 +
      view.getUint16(localOffset + 26, true) +
      view.getUint16(localOffset + 28, true);
    if (dataStart + size > bytes.byteLength) {
      fail(
        sourceName,
        `entry "${name}" (${size} bytes at offset ${dataStart}) extends past the end of the file (truncated?).`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (crc32(data) !== crc)
      fail(sourceName, `entry "${name}" fails its CRC-32 check (corrupted file).`);
    entries.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
