/**
 * The parent's Node flags minus the `@ssdet/source` export condition: under vitest the parent
 * resolves workspace packages to TypeScript sources, which a plain worker thread cannot load.
 */
export function builtCodeExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const result: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if ((flag === '--conditions' || flag === '-C') && execArgv[i + 1] === '@ssdet/source') i++;
    else if (flag !== '--conditions=@ssdet/source') result.push(flag);
  }
  return result;
}
