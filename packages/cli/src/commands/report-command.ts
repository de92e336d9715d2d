import path from 'node:path';
import { writeRunReport } from '@ssdet/core';
import type { CliIo } from '../io.js';

/** `ssdet report <run>`: an HTML page with loss and lr curves and the first training views. */
export async function reportCommand(run: string, io: CliIo): Promise<number> {
  const file = await writeRunReport(path.resolve(io.cwd, run));
  io.stdout(`Wrote ${file}\n`);
  return 0;
}
