#!/usr/bin/env node
// A committed shim, so that npm links the `ssdet` command at install time, before the build.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'error: @ssdet/cli is not built yet.\nhint: run `npm run build` at the repository root.\n',
  );
  process.exit(1);
}
await import(built.href);
