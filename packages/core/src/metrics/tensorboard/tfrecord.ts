import { crc32c, maskCrc32c } from './crc32c.js';

/**
 * Frames `data` as one TFRecord, the container of TensorBoard event files:
 *
 *     uint64 length          little-endian
 *     uint32 masked_crc32c(length bytes)
 *     byte   data[length]
 *     uint32 masked_crc32c(data)
 */
export function frameTfRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(record.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc32c(crc32c(record.subarray(0, 8))), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskCrc32c(crc32c(data)), true);
  return record;
}
