// @ts-check
/**
 * The files of a new method plugin. Each template is a function of the plugin's names so that
 * the generated package is ready to build, test and publish without a manual rename.
 *
 * @typedef {object} PluginNames
 * @property {string} method        method name users type: `ssdet pretrain --method <method>`
 * @property {string} packageName   npm package name
 * @property {string} className     PascalCase stem for types, e.g. `MyMethod`
 * @property {string} constantName  UPPER_SNAKE stem for tokens, e.g. `MY_METHOD`
 * @property {string} coreVersion   version of the ssdet core the plugin is generated against
 * @property {'workspace' | 'standalone'} mode
 */

/** @param {PluginNames} n */
export function packageJson(n) {
  const workspace = n.mode === 'workspace';
  const manifest = {
    name: n.packageName,
    version: '0.1.0',
    description: `ssdet method plugin: ${n.method}.`,
    license: 'Apache-2.0',
    type: 'module',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': {
        ...(workspace ? { '@ssdet/source': './src/index.ts' } : {}),
        types: './dist/index.d.ts',
        default: './dist/index.js',
      },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md', 'CHANGELOG.md'],
    keywords: ['ssdet', 'ssdet-plugin', 'self-supervised', 'object-detection'],
    ssdet: { plugin: true },
    scripts: { build: 'tsc -b', test: 'vitest run' },
    peerDependencies: {
      '@ssdet/core': `^${n.coreVersion}`,
      '@tensorflow/tfjs-core': '4.22.0',
    },
    dependencies: { zod: '^4.1.12' },
    devDependencies: workspace
      ? { '@ssdet/core': `^${n.coreVersion}` }
      : {
          '@ssdet/core': `^${n.coreVersion}`,
          '@tensorflow/tfjs-core': '4.22.0',
          '@types/node': '^20.19.0',
          typescript: '5.9.3',
          vite: '8.3.8',
          vitest: '4.1.12',
        },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** @param {PluginNames} n */
export function tsconfigJson(n) {
  if (n.mode === 'workspace') {
    return `${JSON.stringify(
      {
        extends: '../../tsconfig.base.json',
        compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts'],
        references: [{ path: '../core' }],
      },
      null,
      2,
    )}\n`;
  }
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        experimentalDecorators: true,
        useDefineForClassFields: false,
        isolatedModules: true,
        skipLibCheck: true,
        declaration: true,
        sourceMap: true,
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
    },
    null,
    2,
  )}\n`;
}

/** @param {PluginNames} n */
export function vitestConfig(n) {
  if (n.mode === 'workspace') {
    return `import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig('plugin-${n.method}');
`;
  }
  return `import { defineConfig } from 'vitest/config';

