/**
 * SoCo's proposal filter (hologerry/SoCo `selective_search/filters.py` as summarised in
 * methods/soco.md): keep boxes with w, h ≥ 32, aspect w/h ∈ [1/3, 3] and
 * √(box area)/√(image area) ∈ [0.3, 0.8]. If nothing survives, fall back to the aspect filter
 * alone, then to w, h ≥ 32 alone, then to the whole image.
 */
export function socoFilter(boxes: Float32Array, width: number, height: number): Float32Array {
  const n = boxes.length / 4;
  const imageRoot = Math.sqrt(width * height);
  const size = (i: number): [number, number] => [
    boxes[i * 4 + 2]! - boxes[i * 4]!,
    boxes[i * 4 + 3]! - boxes[i * 4 + 1]!,
  ];
  const minSide = (i: number): boolean => {
    const [w, h] = size(i);
    return w >= 32 && h >= 32;
  };
  const aspect = (i: number): boolean => {
    const [w, h] = size(i);
    return h > 0 && w / h >= 1 / 3 && w / h <= 3;
  };
  const scale = (i: number): boolean => {
    const [w, h] = size(i);
    const r = Math.sqrt(w * h) / imageRoot;
    return r >= 0.3 && r <= 0.8;
  };
  const tiers: ((i: number) => boolean)[] = [
    (i) => minSide(i) && aspect(i) && scale(i),
    aspect,
    minSide,
  ];
  for (const keep of tiers) {
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (keep(i)) kept.push(...boxes.subarray(i * 4, i * 4 + 4));
    if (kept.length > 0) return Float32Array.from(kept);
  }
  return Float32Array.from([0, 0, width, height]);
}
