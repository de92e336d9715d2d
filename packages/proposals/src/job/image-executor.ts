import type { ImageOutcome } from './image-outcome.js';
import type { ImageProcessor } from './image-processor.js';

/** Runs the per-image work somewhere: in this thread or in a pool of worker threads. */
export interface ImageExecutor {
  /** How many images may usefully be in flight at once. */
  readonly concurrency: number;
  run(index: number, previewFile?: string): Promise<ImageOutcome>;
  close(): Promise<void>;
}

/** `workers: 0`: one image at a time on the calling thread. */
export class InThreadExecutor implements ImageExecutor {
  readonly concurrency = 1;

  constructor(private readonly processor: ImageProcessor) {}

  run(index: number, previewFile?: string): Promise<ImageOutcome> {
    return this.processor.process(index, previewFile);
  }

  async close(): Promise<void> {}
}
