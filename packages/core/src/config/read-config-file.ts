import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SsdetError } from '../errors/ssdet-error.js';
import type { ConfigObject } from './deep-merge.js';

/** Reads a `--config` file: YAML (`.yaml`/`.yml`) or JSON; the top level must be a mapping. */
export async function readConfigFile(file: string): Promise<ConfigObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new SsdetError('CONFIG_UNREADABLE', `--config ${file}: cannot read the file.`);
  }
  let value: unknown;
  try {
    value = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SsdetError(
      'CONFIG_SYNTAX',
      `--config ${file}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SsdetError(
      'CONFIG_SYNTAX',
      `--config ${file}: the top level must be a mapping of keys to values.`,
    );
  }
  return value as ConfigObject;
}
