import { describe, expect, it } from 'vitest';
import { builtCodeExecArgv } from './built-code-exec-argv.js';

describe('builtCodeExecArgv', () => {
  it('drops only the @ssdet/source condition from the parent flags', () => {
    expect(
      builtCodeExecArgv([
        '--require',
        'x.cjs',
        '--conditions',
        '@ssdet/source',
        '-C',
        'node',
        '--conditions=@ssdet/source',
      ]),
    ).toEqual(['--require', 'x.cjs', '-C', 'node']);
  });
});
