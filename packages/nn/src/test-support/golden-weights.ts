/**
 * TypeScript twin of `formula_values` in tools/reference/nn-modules/make_resnet_golden.py: the
 * value of every element of a PyTorch state_dict tensor as a function of (name, flat index in
 * PyTorch layout), so golden tests need no committed weights. Both sides compute in float64 with
 * the same operations and round once to float32, so the weights are bit-identical.
 */

/** FNV-1a (32-bit) of the name's UTF-8 bytes. */
function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `u(name, i) ∈ [−1, 1)`: murmur3's 32-bit finaliser of `fnv1a(name) ^ (i + 1)·0x9E3779B1`, top 24 bits. */
export function unitValues(name: string, count: number): Float64Array {
  const seed = fnv1a(name);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let x = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x = (x ^ (x >>> 13)) >>> 0;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    out[i] = ((x >>> 8) / 16777216) * 2 - 1;
  }
  return out;
}

/** The formula value of every element of the state_dict tensor `name` of `torchShape` (PyTorch layout). */
export function formulaValues(name: string, torchShape: readonly number[]): Float32Array {
  const count = torchShape.reduce((a, b) => a * b, 1);
  const u = unitValues(name, count);
  const out = new Float32Array(count);
  let map: (v: number) => number;
  if (name.endsWith('running_var')) map = (v) => 1 + 0.5 * v;
  else if (name.endsWith('running_mean') || name.endsWith('.bias')) map = (v) => 0.1 * v;
  else if (torchShape.length === 1) map = (v) => 0.5 + 0.25 * v;
  else {
    const scale = Math.sqrt(3 / (count / torchShape[0]!));
    map = (v) => v * scale;
  }
  for (let i = 0; i < count; i++) out[i] = map(u[i]!);
  return out;
}
