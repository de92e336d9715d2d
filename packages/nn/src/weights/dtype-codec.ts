import { SsdetError } from '@ssdet/core';
import { DTYPE_BYTES, isFloatDtype, type WeightDtype } from './weight-tensor.js';

// Weight files are little-endian; on the (usual) little-endian host F32/I32 decode is a copy.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE-754 binary16 bits → number (exact). */
export function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** number → binary16 bits, rounding to nearest even like PyTorch's `.half()`. */
export function numberToHalfBits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** bfloat16 bits → number (exact: bfloat16 is the top half of a float32). */
export function bfloat16BitsToNumber(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/** number → bfloat16 bits, rounding to nearest even like PyTorch. */
export function numberToBfloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  if (Number.isNaN(value)) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Decodes `count` little-endian elements of `dtype` from `bytes`.
 * Floats become float32 (F64 rounds), integers and booleans int32 (I64 must fit; see below).
 *
 * @param context names the tensor and file in error messages.
 * @throws SsdetError `WEIGHTS_INT64_RANGE` when an I64 value lies outside the int32 range —
 *   wrapping it silently would corrupt, for example, a step counter.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: WeightDtype,
  count: number,
  context: string,
): Float32Array | Int32Array {
  const expectedBytes = count * DTYPE_BYTES[dtype];
  if (bytes.byteLength !== expectedBytes) {
    throw new SsdetError(
      'WEIGHTS_SIZE_MISMATCH',
      `${context}: ${count} elements of ${dtype} need ${expectedBytes} bytes; got ${bytes.byteLength}.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isFloatDtype(dtype)) {
    const out = new Float32Array(count);
    if (dtype === 'F32') {
      if (HOST_IS_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    } else if (dtype === 'F64') {
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
    } else if (dtype === 'F16') {
      for (let i = 0; i < count; i++) out[i] = halfBitsToNumber(view.getUint16(i * 2, true));
    } else {
      for (let i = 0; i < count; i++) out[i] = bfloat16BitsToNumber(view.getUint16(i * 2, true));
    }
    return out;
  }
  const out = new Int32Array(count);
  switch (dtype) {
    case 'I64':
      for (let i = 0; i < count; i++) {
        const low = view.getUint32(i * 8, true);
        const high = view.getInt32(i * 8 + 4, true);
        const fits = (high === 0 && low < 0x80000000) || (high === -1 && low >= 0x80000000);
        if (!fits) {
          throw new SsdetError(
            'WEIGHTS_INT64_RANGE',
            `${context}: element ${i} is ${(BigInt(high) << 32n) + BigInt(low)}, outside the int32 range ssdet holds integers in.`,
          );
        }
        out[i] = low | 0;
      }
      break;
    case 'I32':
      if (HOST_IS_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1;
      break;
  }
  return out;
}

const INTEGER_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  I64: [-(2 ** 53), 2 ** 53],
  I32: [-(2 ** 31), 2 ** 31 - 1],
  I16: [-32768, 32767],
  I8: [-128, 127],
  U8: [0, 255],
  BOOL: [0, 1],
};

/**
 * Encodes values as little-endian `dtype` elements. Floats round to the target precision
 * (F16/BF16 round to nearest even); integer dtypes require integral values in range.
 *
 * @throws SsdetError `WEIGHTS_DTYPE_RANGE` for a non-integral or out-of-range integer value.
 */
export function encodeElements(
  values: Float32Array | Int32Array,
  dtype: WeightDtype,
  context: string,
): Uint8Array {
  const count = values.length;
  const out = new Uint8Array(count * DTYPE_BYTES[dtype]);
  const view = new DataView(out.buffer);
  if (HOST_IS_LITTLE_ENDIAN && dtype === 'F32' && values instanceof Float32Array) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return out;
  }
  if (HOST_IS_LITTLE_ENDIAN && dtype === 'I32' && values instanceof Int32Array) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return out;
  }
  if (isFloatDtype(dtype)) {
    for (let i = 0; i < count; i++) {
      const value = values[i]!;
      if (dtype === 'F32') view.setFloat32(i * 4, value, true);
      else if (dtype === 'F64') view.setFloat64(i * 8, value, true);
      else if (dtype === 'F16') view.setUint16(i * 2, numberToHalfBits(value), true);
      else view.setUint16(i * 2, numberToBfloat16Bits(value), true);
    }
    return out;
  }
  const [min, max] = INTEGER_RANGE[dtype]!;
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new SsdetError(
        'WEIGHTS_DTYPE_RANGE',
        `${context}: element ${i} (${value}) is not representable as ${dtype} (integers ${min}…${max}).`,
      );
    }
    switch (dtype) {
      case 'I64':
        view.setBigInt64(i * 8, BigInt(value), true);
        break;
      case 'I32':
        view.setInt32(i * 4, value, true);
        break;
      case 'I16':
        view.setInt16(i * 2, value, true);
        break;
      case 'I8':
        view.setInt8(i, value);
        break;
      default:
        view.setUint8(i, value);
    }
  }
  return out;
}
