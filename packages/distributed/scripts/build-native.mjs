#!/usr/bin/env node
// @ts-check
// Builds the MPI addon at install time when an MPI toolchain is there, like
// @ssdet/backend-native's build: `mpicxx` on PATH means MPI's headers and libraries are installed
// (Debian: libopenmpi-dev), and binding.gyp asks `mpicxx --showme:compile/--showme:link` for the
// flags. Compiled with node-gyp against the Node-API headers of `node-api-headers`.
//
// `--if-possible` (the package's `install` script) never fails the install: no mpicxx or a failed
// compile is one line, with the log kept in native/build-native.log. Without it
// (`npm run build:native`) a failure exits non-zero with the compiler's output.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(packageDir, 'native');
const addon = path.join(nativeDir, 'build', 'Release', 'ssdet_mpi.node');
const ifPossible = process.argv.includes('--if-possible');
const say = (line) => console.log(`@ssdet/distributed: ${line}`);

/** Whether `mpicxx` runs and reports its flags (it is a wrapper script; PATH alone is not proof). */
function hasMpiCompiler() {
  const probe = spawnSync('mpicxx', ['--showme:compile'], { encoding: 'utf8' });
  return probe.status === 0;
}

function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled !== undefined && existsSync(bundled) ? bundled : undefined;
  }
}

/** Whether the built addon is newer than every source file (a repeated install is a no-op). */
function upToDate() {
  if (!existsSync(addon)) return false;
  const built = statSync(addon).mtimeMs;
  return readdirSync(nativeDir)
    .filter((file) => /\.(cc|h|gyp)$/.test(file))
    .every((file) => statSync(path.join(nativeDir, file)).mtimeMs <= built);
}

/**
 * A node-gyp `--nodedir` made of the Node-API headers only (the addon uses nothing of V8 or
 * libuv); `common.gypi` gives the defaults a Node source tree would.
 */
function nodeApiDir() {
  const { include_dir: headers } = require('node-api-headers');
  const dir = path.join(nativeDir, 'build-node-api');
  const include = path.join(dir, 'include', 'node');
  mkdirSync(include, { recursive: true });
  for (const file of readdirSync(headers))
    copyFileSync(path.join(headers, file), path.join(include, file));
  writeFileSync(
    path.join(include, 'common.gypi'),
    `${JSON.stringify(
      {
        variables: { standalone_static_library: 0, clang: 0, node_shared: 'false' },
        target_defaults: {
          default_configuration: 'Release',
          configurations: { Release: { defines: ['NDEBUG'] }, Debug: { cflags: ['-g', '-O0'] } },
          cflags: ['-pthread', '-fPIC'],
          ldflags: ['-pthread', '-rdynamic'],
        },
      },
      null,
      2,
    )}\n`,
  );
  return dir;
}

function main() {
  if (process.env.SSDET_SKIP_NATIVE === '1') {
    say('SSDET_SKIP_NATIVE=1: not building the MPI addon.');
    return 0;
  }
  if (ifPossible && upToDate()) {
    say('the MPI addon is built and up to date.');
    return 0;
  }
  if (!hasMpiCompiler()) {
    say(
      'mpicxx not found (apt-get install libopenmpi-dev): the MPI addon is not built; training runs in one process.',
    );
    return ifPossible ? 0 : 1;
  }
  const gyp = nodeGyp();
  if (gyp === undefined) {
    say('node-gyp not found: the MPI addon is not built; training runs in one process.');
    return ifPossible ? 0 : 1;
  }
  say('compiling the MPI addon…');
  const run = spawnSync(
    process.execPath,
    [gyp, 'rebuild', `--nodedir=${nodeApiDir()}`, `--directory=${nativeDir}`],
    { encoding: 'utf8', stdio: ifPossible ? 'pipe' : 'inherit', maxBuffer: 64 * 2 ** 20 },
  );
  if (run.status === 0 && existsSync(addon)) {
    say(`built ${path.relative(packageDir, addon)}: MPI collectives are available.`);
    return 0;
  }
  if (!ifPossible) return run.status ?? 1;
  const log = path.join(nativeDir, 'build-native.log');
  writeFileSync(log, `${run.stdout ?? ''}\n${run.stderr ?? ''}\n${run.error?.message ?? ''}\n`);
  say(`compiling the MPI addon failed (log: ${log}); training runs in one process.`);
  return 0;
}

process.exitCode = main();
