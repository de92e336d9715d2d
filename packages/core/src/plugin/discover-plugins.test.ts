import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { discoverPlugins } from './discover-plugins.js';
import { PluginRegistry } from './plugin-registry.js';

/**
 * Writes an ESM package the way a third party would publish one. The plugin object is built
 * without importing zod, so the fixture needs nothing installed beside it.
 */
async function writePackage(
  dir: string,
  manifest: Record<string, unknown>,
  plugin: { name: string; version: string; coreRange: string } | 'syntax-error',
): Promise<void> {
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ type: 'module', ...manifest }, null, 2),
  );
  const source =
    plugin === 'syntax-error'
      ? 'export const plugin = {;\n'
      : `export const plugin = {
  name: ${JSON.stringify(plugin.name)},
  version: ${JSON.stringify(plugin.version)},
  coreRange: ${JSON.stringify(plugin.coreRange)},
  configSchema: { safeParse: (value) => ({ success: true, data: value }) },
  register() {},
};
`;
  await writeFile(path.join(dir, 'dist', 'index.js'), source);
}

describe('discoverPlugins', () => {
  let project: string;
  let registry: PluginRegistry;

  beforeEach(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'ssdet-discovery-'));
    registry = new PluginRegistry('0.1.0', new EventBus());
  });
  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('finds installed third-party plugins by their "ssdet" manifest field, scoped or not', async () => {
    const modules = path.join(project, 'node_modules');
    await writePackage(
      path.join(modules, 'ssdet-plugin-blobs'),
      {
        name: 'ssdet-plugin-blobs',
        version: '2.0.0',
        exports: { '.': { import: './dist/index.js' } },
        ssdet: { plugin: true },
      },
      { name: 'blobs', version: '2.0.0', coreRange: '^0.1.0' },
    );
    await writePackage(
      path.join(modules, '@acme', 'ssdet-dino'),
      {
        name: '@acme/ssdet-dino',
        version: '0.2.0',
        main: 'dist/index.js',
        ssdet: { plugin: true },
      },
      { name: 'dino', version: '0.2.0', coreRange: '>=0.1.0 <0.3.0' },
    );
    await writePackage(
      path.join(modules, 'left-pad-with-a-plugin-export'),
      { name: 'left-pad-with-a-plugin-export', version: '1.0.0', main: 'dist/index.js' },
      { name: 'not-a-plugin', version: '1.0.0', coreRange: '*' },
    );

    const report = await discoverPlugins(registry, { cwd: path.join(project, 'src', 'deep') });

    expect(report.registered.map((entry) => entry.plugin.name).sort()).toEqual(['blobs', 'dino']);
    expect(registry.get('dino').origin).toMatchObject({
      packageName: '@acme/ssdet-dino',
      discovery: 'automatic',
    });
    expect(registry.has('not-a-plugin')).toBe(false);
  });

  it('loads explicit plugins by package name or path, before automatic ones, and counts each once', async () => {
    await writePackage(
      path.join(project, 'node_modules', 'ssdet-plugin-blobs'),
      {
        name: 'ssdet-plugin-blobs',
        version: '2.0.0',
        main: 'dist/index.js',
        ssdet: { plugin: true },
      },
      { name: 'blobs', version: '2.0.0', coreRange: '^0.1.0' },
    );
    await writePackage(
      path.join(project, 'my-local-plugin'),
      { name: 'my-local-plugin', version: '0.0.1', main: 'dist/index.js' },
      { name: 'local', version: '0.0.1', coreRange: '*' },
    );

    const report = await discoverPlugins(registry, {
      cwd: project,
      explicit: ['./my-local-plugin', 'ssdet-plugin-blobs'],
    });

    expect(report.refused).toEqual([]);
    expect(report.registered.map((entry) => [entry.plugin.name, entry.origin.discovery])).toEqual([
      ['local', 'explicit'],
      ['blobs', 'explicit'],
    ]);
  });

  it('prefers the nearest copy of a package, as Node resolution would', async () => {
    const nested = path.join(project, 'app');
    await writePackage(
      path.join(project, 'node_modules', 'ssdet-plugin-blobs'),
      {
        name: 'ssdet-plugin-blobs',
        version: '1.0.0',
        main: 'dist/index.js',
        ssdet: { plugin: true },
      },
      { name: 'blobs', version: '1.0.0', coreRange: '*' },
    );
    await writePackage(
      path.join(nested, 'node_modules', 'ssdet-plugin-blobs'),
      {
        name: 'ssdet-plugin-blobs',
        version: '3.0.0',
        main: 'dist/index.js',
        ssdet: { plugin: true },
      },
      { name: 'blobs', version: '3.0.0', coreRange: '*' },
    );
    const report = await discoverPlugins(registry, { cwd: nested });
    expect(report.refused).toEqual([]);
    expect(registry.get('blobs').plugin.version).toBe('3.0.0');
  });

  it('reports incompatible, duplicate and broken packages instead of failing the whole discovery', async () => {
    const modules = path.join(project, 'node_modules');
    await writePackage(
      path.join(modules, 'a-blobs'),
      { name: 'a-blobs', version: '1.0.0', main: 'dist/index.js', ssdet: { plugin: true } },
      { name: 'blobs', version: '1.0.0', coreRange: '^0.1.0' },
    );
    await writePackage(
      path.join(modules, 'b-blobs'),
      { name: 'b-blobs', version: '5.0.0', main: 'dist/index.js', ssdet: { plugin: true } },
      { name: 'blobs', version: '5.0.0', coreRange: '^0.1.0' },
    );
    await writePackage(
      path.join(modules, 'c-future'),
      { name: 'c-future', version: '1.0.0', main: 'dist/index.js', ssdet: { plugin: true } },
      { name: 'future', version: '1.0.0', coreRange: '^2.0.0' },
    );
    await writePackage(
      path.join(modules, 'd-broken'),
      { name: 'd-broken', version: '1.0.0', main: 'dist/index.js', ssdet: { plugin: true } },
      'syntax-error',
    );
    await mkdir(path.join(modules, 'e-unbuilt'), { recursive: true });
    await writeFile(
      path.join(modules, 'e-unbuilt', 'package.json'),
      JSON.stringify({
        name: 'e-unbuilt',
        version: '1.0.0',
        main: 'dist/index.js',
        ssdet: { plugin: true },
      }),
    );

    const report = await discoverPlugins(registry, { cwd: project });

    expect(report.registered.map((entry) => entry.origin.packageName)).toEqual(['a-blobs']);
    const reasons = Object.fromEntries(
      report.refused.map((refusal) => [refusal.origin.packageName, refusal]),
    );
    expect(reasons['b-blobs']?.code).toBe('PLUGIN_DUPLICATE');
    expect(reasons['b-blobs']?.reason).toMatch(/b-blobs@5\.0\.0.*a-blobs@1\.0\.0/);
    expect(reasons['c-future']?.code).toBe('PLUGIN_INCOMPATIBLE');
    expect(reasons['c-future']?.reason).toMatch(
      /requires @ssdet\/core \^2\.0\.0, but the running @ssdet\/core is 0\.1\.0/,
    );
    expect(reasons['d-broken']?.code).toBe('PLUGIN_LOAD_FAILED');
    expect(reasons['d-broken']?.reason).toMatch(/d-broken failed to load from .*index\.js/);
    expect(reasons['e-unbuilt']?.reason).toMatch(/does not exist \(was it built\?\)/);
  });

  it('throws for an explicit package that is not installed, saying where it looked', async () => {
    await mkdir(path.join(project, 'node_modules'), { recursive: true });
    await expect(
      discoverPlugins(registry, {
        cwd: project,
        explicit: ['@ssdet/plugin-nope'],
        automatic: false,
      }),
    ).rejects.toThrow(
      /--plugin @ssdet\/plugin-nope: the package is not installed \(looked in .*node_modules/,
    );
  });
});
