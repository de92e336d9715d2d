import { parentPort, workerData } from 'node:worker_threads';
import { isSsdetError } from '@ssdet/core';
import { openDataset } from '@ssdet/data';
import { ImageProcessor } from './image-processor.js';
import { createRegionSource } from './region-source-factory.js';
import type { RegionsReply, RegionsRequest, RegionsWorkerSetup } from './worker-protocol.js';

/** Worker thread entry of the regions job: processes one image index per request. */
const setup = workerData as RegionsWorkerSetup;
const port = parentPort;
if (port === null) throw new Error('regions-worker must run in a worker thread');

const ready = (async () => {
  const dataset = await openDataset(setup.datasetLocation);
  const source = createRegionSource(setup.algorithm, setup.parameters);
  return new ImageProcessor(dataset, source, setup.cacheDirectory, setup.seed);
})();
// A failed start is reported on the first request; keep it from being an unhandled rejection.
ready.catch(() => undefined);

port.on('message', (request: RegionsRequest) => {
  void handle(request).then((reply) => port.postMessage(reply));
});

async function handle(request: RegionsRequest): Promise<RegionsReply> {
  try {
    const processor = await ready;
    return {
      index: request.index,
      outcome: await processor.process(request.index, request.previewFile),
    };
  } catch (error) {
    return {
      index: request.index,
      fatal: {
        message: error instanceof Error ? error.message : String(error),
        ...(isSsdetError(error) ? { code: error.code } : {}),
        ...(isSsdetError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
      },
    };
  }
}
