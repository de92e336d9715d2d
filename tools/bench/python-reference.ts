import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What a reference script printed on stdout, or why it did not run. */
export type PythonReference = { readonly stdout: string } | { readonly skipped: string };

/**
 * Runs a PyTorch reference script of `tools/reference/` for a benchmark, so both sides are
 * measured in the same run: with `/usr/bin/python3` (or `SSDET_BENCH_PYTHON`), skipped when
 * `SSDET_BENCH_TORCH=0`, and — instead of failing the benchmark — with the reason it did not run
 * when the interpreter is missing or the script fails (e.g. no torch).
 *
 * @param script path from the repository root, e.g. `tools/reference/detr/bench_detr_torch.py`.
 */
export function runPythonReference(script: string, args: readonly string[]): PythonReference {
  if (process.env['SSDET_BENCH_TORCH'] === '0') return { skipped: 'skipped (SSDET_BENCH_TORCH=0)' };
  const python = process.env['SSDET_BENCH_PYTHON'] ?? '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `not measured: ${python} not found` };
  const path = fileURLToPath(new URL(`../../${script}`, import.meta.url));
  const run = spawnSync(python, [path, ...args], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (run.status !== 0) {
    const reason = (run.stderr || run.error?.message || '').trim().split('\n').at(-1) ?? '';
    return { skipped: `not measured: ${reason}` };
  }
  return { stdout: run.stdout };
}
