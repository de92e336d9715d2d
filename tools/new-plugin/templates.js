// @ts-check
/**
 * The files of a new method plugin. The sources are real TypeScript in `template/` (the shape of
 * the shipped plugins, DenseCL and SoCo) with placeholders that {@link fill} replaces; the files
 * that differ between a package in this repository and a stand-alone one (manifest, TypeScript
 * and vitest configuration, README) are written here.
 *
 * @typedef {object} PluginNames
 * @property {string} method        method name users type: `ssdet pretrain --method <method>`
 * @property {string} packageName   npm package name
 * @property {string} className     PascalCase stem for classes and types, e.g. `BlobContrast`
 * @property {string} camelName     camelCase stem for functions and values, e.g. `blobContrast`
 * @property {string} constantName  UPPER_SNAKE stem for tokens and constants, e.g. `BLOB_CONTRAST`
 * @property {string} coreRange     the `@ssdet/core` peer range, e.g. `^0.1.0` (also `coreRange` in plugin.ts)
 * @property {RepoVersions} versions versions of what the package depends on
 * @property {'workspace' | 'standalone'} mode
 *
 * @typedef {object} RepoVersions
 * @property {string} core          `@ssdet/core`'s version
 * @property {string} nn            `@ssdet/nn`'s version
 * @property {string} data          `@ssdet/data`'s version
 * @property {Record<string, string>} ranges  dependency ranges used by this repository, by package name
 */

/** Directories of `template/` that only a stand-alone package gets (this repository has its own CI). */
export const STANDALONE_ONLY = ['.github/', 'scripts/'];

const PLACEHOLDER = /__(method|Name|name|NAME|coreRange)__/g;

/**
 * A template file with its placeholders replaced: `__method__`, `__Name__`, `__name__`,
 * `__NAME__`, `__coreRange__`. Throws on any `__word__` left over (a misspelt placeholder).
 *
 * @param {string} text
 * @param {PluginNames} n
 * @param {string} file  for the message
 */
export function fill(text, n, file) {
  /** @type {Record<string, string>} */
  const values = {
    method: n.method,
    Name: n.className,
    name: n.camelName,
    NAME: n.constantName,
    coreRange: n.coreRange,
  };
  const filled = text.replace(PLACEHOLDER, (_, key) => /** @type {string} */ (values[key]));
  const leftover = /__[A-Za-z]+__/.exec(filled);
  if (leftover !== null) throw new Error(`template/${file}: unknown placeholder ${leftover[0]}.`);
  return filled;
}

/**
 * @param {PluginNames} n
 * @param {string} name
 */
function range(n, name) {
  const value = n.versions.ranges[name];
  if (value === undefined) throw new Error(`No version of ${name} found in this repository.`);
  return value;
}

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
    keywords: ['ssdet', 'ssdet-plugin', 'self-supervised', 'object-detection', n.method],
    ssdet: { plugin: true },
    ...(workspace ? {} : { engines: { node: range(n, 'node') } }),
    scripts: workspace
      ? { build: 'tsc -b', test: 'vitest run' }
      : {
          build: 'tsc -p tsconfig.build.json',
          typecheck: 'tsc -p tsconfig.json',
          test: 'vitest run',
          prepublishOnly: 'npm run typecheck && npm run build',
        },
    dependencies: {
      '@ssdet/data': `^${n.versions.data}`,
      '@ssdet/nn': `^${n.versions.nn}`,
      zod: range(n, 'zod'),
    },
    peerDependencies: {
      '@ssdet/core': n.coreRange,
      '@tensorflow/tfjs-core': range(n, '@tensorflow/tfjs-core'),
    },
    devDependencies: workspace
      ? { '@ssdet/core': n.coreRange }
      : {
          '@ssdet/core': n.coreRange,
          '@tensorflow/tfjs-core': range(n, '@tensorflow/tfjs-core'),
          '@types/node': range(n, '@types/node'),
          semver: range(n, 'semver'),
          typescript: range(n, 'typescript'),
          vite: range(n, 'vite'),
          vitest: range(n, 'vitest'),
        },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * In this repository: a composite project built by the root `tsc -b` (tsconfig.build.json); its
 * tests are type-checked by the root tsconfig.json. Stand-alone: tsconfig.json type-checks
 * everything (`npm run typecheck`), tsconfig.build.json emits dist/ without the tests.
 *
 * @param {PluginNames} n
 * @returns {Record<string, string>} file name → content
 */
