// @ts-check
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as templates from './templates.js';

const METHOD_NAME = /^[a-z][a-z0-9-]*$/;

/** The repository this generator belongs to: where the versions and the prettier settings come from. */
const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const templateDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'template');

/**
 * @typedef {object} GenerateOptions
 * @property {string} method           e.g. `my-method`
 * @property {string} [repoRoot]       the ssdet monorepo: generate `packages/plugin-<method>` in it
 * @property {string} [outDir]         generate a stand-alone package in this directory instead
 * @property {string} [coreVersion]    the `@ssdet/core` to depend on (`^<version>`); default this repository's
 */

/**
 * Scaffolds a method plugin package in the shape of the shipped ones: manifest, TypeScript and
 * vitest configuration, `src/` (config with `train` settings and a demo preset, views from a
 * shared recipe, an encoder on a registered backbone, one loss, `method.ts`, the plugin with its
 * version read from package.json), a suite that trains 3 demo steps through `runPretraining`,
 * and a README. In this repository it also adds a changeset and the build reference; a
 * stand-alone package also gets a CI workflow testing the lowest and the highest `@ssdet/core` of
 * its peer range. Files are formatted with this repository's prettier settings. Refuses to
 * overwrite an existing package.
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

  const versions = await readRepoVersions(sourceRoot);
  const parts = options.method.split('-');
  const capitalised = parts.map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  /** @type {templates.PluginNames} */
  const names = {
    method: options.method,
    packageName:
      mode === 'workspace' ? `@ssdet/plugin-${options.method}` : `ssdet-plugin-${options.method}`,
    className: capitalised.join(''),
    camelName: /** @type {string} */ (parts[0]) + capitalised.slice(1).join(''),
    constantName: options.method.toUpperCase().replace(/-/g, '_'),
    coreRange: `^${options.coreVersion ?? versions.core}`,
    versions,
    mode,
  };

  /** @type {Record<string, string>} */
  const files = {
    'package.json': templates.packageJson(names),
    ...templates.tsconfigFiles(names),
    'vitest.config.ts': templates.vitestConfig(names),
    'README.md': templates.readme(names),
  };
  if (mode === 'standalone') files['.gitignore'] = templates.gitignore;
  for (const relative of await listFiles(templateDir)) {
    if (
      mode === 'workspace' &&
      templates.STANDALONE_ONLY.some((prefix) => relative.startsWith(prefix))
    )
      continue;
    const text = await readFile(path.join(templateDir, relative), 'utf8');
    files[relative] = templates.fill(text, names, relative);
  }

  const format = await formatter();
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await format(file, content));
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
 * The versions a new plugin depends on, from this repository: `@ssdet/core`, `@ssdet/nn` and `@ssdet/data`
 * themselves, the ranges of zod, tfjs-core and semver that core uses, and the root's toolchain.
 *
 * @param {string} root
 * @returns {Promise<templates.RepoVersions>}
 */
export async function readRepoVersions(root) {
  /** @typedef {{ version: string, engines?: Record<string, string>, dependencies?: Record<string, string>, devDependencies?: Record<string, string> }} Manifest */
  const manifest = async (/** @type {string} */ relative) =>
    /** @type {Manifest} */ (JSON.parse(await readFile(path.join(root, relative), 'utf8')));
  const [repo, core, nn, data] = await Promise.all([
    manifest('package.json'),
    manifest('packages/core/package.json'),
    manifest('packages/nn/package.json'),
    manifest('packages/data/package.json'),
  ]);
  return {
    core: core.version,
    nn: nn.version,
    data: data.version,
    ranges: {
      ...repo.devDependencies,
      ...core.dependencies,
      ...(repo.engines?.['node'] === undefined ? {} : { node: repo.engines['node'] }),
    },
  };
}

/**
 * Formats a file with prettier and this repository's settings (by its extension; other files
 * are written as they are), so a generated package passes `prettier --check` whatever the length
 * of its names.
 *
 * @returns {Promise<(file: string, content: string) => Promise<string>>}
 */
async function formatter() {
  const prettier = await import('prettier');
  const settings = (await prettier.resolveConfig(path.join(sourceRoot, 'package.json'))) ?? {};
  return async (file, content) => {
    const { inferredParser } = await prettier.getFileInfo(file);
    if (inferredParser === null) return content;
    return prettier.format(content, { ...settings, filepath: file });
  };
}

/**
 * Every file under `dir`, as `/`-separated relative paths, sorted.
 *
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort();
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
