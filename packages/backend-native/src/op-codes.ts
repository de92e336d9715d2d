/**
 * The ops the TypeScript kernels ask the addon for, by family and name. The numbers are not
 * here: the addon defines every code once (`native/op_codes.h`) and exports the table as
 * `addon.opCodes` (`{ binary: { Add: 0, … }, unary: { … }, … }`), from which the kernels read
 * them by these names. Loading the addon checks that its table has each ({@link missingOpCode}).
 */
export const OP_NAMES = {
  binary: ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'SquaredDifference', 'ReluGrad'],
  unary: [
    'Neg',
    'Square',
    'Sqrt',
    'Rsqrt',
    'Exp',
    'Log',
    'Abs',
    'Relu',
    'Relu6',
    'Sigmoid',
    'Tanh',
    'Step',
    'Reciprocal',
    'Elu',
    'LeakyRelu',
    'Log1p',
    'Floor',
  ],
  reduce: ['Sum', 'Mean', 'Max', 'Min'],
  activation: ['Linear', 'Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Sigmoid'],
  pool: ['Max', 'Avg'],
} as const;

/** A family of op codes in `addon.opCodes`. */
export type OpFamily = keyof typeof OP_NAMES;

/** The name of an op of `family` that the kernels use. */
export type OpName<F extends OpFamily> = (typeof OP_NAMES)[F][number];

/** The addon's op-code table, as far as the kernels read it: each family's codes by name. */
export type OpCodes = {
  readonly [F in OpFamily]: { readonly [N in OpName<F>]: number };
};

/**
 * The first op of {@link OP_NAMES} that `table` (an addon's `opCodes`) lacks, as
 * `"<family>.<name>"`, or `undefined` when it has them all. An addon built from older sources than
 * this package lacks some (or the whole table).
 */
export function missingOpCode(table: unknown): string | undefined {
  for (const [family, names] of Object.entries(OP_NAMES)) {
    const codes = isRecord(table) ? table[family] : undefined;
    for (const name of names) {
      if (!isRecord(codes) || !Number.isInteger(codes[name])) return `${family}.${name}`;
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}
