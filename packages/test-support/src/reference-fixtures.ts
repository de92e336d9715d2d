import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The repository's root: the nearest directory above this module (in `src` or `dist`, linked
 * into `node_modules` or not) that holds `tools/reference`.
 */
export function repositoryRoot(): string {
  if (root !== undefined) return root;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'tools', 'reference'))) return (root = dir);
    if (path.dirname(dir) === dir) {
      throw new Error(`No directory above ${start} holds tools/reference.`);
    }
  }
}

/**
 * The absolute path of `tools/reference/fixtures/<segments…>`, e.g.
 * `referenceFixturePath('detr', 'attention.json')`; throws, naming the path, when it is missing.
 */
export function referenceFixturePath(...segments: string[]): string {
  const file = path.join(repositoryRoot(), 'tools', 'reference', 'fixtures', ...segments);
  if (!existsSync(file)) {
    throw new Error(
      `Reference fixture not found: ${file} (the make_* scripts under tools/reference write them).`,
    );
  }
  return file;
}

/** The bytes of a reference fixture (see {@link referenceFixturePath}). */
export function readReferenceFixture(...segments: string[]): Buffer {
  return readFileSync(referenceFixturePath(...segments));
}

/** A JSON reference fixture, parsed (see {@link referenceFixturePath}). */
export function readReferenceJson<T>(...segments: string[]): T {
  return JSON.parse(readFileSync(referenceFixturePath(...segments), 'utf8')) as T;
}
