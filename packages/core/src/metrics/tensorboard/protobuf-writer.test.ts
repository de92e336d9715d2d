import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf-writer.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('ProtoWriter', () => {
  it('encodes the protobuf documentation examples', () => {
    // "Test1 { int32 a = 1; }" with a = 150 → 08 96 01.
    expect(hex(new ProtoWriter().int64(1, 150).finish())).toBe('089601');
    // "Test2 { string b = 2; }" with b = "testing" → 12 07 74 65 73 74 69 6e 67.
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
  });

  it("writes negative int64 as ten bytes of two's complement", () => {
    expect(hex(new ProtoWriter().int64(1, -1).finish())).toBe('08ffffffffffffffffff01');
  });

  it('writes steps past 2^32 exactly', () => {
    expect(hex(new ProtoWriter().int64(2, 2 ** 35 + 1).finish())).toBe('108180808080' + '01');
  });

  it('writes doubles and floats little-endian under wire types 1 and 5', () => {
    expect(hex(new ProtoWriter().double(1, 1).finish())).toBe('09000000000000f03f');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f');
  });

  it('nests messages as length-delimited bytes', () => {
    const inner = new ProtoWriter().int64(1, 1).finish();
    expect(hex(new ProtoWriter().bytes(5, inner).finish())).toBe('2a020801');
  });

  it('rejects field numbers protobuf does not allow', () => {
    expect(() => new ProtoWriter().int64(0, 1)).toThrow(RangeError);
  });
});
