import { describe, expect, it } from 'vitest';
import {
  loadNativePackage,
  nativeBuilt,
  NATIVE_SUITE_NOTE,
} from './test-support/native-test-support.js';
import { resolveThreadCount } from './threads.js';

describe('resolveThreadCount', () => {
  it('uses every available core by default', () => {
    expect(resolveThreadCount({}, 6)).toBe(6);
  });

  it('obeys SSDET_NATIVE_THREADS before SSDET_NUM_THREADS', () => {
    expect(resolveThreadCount({ SSDET_NATIVE_THREADS: '3', SSDET_NUM_THREADS: '5' }, 8)).toBe(3);
    expect(resolveThreadCount({ SSDET_NUM_THREADS: '5' }, 8)).toBe(5);
    expect(resolveThreadCount({ SSDET_NATIVE_THREADS: ' ' }, 8)).toBe(8);
  });

  it('rejects a value that is not a positive integer, naming the variable', () => {
    expect(() => resolveThreadCount({ SSDET_NATIVE_THREADS: 'two' }, 8)).toThrow(
      /SSDET_NATIVE_THREADS must be a positive integer.*got "two"/,
    );
    expect(() => resolveThreadCount({ SSDET_NATIVE_THREADS: '0' }, 8)).toThrow(/positive integer/);
  });
});

describe(`native thread count${NATIVE_SUITE_NOTE}`, () => {
  it.skipIf(!nativeBuilt)('can be changed at run time and read back', async () => {
    const pkg = await loadNativePackage();
    const initial = pkg.nativeThreads();
    expect(initial).toBe(resolveThreadCount());
    pkg.setNativeThreads(1);
    expect(pkg.nativeThreads()).toBe(1);
    pkg.setNativeThreads(initial);
    expect(pkg.nativeThreads()).toBe(initial);
    expect(() => pkg.setNativeThreads(0)).toThrow(/positive integer/);
  });
});
