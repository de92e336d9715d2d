import path from 'node:path';
import type { BackendRequest, EventBus } from '@ssdet/core';
import { runDetect } from '@ssdet/transfer';
import type { CliIo } from '../io.js';
import { discoverForCli } from './discover.js';

export interface DetectCommandOptions {
  readonly run: string;
  readonly images: readonly string[];
  readonly out: string;
  readonly score: number;
  readonly backend: BackendRequest;
  readonly plugin: readonly string[];
}

/** `ssdet detect`: a fine-tuned detector's boxes and masks drawn on images, as PNGs. */
export async function detectCommand(
  options: DetectCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { root } = await discoverForCli(io.cwd, bus, options.plugin, true);
  const out = path.resolve(io.cwd, options.out);
  const { files, detections } = await runDetect(root, {
    run: path.resolve(io.cwd, options.run),
    images: options.images.map((image) => path.resolve(io.cwd, image)),
    outDir: out,
    scoreThreshold: options.score,
    backend: options.backend,
  });
  const total = detections.reduce((n, image) => n + image.scores.length, 0);
  io.stdout(
    `${total} detection(s) with score ≥ ${options.score} on ${files.length} image(s); drawn into ${out} (and detections.json).\n`,
  );
  return 0;
}
