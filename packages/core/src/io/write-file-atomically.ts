import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `text` to `file` whole or not at all: a temporary file beside it (named by process id,
 * so two processes never share one) renamed into place. Readers never see half a file.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
