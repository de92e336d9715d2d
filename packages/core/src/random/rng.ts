import { SsdetError } from '../errors/ssdet-error.js';
import { hash128, type Words128 } from './hash128.js';

/** The serialisable position of an {@link Rng}; checkpoints store it so a resumed run draws the same numbers. */
export interface RngState {
  readonly key: readonly number[];
  readonly state: readonly number[];
}

const ROOT_SALT: Words128 = [0, 0, 0, 0];
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * The run's source of randomness: xoshiro128** seeded from a 128-bit key.
 *
 * `fork(label)` derives a child stream from this stream's *key* and the label only — not from
 * how many numbers have been drawn — so `rng.fork('worker-3').fork('view-1')` is the same stream
 * whatever else the run did first. That is what keeps a run reproducible when data workers, views
 * and plugins all need randomness.
 */
export class Rng {
  private readonly key: Words128;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(key: Words128, state?: readonly number[]) {
    this.key = key;
    const initial = state ?? hash128('xoshiro128**', key);
    this.s0 = initial[0]! >>> 0;
    this.s1 = initial[1]! >>> 0;
    this.s2 = initial[2]! >>> 0;
    this.s3 = initial[3]! >>> 0;
    // The all-zero state is xoshiro's single fixed point.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The root stream of a run. Equal seeds give equal streams on every platform. */
  static fromSeed(seed: number | string): Rng {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new SsdetError('RNG_SEED_INVALID', `The seed must be an integer; got ${seed}.`);
    }
    return new Rng(hash128(`seed:${String(seed)}`, ROOT_SALT));
  }

  /** Restores a stream saved with {@link Rng.saveState}. */
  static restore(saved: RngState): Rng {
    if (!isWords(saved.key) || !isWords(saved.state)) {
      throw new SsdetError(
        'RNG_STATE_INVALID',
        'The saved RNG state must hold `key` and `state`, four unsigned 32-bit integers each.',
      );
    }
    return new Rng(saved.key as unknown as Words128, saved.state);
  }

  /** An independent child stream, e.g. `rng.fork('data').fork('worker-2')`. */
  fork(label: string): Rng {
    return new Rng(hash128(label, this.key));
  }

  saveState(): RngState {
    return { key: [...this.key], state: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** A double uniformly distributed in [low, high), with 53 random bits. */
  uniform(low = 0, high = 1): number {
    const upper = this.nextUint32() >>> 5;
    const lower = this.nextUint32() >>> 6;
    const unit = (upper * 67108864 + lower) / TWO_POW_53;
    return low + (high - low) * unit;
  }

  /** An integer uniformly distributed in [low, high), without modulo bias. */
  int(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
      throw new SsdetError(
        'RNG_RANGE_INVALID',
        `Rng.int needs integers low < high; got [${low}, ${high}).`,
      );
    }
    const span = high - low;
    if (span > TWO_POW_32) return low + Math.floor(this.uniform() * span);
    const limit = TWO_POW_32 - (TWO_POW_32 % span);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return low + (draw % span);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** A standard normal draw scaled to N(mean, std²), by the Box–Muller transform. */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.uniform(); // (0, 1]: log(0) must not happen
    const v = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const swap = items[i]!;
      items[i] = items[j]!;
      items[j] = swap;
    }
    return items;
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0)
      throw new SsdetError('RNG_CHOICE_EMPTY', 'Rng.choice needs a non-empty array.');
    return items[this.int(0, items.length)]!;
  }

  /** A seed for tfjs ops that take one (`tf.randomNormal(shape, mean, std, dtype, seed)`). */
  tensorSeed(): number {
    return this.nextUint32();
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

function isWords(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((word) => Number.isInteger(word) && word >= 0 && word < TWO_POW_32)
  );
}
