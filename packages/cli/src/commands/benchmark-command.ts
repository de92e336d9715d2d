import path from 'node:path';
import type { BackendRequest, EventBus } from '@ssdet/core';
import { runBenchmark } from '@ssdet/transfer';
import type { CliIo } from '../io.js';
import { discoverForCli } from './discover.js';
import { defaultRunDirectory } from './default-run-directory.js';

export interface BenchmarkCommandOptions {
  /** Comma-separated method names; default every installed method. */
  readonly methods?: string;
  readonly demo: boolean;
  readonly out?: string;
  readonly resume: boolean;
  readonly backend: BackendRequest;
  readonly plugin: readonly string[];
}

/**
 * `ssdet benchmark`: pre-train each method with one budget, fine-tune Faster R-CNN from each (and
 * from random init) over 3 seeds, and print the AP table; benchmark.md / .json / .html go to --out.
 */
export async function benchmarkCommand(
  options: BenchmarkCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { root, registry } = await discoverForCli(io.cwd, bus, options.plugin, true);
  const methods =
    options.methods === undefined
      ? registry.methods().map(({ plugin }) => plugin.name)
      : options.methods
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name.length > 0 && name !== 'random');
  const outDir = path.resolve(
    io.cwd,
    options.out ?? defaultRunDirectory(`benchmark${options.demo ? '-demo' : ''}`),
  );
  const outcome = await runBenchmark(root, registry, {
    methods,
    demo: options.demo,
    outDir,
    resume: options.resume,
    backend: options.backend,
  });
  io.stdout(
    `${outcome.markdown}\n\nBox AP ×100 on the ${outcome.plan.name} plan (${outcome.plan.labeledImages} labeled, ${outcome.plan.valImages} val images; ${outcome.plan.seeds.length} seeds).\nWrote ${outcome.files.markdown}, ${outcome.files.json}, ${outcome.files.html}\n`,
  );
  return 0;
}
