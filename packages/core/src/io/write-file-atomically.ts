import { rename, rm, writeFile } from 'node:fs/promises';
import { withPath } from './file-system-error.js';

/**
 * Writes `contents` (text as UTF-8, or bytes) to `file` whole or not at all: a temporary file beside it (named by process id,
 * so two processes never share one) renamed into place. Readers never see half a file.
 */
export async function writeFileAtomically(
  file: string,
  contents: string | Uint8Array,
): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw withPath(error, file);
  }
}
