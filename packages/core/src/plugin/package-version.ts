import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SsdetError } from '../errors/ssdet-error.js';

/**
 * The version in the package.json nearest above a module: how a plugin reports its own version
 * (`version: packageVersion(import.meta.url)`), the same from `src/` and from `dist/`.
 */
export function packageVersion(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
      if (typeof version !== 'string')
        throw new SsdetError('PACKAGE_VERSION', `${manifest} has no "version" string.`);
      return version;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new SsdetError('PACKAGE_VERSION', `No package.json above ${fileURLToPath(moduleUrl)}.`);
    dir = parent;
  }
}
