import path from 'node:path';

/**
 * Where a command writes when `--out` is not given: `runs/<name>-<UTC date>-<time>`, to the
 * second (`runs/densecl-20261207-064512`), so that runs sort by when they started.
 */
export function defaultRunDirectory(name: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return path.join('runs', `${name}-${stamp}`);
}
