#!/usr/bin/env node
// @ts-check
// Builds the oneDNN addon the way node-gyp-build-style packages do at install time:
//
//   1. a prebuilt binary for this platform (`@ssdet/backend-native-<platform>-<arch>`, made by
//      `npm run prebuild`) wins: nothing to compile;
//   2. otherwise, when oneDNN's headers are found, compile from source with node-gyp against the
//      Node-API headers of the `node-api-headers` package (no Node source download, no
//      distribution-specific --nodedir);
//   3. otherwise print one line and keep the JavaScript fallback.
//
// `--if-possible` (the package's `install` script) never fails the install: a missing oneDNN or
// a failed compile is one line, with the log kept in native/build-native.log. Without it
// (`npm run build:native`) a failure exits non-zero with the compiler's output.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jpegInclude } from './find-jpeg.mjs';

const require = createRequire(import.meta.url);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(packageDir, 'native');
const addon = path.join(nativeDir, 'build', 'Release', 'ssdet_native.node');
const ifPossible = process.argv.includes('--if-possible');
const say = (line) => console.log(`@ssdet/backend-native: ${line}`);

/** The prebuilt package's addon for this platform, if installed. */
function prebuiltAddon() {
  try {
    return require.resolve(
      `@ssdet/backend-native-${process.platform}-${process.arch}/ssdet_native.node`,
    );
  } catch {
    return undefined;
  }
}

/** The directory holding `dnnl.hpp`: $DNNL_ROOT/include when set, else the usual system places. */
function onednnInclude() {
  const candidates =
    process.env.DNNL_ROOT !== undefined
      ? [path.join(process.env.DNNL_ROOT, 'include')]
      : ['/usr/include', '/usr/local/include', '/opt/homebrew/include'];
  return candidates.find((dir) => existsSync(path.join(dir, 'dnnl.hpp')));
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
 * A node-gyp `--nodedir` made of the Node-API headers only: the addon uses Node-API (through
 * node-addon-api) and nothing of V8 or libuv, so this is all the compiler needs. `common.gypi`
 * gives the build defaults a Node source tree would (release build, PIC, pthreads).
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
    say('SSDET_SKIP_NATIVE=1: not building the native backend.');
    return 0;
  }
  const prebuilt = prebuiltAddon();
  if (prebuilt !== undefined) {
    say(`using the prebuilt addon ${prebuilt}.`);
    return 0;
  }
  if (ifPossible && upToDate()) {
    say('the native addon is built and up to date.');
    return 0;
  }
  const include = onednnInclude();
  if (include === undefined) {
    say(
      'oneDNN headers not found (apt-get install libdnnl-dev, or set DNNL_ROOT): the native backend is not built; training uses the JavaScript cpu backend.',
    );
    return ifPossible ? 0 : 1;
  }
  say(`compiling the native backend against oneDNN in ${include} (a few minutes, once)…`);
  // binding.gyp runs the same check (scripts/find-jpeg.mjs) to compile the JPEG decoder in or out.
  const jpeg = jpegInclude();
  say(
    jpeg === undefined
      ? 'jpeglib.h not found (apt-get install libjpeg62-turbo-dev): the addon is built without its JPEG decoder; @ssdet/data decodes JPEGs with sharp.'
      : `with the JPEG decoder, against libjpeg in ${jpeg}.`,
  );
  // node-gyp: ours (a dev dependency in this repository), else the one npm bundles and names in
  // its lifecycle environment.
  const gyp = nodeGyp();
  if (gyp === undefined) {
    say(
      'node-gyp not found: the native backend is not built; training uses the JavaScript cpu backend.',
    );
    return ifPossible ? 0 : 1;
  }
  const args = [gyp, 'rebuild', `--nodedir=${nodeApiDir()}`, `--directory=${nativeDir}`];
  const env = { ...process.env };
  if (include !== '/usr/include') {
    env.CXXFLAGS = `${env.CXXFLAGS ?? ''} -I${include}`.trim();
    env.LDFLAGS = `${env.LDFLAGS ?? ''} -L${path.join(include, '..', 'lib')}`.trim();
  }
  const run = spawnSync(process.execPath, args, {
    env,
    encoding: 'utf8',
    stdio: ifPossible ? 'pipe' : 'inherit',
    maxBuffer: 64 * 2 ** 20,
  });
  if (run.status === 0 && existsSync(addon)) {
    say(`built ${path.relative(packageDir, addon)}: the native backend is available.`);
    return 0;
  }
  if (!ifPossible) return run.status ?? 1;
  const log = path.join(nativeDir, 'build-native.log');
  writeFileSync(log, `${run.stdout ?? ''}\n${run.stderr ?? ''}\n${run.error?.message ?? ''}\n`);
  say(
    `compiling the native backend failed (log: ${log}); training uses the JavaScript cpu backend.`,
  );
  return 0;
}

process.exitCode = main();
