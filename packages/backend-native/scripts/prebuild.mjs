#!/usr/bin/env node
// @ts-check
// `npm run pack:prebuilt -w @ssdet/backend-native [-- --out DIR]`: the per-platform package
// `@ssdet/backend-native-<platform>-<arch>` that ships the compiled addon together with the
// oneDNN (and OpenMP) shared libraries it links, found beside it through its `$ORIGIN` rpath —
// sharp's `@img/sharp-linux-x64` + `@img/sharp-libvips-linux-x64` pattern. Installed next to
// `@ssdet/backend-native`, it gives native speed with no compiler and no apt step.
//
// (Not named `prebuild`: npm would run that as a pre-hook of every `npm run build`.)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = path.join(packageDir, 'native', 'build', 'Release', 'ssdet_native.node');
const platform = `${process.platform}-${process.arch}`;
const name = `@ssdet/backend-native-${platform}`;
const fail = (message) => {
  console.error(`pack:prebuilt: ${message}`);
  process.exit(1);
};

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(packageDir, 'prebuilds', platform));

if (process.platform !== 'linux') fail(`only Linux is supported so far (this is ${platform}).`);
if (!existsSync(addon)) {
  const build = spawnSync(
    process.execPath,
    [path.join(packageDir, 'scripts', 'build-native.mjs')],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0 || !existsSync(addon)) fail('the addon could not be built (see above).');
}

/** `ldd` of a file: SONAME → resolved path, for the libraries we ship. */
function sharedLibraries(file) {
  const listing = execFileSync('ldd', [file], { encoding: 'utf8' });
  // libjpeg: the JPEG decoder's, when the addon was built with it (a machine without
  // libjpeg62-turbo could otherwise not load the addon at all).
  const shipped = /^(libdnnl|libgomp|libiomp5|libtbb|libjpeg)/;
  const libraries = new Map();
  for (const line of listing.split('\n')) {
    const match = /^\s*(\S+) => (\S+)/.exec(line);
    if (match && shipped.test(match[1])) libraries.set(match[1], match[2]);
  }
  return libraries;
}

const libraries = sharedLibraries(addon);
if (![...libraries.keys()].some((soname) => soname.startsWith('libdnnl')))
  fail(
    `${addon} does not link oneDNN (ldd found ${[...libraries.keys()].join(', ') || 'nothing'}).`,
  );
// oneDNN's own OpenMP dependency comes along too.
for (const [, resolved] of [...libraries]) {
  for (const [soname, dependency] of sharedLibraries(resolved))
    if (!libraries.has(soname)) libraries.set(soname, dependency);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
copyFileSync(addon, path.join(out, 'ssdet_native.node'));
for (const [soname, resolved] of libraries) copyFileSync(resolved, path.join(out, soname));

const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
const [os, cpu] = platform.split('-');
writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify(
    {
      name,
      version: manifest.version,
      description: `Prebuilt @ssdet/backend-native addon for ${platform}, with the oneDNN ${[...libraries.keys()].join(', ')} it links.`,
      license: 'Apache-2.0 AND (Apache-2.0 for oneDNN; GPL-3.0-with-GCC-exception for libgomp)',
      os: [os],
      cpu: [cpu],
      files: ['ssdet_native.node', ...libraries.keys(), 'README.md'],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  path.join(out, 'README.md'),
  `# ${name}\n\nThe compiled oneDNN addon of \`@ssdet/backend-native\` for ${platform}, with the shared libraries it links (found beside it through its \`$ORIGIN\` rpath). Install it next to \`@ssdet/backend-native\` for the \`native\` tensor backend without a compiler or \`libdnnl-dev\`:\n\n\`\`\`sh\nnpm install @ssdet/cli ${name}\n\`\`\`\n`,
);

// The copy must find its oneDNN beside itself, not wherever the build machine had it.
const resolved = sharedLibraries(path.join(out, 'ssdet_native.node'));
for (const [soname, where] of resolved) {
  if (!where.startsWith(out))
    fail(
      `${soname} resolves to ${where}, not to the package: the addon lacks the $ORIGIN rpath; rebuild it with \`npm run build:native -w @ssdet/backend-native\`.`,
    );
}
console.log(
  `pack:prebuilt: ${name} in ${out} (${[...libraries.keys()].join(', ')}); publish it with \`npm publish ${out}\`.`,
);
