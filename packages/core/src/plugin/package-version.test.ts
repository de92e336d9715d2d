import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from './package-version.js';

describe('packageVersion', () => {
  it('reads the nearest package.json above a module', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(packageVersion(import.meta.url)).toBe(manifest.version);
  });

  it('names the module when no package.json is above it', () => {
    expect(() => packageVersion('file:///no-such-dir/module.js')).toThrow(
      /No package\.json above \/no-such-dir\/module\.js/,
    );
  });
});
