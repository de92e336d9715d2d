import { type HasVariables } from '@ssdet/core';
import { defaultLayoutRule, toTorchLayout, type LayoutRule } from './layout.js';
import { resolveNaming, type StateDictNaming } from './state-dict-names.js';
import type { WeightTensor } from './weight-tensor.js';

export interface ExportStateDictOptions {
  /** Naming convention of the output; default `torchvision`. */
  readonly naming?: StateDictNaming;
  /**
   * BatchNorm step counters (`*.num_batches_tracked`) in the file. `true`: one int64 counter
   * per BatchNorm — the model's, or `0` after its `running_var` when it holds none — as
   * torchvision's BatchNorm has. `false`: none, even when the model holds them, as detectron2's
   * FrozenBatchNorm has none. Default `true` for torchvision naming, `false` for detectron2,
   * and for a custom naming whatever counters the model holds.
   */
  readonly numBatchesTracked?: boolean;
  /** Which variables need a layout change; default {@link defaultLayoutRule}. */
  readonly layout?: LayoutRule;
  /** Prepended to every output name (e.g. `backbone.`). */
  readonly prefix?: string;
}

/**
 * A component's variables as a PyTorch-layout state dict (HWIO → OIHW kernels, `[in, out]` →
 * `[out, in]` Linear weights), ready for `writePth` or `writeSafetensors`. Float variables are
 * exported as F32, int32 ones as I64 (PyTorch's integer default). Reads the values
 * synchronously.
 */
export function exportStateDict(
  component: HasVariables,
  options: ExportStateDictOptions = {},
): Map<string, WeightTensor> {
  const namingOption = options.naming ?? 'torchvision';
  const naming = resolveNaming(namingOption);
  const layout = options.layout ?? defaultLayoutRule;
  const withCounters =
    options.numBatchesTracked ??
    (namingOption === 'torchvision' ? true : namingOption === 'detectron2' ? false : undefined);
  const prefix = options.prefix ?? '';
  const variables = component.variables();
  const out = new Map<string, WeightTensor>();
  for (const [name, variable] of variables) {
    if (withCounters === false && isStepCounter(name)) continue;
    const raw = variable.dataSync();
    const data = variable.dtype === 'int32' ? Int32Array.from(raw) : Float32Array.from(raw);
    const kind = layout(name, variable.rank);
    const converted =
      kind !== 'same' && variable.rank !== (kind === 'conv-kernel' ? 4 : 2)
        ? { data, shape: [...variable.shape] }
        : toTorchLayout(kind, data, variable.shape);
    const fileName = prefix + naming.fromSsdet(name);
    out.set(fileName, {
      dtype: variable.dtype === 'int32' ? 'I64' : 'F32',
      shape: converted.shape,
      data: converted.data,
    });
    if (withCounters === true && name.endsWith('.running_var')) {
      const base = name.slice(0, -'running_var'.length);
      const counter = `${base}num_batches_tracked`;
      if (variables.has(`${base}running_mean`) && !variables.has(counter)) {
        out.set(prefix + naming.fromSsdet(counter), {
          dtype: 'I64',
          shape: [],
          data: new Int32Array(1),
        });
      }
    }
  }
  return out;
}

function isStepCounter(name: string): boolean {
  return name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked');
}
