import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORE_VERSION_STRING } from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './program.js';
import { captureIo } from './test-support/capture-io.js';

async function writePlugin(
  modules: string,
  packageName: string,
  name: string,
  coreRange: string,
): Promise<void> {
  const dir = path.join(modules, packageName);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: packageName,
      version: '1.2.3',
      type: 'module',
      main: 'index.js',
      ssdet: { plugin: true },
    }),
  );
  await writeFile(
    path.join(dir, 'index.js'),
    `export default { name: '${name}', version: '1.2.3', coreRange: '${coreRange}', configSchema: { safeParse: (v) => ({ success: true, data: v }) }, register() {} };\n`,
  );
}

describe('ssdet CLI', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'ssdet-cli-'));
    await writePlugin(
      path.join(project, 'node_modules'),
      'ssdet-plugin-blobs',
      'blobs',
      `^${CORE_VERSION_STRING}`,
    );
    await writePlugin(
      path.join(project, 'node_modules'),
      'ssdet-plugin-old',
      'old',
      '^0.0.1-alpha <0.0.2',
    );
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('--version names the CLI and the core', async () => {
    const io = captureIo(project);
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out).toMatch(
      new RegExp(`^@ssdet/cli \\d+\\.\\d+\\.\\d+ \\(@ssdet/core ${CORE_VERSION_STRING}\\)\\n$`),
    );
  });

  it('plugins lists compatible plugins, refused ones with the reason, and the backend a run would get', async () => {
    const io = captureIo(project);
    expect(await runCli(['plugins'], io)).toBe(0);
    expect(io.out).toMatch(
      /PLUGIN\s+VERSION\s+PACKAGE\s+CORE RANGE\s+FOUND\s+PROVIDES\n(.*\n)*\s*blobs\s+1\.2\.3\s+ssdet-plugin-blobs.*method blobs/,
    );
    expect(io.out).toMatch(
      /Refused:\n(.*\n)*\s+ssdet-plugin-old@1\.2\.3 .*requires @ssdet\/core \^0\.0\.1-alpha <0\.0\.2, but the running @ssdet\/core is/,
    );
    // native when @ssdet/backend-native is built on this machine, else cpu (wasm cannot train).
    expect(io.out).toMatch(/Tensor backend for training: (native|cpu) — best available/);
    expect(io.out).toMatch(/skipped tensorflow: @tensorflow\/tfjs-node-gpu is not installed/);
    if (/training: cpu/.test(io.out))
      expect(io.out).toMatch(/skipped wasm: has no Conv2DBackpropFilter kernel/);
  });

  it('plugins --json is machine-readable', async () => {
    const io = captureIo(project);
    expect(
      await runCli(['plugins', '--json', '--no-auto', '--plugin', 'ssdet-plugin-blobs'], io),
    ).toBe(0);
    const parsed = JSON.parse(io.out) as {
      plugins: { name: string; discovery: string }[];
      refused: unknown[];
      backend: { name: string };
    };
    expect(parsed.plugins).toEqual([
      expect.objectContaining({ name: 'blobs', discovery: 'explicit', compatible: true }),
    ]);
    expect(parsed.refused).toEqual([]);
    expect(['native', 'cpu']).toContain(parsed.backend.name);
  });

  it('a forced unavailable backend is an error message with a hint, not a stack trace', async () => {
    const io = captureIo(project);
    expect(await runCli(['plugins', '--backend', 'tensorflow'], io)).toBe(1);
    expect(io.err).toMatch(
      /(^|\n)error: The tensor backend "tensorflow" was requested but cannot be used: .*\nhint: Install @tensorflow\/tfjs-node-gpu/,
    );
    expect(io.err).not.toMatch(/\n\s+at /);
  });

  it('a bad option value is a usage error (exit 2)', async () => {
    const io = captureIo(project);
    expect(await runCli(['plugins', '--backend', 'cuda'], io)).toBe(2);
    expect(io.err).toMatch(
      /--backend.*cuda.*Allowed choices are auto, tensorflow, native, wasm, cpu/s,
    );
  });

  it('an explicit plugin that is not installed fails with where it looked', async () => {
    const io = captureIo(project);
    expect(await runCli(['plugins', '--plugin', '@ssdet/plugin-missing'], io)).toBe(1);
    expect(io.err).toMatch(/--plugin @ssdet\/plugin-missing: the package is not installed/);
  });
});
