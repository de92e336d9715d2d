import { DROPOUT, type DropoutAttrs } from '@ssdet/core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** `@ssdet/core`'s inverted dropout with a Philox mask: the mask drawn and applied in one pass. */
export const dropoutKernel: NativeKernelConfig = {
  kernelName: DROPOUT,
  kernelFunc: ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x');
    const values = backend.floats(x);
    if (values === null) throw new Error(`${DROPOUT}: "x" must be float32, got ${x.dtype}`);
    const { keep, seed } = attrs as unknown as DropoutAttrs;
    return backend.output(
      x.shape,
      backend.addon.dropout(values, { size: values.length, keep, seed }),
    );
  },
};
