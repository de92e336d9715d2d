/**
 * About `count` round tick values covering [min, max]: steps of 1, 2 or 5 × 10ⁿ (Heckbert,
 * "Nice numbers for graph labels", Graphics Gems, 1990). Returns the ticks and the rounded-out
 * domain they span.
 */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
): { ticks: number[]; domain: [number, number] } {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const step = niceNumber((max - min) / Math.max(1, count - 1));
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) {
    // Snap to the step's decimal precision so that 0.1 + 0.2 prints as 0.3.
    ticks.push(Number((lo + i * step).toPrecision(12)));
  }
  return { ticks, domain: [lo, hi] };
}

function niceNumber(range: number): number {
  const exponent = Math.floor(Math.log10(range));
  const fraction = range / 10 ** exponent;
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * 10 ** exponent;
}

/** A short axis label: plain digits from 10⁻³ to 10⁵, exponent form (`3e-5`) outside. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(2).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(4)));
}
