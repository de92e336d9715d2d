/**
 * The `.pth` layouts `torch.save` has written, told apart by their first bytes:
 * - `zip`: PyTorch ≥ 1.6 (a zip archive, `PK\x03\x04`);
 * - `legacy`: PyTorch < 1.6 (or `_use_new_zipfile_serialization=False`), a stream of pickles
 *   that starts with the pickled magic number 0x1950a86a20f9469cfc6c;
 * - `legacy-tar`: the tar archive of the earliest PyTorch releases (`ustar` at byte 257);
 * - `pickle`: some other pickle (protocol 2–5), not a torch.save file.
 */
export type PthFormat = 'zip' | 'legacy' | 'legacy-tar' | 'pickle';

/** The magic number a legacy torch.save stream starts with, as its first pickle. */
export const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;

/** That number as pickle's LONG1 opcode writes it: 10 little-endian two's-complement bytes. */
const LEGACY_MAGIC_LONG1 = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

const PROTO = 0x80;
const FRAME = 0x95;
const SAFETENSORS_HEADER_START = 0x7b; // '{' at byte 8, after the 8-byte header length

/**
 * Which `.pth` layout `bytes` holds, or undefined when it is none of them (a safetensors file, or
 * anything else). Only the first bytes are inspected.
 */
export function detectPthFormat(bytes: Uint8Array): PthFormat | undefined {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return 'zip';
  if (bytes[0] === PROTO && bytes[1]! >= 2 && bytes[1]! <= 5) {
    // Protocol 4+ may open the tiny magic-number pickle with an 8-byte FRAME length.
    const start = bytes[2] === FRAME ? 11 : 2;
    // A file cut inside the magic number still counts: its reader then reports the truncation.
    const magicSoFar = LEGACY_MAGIC_LONG1.every(
      (byte, i) => start + i >= bytes.byteLength || bytes[start + i] === byte,
    );
    if (magicSoFar) return 'legacy';
    // A safetensors file whose header length happens to start 0x80 0x02 has '{' at byte 8.
    if (bytes[8] !== SAFETENSORS_HEADER_START) return 'pickle';
  }
  if (bytes.byteLength >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar')
    return 'legacy-tar';
  return undefined;
}
