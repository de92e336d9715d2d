import { mergeConfig } from 'vite';
import { packageTestConfig } from '../../vitest.shared.js';

// Every new native output starts as NaN under test, so a kernel that leaves part of its output
// unwritten fails instead of passing on freshly zeroed pages.
export default mergeConfig(packageTestConfig('backend-native'), {
  test: { env: { SSDET_NATIVE_POISON: '1' } },
});
