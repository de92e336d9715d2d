import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/config-error.js';
import { deepMerge, type ConfigObject } from './deep-merge.js';

/**
 * `--set a.b=c` overrides → one nested object. Values are read as YAML scalars/flow collections,
 * so `--set train.optimizer.lr=0.03`, `--set loss.weights=[1,5,2]` and `--set cutout=true` get
 * numbers, lists and booleans.
 */
export function parseSetOverrides(assignments: readonly string[]): ConfigObject {
  let result: ConfigObject = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    const key = equals < 0 ? '' : assignment.slice(0, equals).trim();
    if (equals < 0 || key === '' || key.split('.').some((part) => part === '')) {
      throw new ConfigError('--set', [
        { path: key, received: assignment, expected: 'key.path=value, e.g. train.batchSize=8' },
      ]);
    }
    let value: unknown;
    try {
      value = parseYaml(assignment.slice(equals + 1));
    } catch {
      value = assignment.slice(equals + 1);
    }
    const nested = key
      .split('.')
      .reverse()
      .reduce<unknown>((inner, part) => ({ [part]: inner }), value);
    result = deepMerge(result, nested);
  }
  return result;
}
