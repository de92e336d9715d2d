import { SsdetError, type HasVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { defaultLayoutRule, fromTorchLayout, type LayoutRule } from './layout.js';
import { resolveNaming, type StateDictNaming } from './state-dict-names.js';
import { formatShape, type WeightMap } from './weight-tensor.js';

export interface LoadStateDictOptions {
  /**
   * `true` (default): every variable must be found with the right shape and every file entry
   * must be used (bar the ignored ones), or nothing is assigned and one error lists all
   * problems. `false`: assign what matches and return the problems in the report.
   */
  readonly strict?: boolean;
  /** Naming convention of the file; default `torchvision`. */
  readonly naming?: StateDictNaming;
  /**
   * Only file entries under this prefix are considered, with the prefix removed — e.g.
   * `module.encoder_q.` for a MoCo checkpoint, `backbone.bottom_up.` for detectron2. Entries
   * outside it are reported as ignored.
   */
  readonly prefix?: string;
  /** Which variables need a layout change; default {@link defaultLayoutRule}. */
  readonly layout?: LayoutRule;
}

export interface ShapeMismatch {
  readonly name: string;
  /** The variable's shape (ssdet layout). */
  readonly expected: readonly number[];
  /** The file tensor's shape after conversion to ssdet layout. */
  readonly actual: readonly number[];
}

export interface LoadStateDictReport {
  /** Variables assigned. */
  readonly loaded: readonly string[];
  /** Variables with no tensor in the file. */
  readonly missing: readonly string[];
  /** File entries (file names) that match no variable. */
  readonly unexpected: readonly string[];
  /**
   * Optional variables the file lacks, left as they are — e.g. BatchNorm `num_batches_tracked`
   * counters when loading a file without them. Not an error in strict mode.
   */
  readonly unchanged: readonly string[];
  /** File entries the model does not need: optional names it lacks (`fc.*`, `num_batches_tracked`) and everything outside `prefix`. */
  readonly ignored: readonly string[];
  readonly shapeMismatches: readonly ShapeMismatch[];
}

function listed(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, 12).join(', ');
  return `\n  ${title} (${items.length}): ${shown}${items.length > 12 ? ', …' : ''}`;
}

/**
 * Assigns weights from a state dict (`readPth` / `readSafetensors`) to a component's variables
 * by name, converting PyTorch layouts to ssdet's (OIHW → HWIO kernels, `[out, in]` →
 * `[in, out]` Linear weights). Names are mapped with `naming` (torchvision by default).
 * Optional names (`fc.*`, `*.num_batches_tracked`; see `NameMapping.isOptional`) are loaded
 * when both sides have them and tolerated when either side lacks them.
 *
 * @throws SsdetError `STATE_DICT_MISMATCH` in strict mode, listing missing and unexpected keys
 *   and shape mismatches together; no variable is changed then.
 */
export function loadStateDict(
  component: HasVariables,
  tensors: WeightMap,
  options: LoadStateDictOptions = {},
): LoadStateDictReport {
  const strict = options.strict ?? true;
  const naming = resolveNaming(options.naming ?? 'torchvision');
  const layout = options.layout ?? defaultLayoutRule;
  const prefix = options.prefix ?? '';
  const variables = component.variables();

  const ignored: string[] = [];
  const unexpected: string[] = [];
  const bySsdetName = new Map<string, string>();
  for (const fileName of tensors.keys()) {
    const ssdetName = fileName.startsWith(prefix)
      ? naming.toSsdet(fileName.slice(prefix.length))
      : undefined;
    if (ssdetName !== undefined && variables.has(ssdetName)) bySsdetName.set(ssdetName, fileName);
    else if (ssdetName === undefined || naming.isOptional(ssdetName)) ignored.push(fileName);
    else unexpected.push(fileName);
  }

  const missing: string[] = [];
  const unchanged: string[] = [];
  const shapeMismatches: ShapeMismatch[] = [];
  const ready: {
    variable: tf.Variable;
    name: string;
    data: Float32Array | Int32Array;
    shape: number[];
  }[] = [];
  for (const [name, variable] of variables) {
    const fileName = bySsdetName.get(name);
    if (fileName === undefined) {
      (naming.isOptional(name) ? unchanged : missing).push(name);
      continue;
    }
    const tensor = tensors.get(fileName)!;
    const kind = layout(name, tensor.shape.length);
    const converted =
      kind !== 'same' && tensor.shape.length !== (kind === 'conv-kernel' ? 4 : 2)
        ? { data: tensor.data, shape: [...tensor.shape] }
        : fromTorchLayout(kind, tensor.data, tensor.shape);
    if (formatShape(converted.shape) !== formatShape(variable.shape)) {
      shapeMismatches.push({ name, expected: variable.shape, actual: converted.shape });
      continue;
    }
    ready.push({ variable, name, data: converted.data, shape: converted.shape });
  }

  if (strict && (missing.length > 0 || unexpected.length > 0 || shapeMismatches.length > 0)) {
    throw new SsdetError(
      'STATE_DICT_MISMATCH',
      'The weights do not match the model:' +
        listed('missing from the file', missing) +
        listed('unexpected in the file', unexpected) +
        listed(
          'shape mismatches (model vs file, ssdet layout)',
          shapeMismatches.map(
            (m) => `${m.name} ${formatShape(m.expected)} vs ${formatShape(m.actual)}`,
          ),
        ),
      {
        hint: 'Pass { strict: false } to load what matches, or `prefix` / `naming` if the file uses other names.',
      },
    );
  }

  for (const { variable, data, shape } of ready) {
    const values =
      variable.dtype === 'int32'
        ? data instanceof Int32Array
          ? data
          : Int32Array.from(data, Math.round)
        : data instanceof Float32Array
          ? data
          : Float32Array.from(data);
    const value = tf.tensor(values, shape, variable.dtype === 'int32' ? 'int32' : 'float32');
    variable.assign(value);
    value.dispose();
  }
  return {
    loaded: ready.map((item) => item.name),
    missing,
    unchanged,
    unexpected,
    ignored,
    shapeMismatches,
  };
}