export default defineConfig({
  // @ssdet/core uses tsyringe's (legacy) decorators.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
`;
}

/** @param {PluginNames} n */
export function configTs(n) {
  return `import { pluginConfigToken } from '@ssdet/core';
import { z } from 'zod';

/**
 * Hyper-parameters of ${n.method}. Every default is the paper's full-scale recipe; say where each
 * comes from (paper section / table, or the official config file) in a comment beside it.
 */
export const ${n.className}ConfigSchema = z
  .object({
    /** Output size of the projection (paper: §3, "projection head"). */
    embeddingDim: z.number().int().positive().default(128),
    /** Side of the square views, in pixels (paper: §4.1). */
    imageSize: z.number().int().min(8).default(224),
    /** Probability of a horizontal flip per view (paper: §4.1, augmentations). */
    flipProbability: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export type ${n.className}Config = z.output<typeof ${n.className}ConfigSchema>;

/** Small enough to train on the bundled demo data on two CPU cores in minutes. */
export const ${n.className}DemoPreset = { embeddingDim: 16, imageSize: 32 } as const;

/** Where a run binds this plugin's resolved configuration. */
export const ${n.constantName}_CONFIG = pluginConfigToken<${n.className}Config>('${n.method}');
`;
}

/** @param {PluginNames} n */
export function lossTs(n) {
  void n;
  return `import * as tf from '@tensorflow/tfjs-core';

/**
 * Normalised regression between two batches of embeddings (BYOL, Grill et al. 2020, eq. 2):
 *
 *   ℓ(p, z) = 2 − 2 · ⟨p, z⟩ / (‖p‖₂ · ‖z‖₂), averaged over the batch.
 *
 * Replace it with your paper's loss, one loss per file, its formula in this comment.
 *
 * @param predictions \`[B, D]\`
 * @param targets \`[B, D]\`
 */
export function normalizedRegressionLoss(predictions: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.div(predictions, tf.add(tf.norm(predictions, 'euclidean', 1, true), 1e-12));
    const z = tf.div(targets, tf.add(tf.norm(targets, 'euclidean', 1, true), 1e-12));
    return tf.mean(tf.sub(2, tf.mul(2, tf.sum(tf.mul(p, z), 1))));
  });
}
`;
}

/** @param {PluginNames} n */
export function viewsTs(n) {
  return `import type { Regions, Rng, Sample, View, ViewGenerator } from '@ssdet/core';
import type { ${n.className}Config } from './config.js';

/**
 * Two views of the whole image, each resized (nearest) to \`imageSize\`, scaled to [0, 1] and
 * flipped at random. Replace with your paper's views; keep every random draw on \`rng\`.
 */
export class ${n.className}Views implements ViewGenerator {
  readonly viewNames = ['view1', 'view2'] as const;
  readonly needsRegions = false;

  constructor(private readonly config: ${n.className}Config) {}

  generate(sample: Sample, _regions: Regions | undefined, rng: Rng): View[] {
    return this.viewNames.map((name) => this.view(sample, name, rng.bernoulli(this.config.flipProbability)));
  }

  private view(sample: Sample, name: string, flipped: boolean): View {
    const { width, height, pixels } = sample.image;
    const size = this.config.imageSize;
    const out = new Float32Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      const sourceY = Math.min(height - 1, Math.floor(((y + 0.5) * height) / size));
      for (let x = 0; x < size; x++) {
        const column = flipped ? size - 1 - x : x;
        const sourceX = Math.min(width - 1, Math.floor(((column + 0.5) * width) / size));
        for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = pixels[(sourceY * width + sourceX) * 3 + c]! / 255;
      }
    }
    return {
      name,
      width: size,
      height: size,
      pixels: out,
      geometry: { sourceBox: [0, 0, width, height], flipped, width: size, height: size },
    };
  }
}
`;
}

/** @param {PluginNames} n */
export function methodTs(n) {
  return `import * as tf from '@tensorflow/tfjs-core';
import type { Batch, LossOutput, NamedVariables, PretrainMethod, StepContext } from '@ssdet/core';
import type { ${n.className}Config } from './config.js';
import { normalizedRegressionLoss } from './losses/normalized-regression.js';
import { ${n.className}Views } from './views.js';

/**
 * ${n.method}: wires views, network and losses into a PretrainMethod.
 *
 * This scaffold learns a linear projection of each view's mean colour so that two views of one
 * image agree; swap in a backbone from @ssdet/nn and your paper's heads and losses.
 */
export class ${n.className}Method implements PretrainMethod {
  readonly name = '${n.method}';
  readonly views: ${n.className}Views;
  private readonly projection: tf.Variable;

  constructor(config: ${n.className}Config, seed: number) {
    this.views = new ${n.className}Views(config);
    this.projection = tf.variable(tf.randomNormal([3, config.embeddingDim], 0, 0.5, 'float32', seed), true);
  }

  variables(): NamedVariables {
    return new Map([['projection.weight', this.projection]]);
  }

  trainableVariables(): NamedVariables {
    return this.variables();
  }

  loss(batch: Batch, _context: StepContext): LossOutput {
    const embed = (view: string): tf.Tensor2D => {
      const images = batch.views[view]?.images;
      if (images === undefined) throw new Error(\`${n.method}: the batch has no view "\${view}"\`);
      return tf.matMul(tf.mean(images, [1, 2]) as tf.Tensor2D, this.projection as tf.Tensor2D);
    };
    const regression = normalizedRegressionLoss(embed('view1'), embed('view2'));
    return { total: regression, terms: { regression } };
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.variables() };
  }
}
`;
}

/** @param {PluginNames} n */
export function indexTs(n) {
  return `import { PRETRAIN_METHOD, RUN_RNG, definePlugin, provideFactory, resolveToken } from '@ssdet/core';
import { ${n.className}ConfigSchema, ${n.className}DemoPreset, ${n.constantName}_CONFIG } from './config.js';
import { ${n.className}Method } from './method.js';

export { ${n.className}ConfigSchema, ${n.className}DemoPreset, ${n.constantName}_CONFIG, type ${n.className}Config } from './config.js';
export { normalizedRegressionLoss } from './losses/normalized-regression.js';
export { ${n.className}Method } from './method.js';
export { ${n.className}Views } from './views.js';

/** The ${n.method} plugin; ssdet finds it through \`"ssdet": { "plugin": true }\` in package.json. */
export const plugin = definePlugin({
  name: '${n.method}',
  version: '0.1.0',
  coreRange: '^${n.coreVersion}',
  description: '${n.method} (replace with one line on what the method learns)',
  configSchema: ${n.className}ConfigSchema,
  presets: { demo: ${n.className}DemoPreset },
  register(container) {
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) => new ${n.className}Method(resolveToken(run, ${n.constantName}_CONFIG), resolveToken(run, RUN_RNG).fork('${n.method}').tensorSeed()),
    );
  },
});

export default plugin;
`;
}

/** @param {PluginNames} n */
export function pluginTestTs(n) {
  return `import * as tf from '@tensorflow/tfjs-core';
import {
  EventBus,
  PRETRAIN_METHOD,
  PluginRegistry,
  Rng,
  CORE_VERSION_STRING,
  createRootContainer,
  createRunContainer,
  provideValue,
  resolvePluginConfig,
  resolveToken,
  selectBackend,
  type Batch,
} from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ${n.constantName}_CONFIG, normalizedRegressionLoss, plugin } from './index.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function demoRun() {
  const config = resolvePluginConfig(plugin, { preset: 'demo' });
  const run = createRunContainer(createRootContainer(), Rng.fromSeed(0));
  provideValue(run, ${n.constantName}_CONFIG, config);
  plugin.register(run);
  return { config, method: resolveToken(run, PRETRAIN_METHOD) };
}

function batchOf(method: ReturnType<typeof demoRun>['method'], size: number): Batch {
  const rng = Rng.fromSeed(1);
  const image = { width: 20, height: 10, pixels: Uint8Array.from({ length: 600 }, (_, i) => (i * 37) % 256) };
  const samples = Array.from({ length: size }, (_, i) => method.views.generate({ record: { id: String(i), path: '' }, image }, undefined, rng.fork(String(i))));
  const views = Object.fromEntries(
    method.views.viewNames.map((name, v) => {
      const first = samples[0]![v]!;
      const data = samples.flatMap((views) => [...views[v]!.pixels]);
      return [name, { images: tf.tensor4d(data, [size, first.height, first.width, 3]), geometry: samples.map((views) => views[v]!.geometry) }];
    }),
  );
  return { size, records: [], views };
}

describe('${n.method} plugin', () => {
  it('satisfies the plugin contract for the running core', () => {
    const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
    expect(registry.add(plugin, { packageName: '${n.packageName}', discovery: 'api' }).plugin.name).toBe('${n.method}');
  });

  it('defaults to the paper and rejects invalid values by key', () => {
    expect(resolvePluginConfig(plugin).imageSize).toBe(224);
    expect(() => resolvePluginConfig(plugin, { overrides: { imageSize: 'big' } })).toThrow(/imageSize: got "big"; expected number/);
  });

  it('the loss is 0 for equal embeddings and 4 for opposite ones', () => {
    const a = tf.tensor2d([[1, 2], [3, -1]]);
    expect(normalizedRegressionLoss(a, a).dataSync()[0]).toBeCloseTo(0, 5);
    expect(normalizedRegressionLoss(a, tf.neg(a)).dataSync()[0]).toBeCloseTo(4, 5);
  });

  it('a step has a finite loss, gradients on every trainable variable, and leaks no tensors', () => {
    const { method } = demoRun();
    const batch = batchOf(method, 2);
    const before = tf.memory().numTensors;
    const trainable = [...method.trainableVariables().values()];
    const { value, grads } = tf.variableGrads(() => method.loss(batch, { step: 0, epoch: 0, totalSteps: 1, rng: Rng.fromSeed(2) }).total, trainable);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const variable of trainable) {
      const nonZero = tf.tidy(() => tf.any(tf.notEqual(grads[variable.name]!, 0)).dataSync()[0]);
      expect(nonZero).toBe(1);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
`;
}

/** @param {PluginNames} n */
export function readme(n) {
  const install =
    n.mode === 'workspace'
      ? `npm install ${n.packageName}`
      : `npm install ${n.packageName} @ssdet/core @tensorflow/tfjs-core`;
  return `# ${n.packageName}

An [ssdet](https://github.com/) method plugin: **${n.method}**. Describe in one paragraph what the
method learns and why it helps detection.

> Citation: Authors, *Title*, Venue Year.

## Install

\`\`\`sh
${install}
\`\`\`

ssdet discovers the plugin automatically (its package.json has \`"ssdet": { "plugin": true }\`).

## Use

\`\`\`sh
ssdet plugins                              # ${n.method} is listed
ssdet pretrain --method ${n.method} --demo  # a small run on the bundled data
\`\`\`

## Configuration

| key | default | source |
|---|---|---|
| \`embeddingDim\` | 128 | paper §3 |
| \`imageSize\` | 224 | paper §4.1 |
| \`flipProbability\` | 0.5 | paper §4.1 |

## Headline results

Fill in the paper's transfer results (dataset, detector, schedule, AP).

## Deviations from the paper

None yet — list every one, and why.
`;
}

/** @param {PluginNames} n */
export function changeset(n) {
  return `---
'${n.packageName}': minor
---

New method plugin \`${n.method}\`.
`;
}
