// @ts-check
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as templates from './templates.js';

const METHOD_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * @typedef {object} GenerateOptions
 * @property {string} method           e.g. `my-method`
 * @property {string} coreVersion      version of the ssdet core to depend on
 * @property {string} [repoRoot]       the ssdet monorepo: generate `packages/plugin-<method>` in it
 * @property {string} [outDir]         generate a stand-alone package in this directory instead
 */

/**
 * Scaffolds a method plugin package: manifest, TypeScript config, config schema with a demo
 * preset, views, one loss, `method.ts`, the plugin entry, a passing test suite, README and a
 * changeset. Refuses to overwrite an existing package.
 *
 * @param {GenerateOptions} options
 * @returns {Promise<{ dir: string, files: string[] }>}
 */
export async function generatePlugin(options) {
  if (!METHOD_NAME.test(options.method)) {
    throw new Error(
      `The method name must be lowercase letters, digits and dashes, starting with a letter; got "${options.method}".`,
    );
  }
  const mode = options.outDir === undefined ? 'workspace' : 'standalone';
  if (mode === 'workspace' && options.repoRoot === undefined)
    throw new Error('generatePlugin needs repoRoot or outDir.');
  const dir =
    options.outDir !== undefined
      ? path.resolve(options.outDir)
      : path.join(/** @type {string} */ (options.repoRoot), 'packages', `plugin-${options.method}`);
  if (existsSync(path.join(dir, 'package.json')))
    throw new Error(`${dir} already holds a package; not overwriting it.`);

  const stem = options.method
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  /** @type {templates.PluginNames} */
  const names = {
    method: options.method,
    packageName:
      mode === 'workspace' ? `@ssdet/plugin-${options.method}` : `ssdet-plugin-${options.method}`,
    className: /^[0-9]/.test(stem) ? `M${stem}` : stem,
    constantName: options.method.toUpperCase().replace(/-/g, '_'),
    coreVersion: options.coreVersion,
    mode,
  };

  /** @type {Record<string, string>} */
  const files = {
    'package.json': templates.packageJson(names),
    'tsconfig.json': templates.tsconfigJson(names),
    'vitest.config.ts': templates.vitestConfig(names),
    'README.md': templates.readme(names),
    'src/index.ts': templates.indexTs(names),
    'src/config.ts': templates.configTs(names),
    'src/views.ts': templates.viewsTs(names),
    'src/method.ts': templates.methodTs(names),
    'src/losses/normalized-regression.ts': templates.lossTs(names),
    'src/plugin.test.ts': templates.pluginTestTs(names),
  };
  if (mode === 'standalone') files['.gitignore'] = 'node_modules/\ndist/\n';
  for (const [relative, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await writeFile(path.join(dir, relative), content);
  }
  const written = Object.keys(files).map((relative) => path.join(dir, relative));

  if (mode === 'workspace') {
    const root = /** @type {string} */ (options.repoRoot);
    const changesetPath = path.join(root, '.changeset', `plugin-${options.method}-initial.md`);
    await mkdir(path.dirname(changesetPath), { recursive: true });
    await writeFile(changesetPath, templates.changeset(names));
    written.push(changesetPath);
    await addBuildReference(root, `packages/plugin-${options.method}`);
  }
  return { dir, files: written };
}

/**
 * Adds the new package to the root build graph (tsconfig.build.json references).
 *
 * @param {string} repoRoot
 * @param {string} packagePath
 */
async function addBuildReference(repoRoot, packagePath) {
  const file = path.join(repoRoot, 'tsconfig.build.json');
  /** @type {{ references?: { path: string }[] }} */
  const config = JSON.parse(await readFile(file, 'utf8'));
  const references = config.references ?? [];
  if (!references.some((reference) => reference.path === packagePath))
    references.push({ path: packagePath });
  config.references = references;
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}