export function tsconfigFiles(n) {
  const json = (/** @type {unknown} */ value) => `${JSON.stringify(value, null, 2)}\n`;
  if (n.mode === 'workspace') {
    return {
      'tsconfig.json': json({
        extends: '../../tsconfig.base.json',
        compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts'],
        references: [{ path: '../core' }, { path: '../data' }, { path: '../nn' }],
      }),
    };
  }
  return {
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        isolatedModules: true,
        skipLibCheck: true,
        declaration: true,
        sourceMap: true,
        rootDir: 'src',
        outDir: 'dist',
        noEmit: true,
      },
      include: ['src/**/*.ts'],
    }),
    'tsconfig.build.json': json({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false },
      exclude: ['src/**/*.test.ts'],
    }),
  };
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
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, pool: 'forks' },
});
`;
}

export const gitignore = 'node_modules/\ndist/\n';

/** @param {PluginNames} n */
export function readme(n) {
  const workspace = n.mode === 'workspace';
  const install = workspace
    ? `npm install ${n.packageName}`
    : `npm install ${n.packageName} @ssdet/core @tensorflow/tfjs-core`;
  const develop = workspace
    ? `In this repository:

\`\`\`sh
npm install                             # links the package
npm run build                           # tsconfig.build.json references it
npx vitest run --project plugin-${n.method}
npm run ssdet -- pretrain --method ${n.method} --demo --max-steps 3
\`\`\`

The repository's CI runs the suite; \`npx changeset\` for every user-visible change.`
    : `\`\`\`sh
npm install
npm run typecheck && npm test           # the suite trains 3 demo steps through runPretraining
npm run build                           # dist/, what ssdet loads
ssdet pretrain --method ${n.method} --demo --max-steps 3 --plugin .
\`\`\`

CI (\`.github/workflows/ci.yml\`) runs the suite against the lowest and the highest \`@ssdet/core\`
of the peer range in package.json (\`scripts/core-versions.mjs\` picks them from the registry), on
every push and weekly: that is how the plugin keeps working as the core moves. When both pass on a
new core line, widen the peer range and \`coreRange\` in \`src/plugin.ts\` together (a test checks
that they are equal).`;
  return `# ${n.packageName}

An ssdet method plugin: **${n.method}**. Describe in one paragraph what the method learns and why
it helps detection.

> Citation: Authors, _Title_, Venue Year.

## Install

\`\`\`sh
${install}
\`\`\`

ssdet discovers the plugin automatically (its package.json has \`"ssdet": { "plugin": true }\`).

## Use

\`\`\`sh
ssdet plugins                                       # ${n.method} is listed
ssdet pretrain --method ${n.method} --demo         # a small run on the bundled synthetic data
ssdet pretrain --method ${n.method} --data ./images --batch-size 256 --max-steps 10000
\`\`\`

## Configuration

\`--set key=value\` overrides any key; \`--batch-size\`, \`--epochs\`, \`--max-steps\` set \`train.*\`. The
defaults are the paper's full recipe (the scaffold's are BYOL's: replace them, and their sources).

| key | default | source |
| --- | --- | --- |
| \`imageSize\` | 224 | BYOL §3.3, image augmentations |
| \`backbone.arch\`, \`backbone.widthMultiplier\` | resnet50, 1 | BYOL §3.3, architecture |
| \`projector.hiddenDim\`, \`projector.outDim\` | 4096, 256 | BYOL §3.3, architecture |
| \`predictor.hiddenDim\` | 4096 | BYOL §3.3, architecture |
| \`momentum\` | 0.996, cosine to 1 | BYOL §3.3, optimization |
| \`regressionWeight\` | 1 | BYOL eq. 2 (one loss) |
| \`train.batchSize\`, \`train.epochs\` | 4096, 1000 | BYOL §3.3, optimization |
| \`train.optimizer\` | LARS, lr 0.2, weight decay 1.5e-6 | BYOL §3.3, optimization |
| \`train.schedule\` | cosine, 10 warm-up epochs, lr × batch/256 | BYOL §3.3, optimization |
| \`--demo\` preset | ResNet-18 × 1/8, 64 px, batch 8, 20 steps | src/config.ts |

## Writing the method

The scaffold is BYOL (Grill et al., NeurIPS 2020) built from ssdet's shared pieces — the \`byol\` view
recipe, a backbone from the stage registry, \`@ssdet/nn\`'s \`MlpHead\`, \`MomentumPairs\` and
\`normalizedRegressionLoss\` — so it trains as generated. Make it your paper, file by file:

| file                | what goes in it                                                                                       |
| ------------------- | ----------------------------------------------------------------------------------------------------- |
| \`src/config.ts\`     | the paper's hyper-parameter table: defaults = the full recipe, each with its source; \`train\`; \`demo\` |
| \`src/views.ts\`      | the views each image becomes: a shared recipe (\`byol\`, \`mocov2\`) or your own \`ViewGenerator\`        |
| \`src/encoder.ts\`    | the networks: a registered backbone and heads from \`@ssdet/nn\`                                       |
| \`src/losses/*.ts\`   | one \`Loss\` per file, its formula in the doc comment                                                   |
| \`src/method.ts\`     | the \`PretrainMethod\`, wiring views, networks and losses top to bottom                                 |
| \`src/plugin.ts\`     | \`definePlugin({...})\`: name, version (from package.json), core range, what it builds on               |
| \`src/*.test.ts\`     | config and version, loss, gradients, EMA, and 3 demo steps through \`runPretraining\`                   |

## Development

${develop}

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
