import { readFile } from 'node:fs/promises';
import { SsdetError } from '../errors/ssdet-error.js';
import { parseMetricsLine } from './metrics-json-line.js';
import type { MetricsRecord } from './metrics-record.js';

/**
 * Reads a run's `metrics.jsonl` in file order. A last line without its newline that does not
 * parse is the line a killed process was writing: it is skipped. Blank lines are skipped; any
 * other line that does not parse is an error naming `file:line`.
 */
export async function readMetricsJsonl(file: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new SsdetError('METRICS_MISSING', `No metrics file at ${file}.`, {
        hint: 'A run writes metrics.jsonl into its run directory once its first step is logged.',
        cause: error,
      });
    }
    throw error;
  }
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  const records: MetricsRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== '') records.push(parseMetricsLine(line, `${file}:${index + 1}`));
  });
  if (torn.trim() !== '') {
    try {
      records.push(parseMetricsLine(torn, `${file}:${lines.length + 1}`));
    } catch {
      // The line being written when the process died.
    }
  }
  return records;
}
