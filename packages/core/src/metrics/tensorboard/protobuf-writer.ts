/** Protocol-buffer wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/**
 * A minimal protocol-buffer encoder: enough for TensorBoard's `Event` and `Summary`. Each field
 * is a key varint `(field << 3) | wireType` followed by its payload — a varint, 8 or 4
 * little-endian bytes, or a varint length and that many bytes.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** An `int64`/`uint64`/`int32`/`enum` field; negative values take ten bytes (two's complement). */
  int64(field: number, value: number | bigint): this {
    this.key(field, WireType.varint);
    return this.varint(value);
  }

  double(field: number, value: number): this {
    this.key(field, WireType.fixed64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.push(bytes);
  }

  float(field: number, value: number): this {
    this.key(field, WireType.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.push(bytes);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A `bytes` field or an embedded message's encoding. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WireType.lengthDelimited);
    this.varint(value.length);
    return this.push(value);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number ${field} is out of range`);
    }
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`varint ${value} is not a safe integer`);
    }
    let rest = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    while (rest >= 0x80n) {
      bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    bytes.push(Number(rest));
    return this.push(Uint8Array.from(bytes));
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
}
