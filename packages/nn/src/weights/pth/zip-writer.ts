import { crc32 } from '@ssdet/core';

/** Data offsets are padded to this, as PyTorch's writer does, so readers may map tensors in place. */
const ALIGNMENT = 64;
const PADDING_FIELD_ID = 0x4246; // "FB", the extra-field id PyTorch uses for its padding

/**
 * Writes a zip archive of stored (uncompressed) entries with real CRCs and sizes in both local
 * and central headers, and each entry's data aligned to 64 bytes through a padding extra field.
 * No ZIP64: the total must stay under 4 GiB.
 */
export function writeZipEntries(
  entries: readonly { name: string; data: Uint8Array }[],
): Uint8Array {
  const encoder = new TextEncoder();
  const locals: {
    header: Uint8Array;
    data: Uint8Array;
    offset: number;
    name: Uint8Array;
    crc: number;
  }[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const unpadded = offset + 30 + name.byteLength;
    let padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
    if (padding > 0 && padding < 4) padding += ALIGNMENT; // an extra field needs 4 bytes of its own header
    const header = new Uint8Array(30 + name.byteLength + padding);
    const view = new DataView(header.buffer);
    const crc = crc32(entry.data);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, 20, true); // version needed: 2.0
    view.setUint16(6, 0x0800, true); // names are UTF-8
    view.setUint16(8, 0, true); // stored
    view.setUint32(14, crc, true);
    view.setUint32(18, entry.data.byteLength, true);
    view.setUint32(22, entry.data.byteLength, true);
    view.setUint16(26, name.byteLength, true);
    view.setUint16(28, padding, true);
    header.set(name, 30);
    if (padding > 0) {
      view.setUint16(30 + name.byteLength, PADDING_FIELD_ID, true);
      view.setUint16(32 + name.byteLength, padding - 4, true);
      header.fill(0x5a, 34 + name.byteLength); // 'Z', like torch
    }
    locals.push({ header, data: entry.data, offset, name, crc });
    offset += header.byteLength + entry.data.byteLength;
  }
  const directoryOffset = offset;
  const centrals = locals.map((local) => {
    const header = new Uint8Array(46 + local.name.byteLength);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x02014b50, true);
    view.setUint16(4, 0x031e, true); // made by: Unix, spec 3.0
    view.setUint16(6, 20, true);
    view.setUint16(8, 0x0800, true);
    view.setUint32(16, local.crc, true);
    view.setUint32(20, local.data.byteLength, true);
    view.setUint32(24, local.data.byteLength, true);
    view.setUint16(28, local.name.byteLength, true);
    view.setUint32(38, 0o100644 * 0x10000, true); // external attributes: a regular file, rw-r--r--
    view.setUint32(42, local.offset, true);
    header.set(local.name, 46);
    return header;
  });
  const directorySize = centrals.reduce((sum, header) => sum + header.byteLength, 0);
  const end = new Uint8Array(22);
  const endView = new DataView(end.buffer);
  endView.setUint32(0, 0x06054b50, true);
  endView.setUint16(8, locals.length, true);
  endView.setUint16(10, locals.length, true);
  endView.setUint32(12, directorySize, true);
  endView.setUint32(16, directoryOffset, true);

  const out = new Uint8Array(directoryOffset + directorySize + end.byteLength);
  let at = 0;
  for (const local of locals) {
    out.set(local.header, at);
    at += local.header.byteLength;
    out.set(local.data, at);
    at += local.data.byteLength;
  }
  for (const header of centrals) {
    out.set(header, at);
    at += header.byteLength;
  }
  out.set(end, at);
  return out;
}
