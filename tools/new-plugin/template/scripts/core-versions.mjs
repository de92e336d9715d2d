#!/usr/bin/env node
// The lowest or the highest published @ssdet/core inside this package's peer range:
//
//   node scripts/core-versions.mjs lowest|highest
//
// CI (.github/workflows/ci.yml) runs the suite against both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

/**
 * The lowest and the highest of `published` that satisfy `range` (pre-releases only when the
 * range names one, as npm installs them).
 *
 * @param {string} range
 * @param {readonly string[]} published
 * @returns {{ lowest: string, highest: string }}
 */
export function coreVersions(range, published) {
  const lowest = semver.minSatisfying([...published], range);
  const highest = semver.maxSatisfying([...published], range);
  if (lowest === null || highest === null) {
    throw new Error(
      `No published @ssdet/core satisfies ${range}; published: ${published.join(', ') || 'none'}.`,
    );
  }
  return { lowest, highest };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const which = process.argv[2];
  if (which !== 'lowest' && which !== 'highest') {
    console.error('usage: node scripts/core-versions.mjs lowest|highest');
    process.exit(2);
  }
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const range = manifest.peerDependencies['@ssdet/core'];
  const published = JSON.parse(
    execFileSync('npm', ['view', '@ssdet/core', 'versions', '--json'], { encoding: 'utf8' }),
  );
  console.log(coreVersions(range, [published].flat())[which]);
}
