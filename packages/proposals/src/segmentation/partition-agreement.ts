/**
 * Adjusted Rand index between two label maps of the same pixels (Hubert & Arabie 1985):
 * ARI = (Σᵢⱼ C(nᵢⱼ,2) − E) / (½(Σᵢ C(aᵢ,2) + Σⱼ C(bⱼ,2)) − E), E = Σᵢ C(aᵢ,2)·Σⱼ C(bⱼ,2) / C(n,2),
 * n_ij the contingency table. 1 for identical partitions whatever the label numbering.
 */
export function adjustedRandIndex(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) throw new RangeError('adjustedRandIndex: different lengths');
  const n = a.length;
  const pairs = new Map<number, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  let maxB = 0;
  for (let i = 0; i < n; i++) if (b[i]! > maxB) maxB = b[i]!;
  const stride = maxB + 1;
  for (let i = 0; i < n; i++) {
    const key = a[i]! * stride + b[i]!;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    cols.set(b[i]!, (cols.get(b[i]!) ?? 0) + 1);
  }
  const choose2 = (m: number): number => (m * (m - 1)) / 2;
  let index = 0;
  for (const m of pairs.values()) index += choose2(m);
  let sumA = 0;
  for (const m of rows.values()) sumA += choose2(m);
  let sumB = 0;
  for (const m of cols.values()) sumB += choose2(m);
  const expected = (sumA * sumB) / choose2(n);
  const maximum = (sumA + sumB) / 2;
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}

/** Fraction of pixels whose label differs after matching each label of `a` to its majority label in `b`. */
export function relabelledDisagreement(a: Int32Array, b: Int32Array): number {
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < a.length; i++) {
    let row = votes.get(a[i]!);
    if (!row) votes.set(a[i]!, (row = new Map()));
    row.set(b[i]!, (row.get(b[i]!) ?? 0) + 1);
  }
  let agree = 0;
  for (const row of votes.values()) agree += Math.max(...row.values());
  return 1 - agree / a.length;
}
