import { parentPort, workerData } from 'node:worker_threads';
import { isSsdetError } from '../../errors/ssdet-error.js';
import { Rng } from '../../random/rng.js';
import { BadImageError } from '../bad-image-error.js';
import { openDataset } from '../datasets/open-dataset.js';
import { SpecViewGenerator } from '../views/spec-view-generator.js';
import type { SampleReply, SampleRequest, WorkerSetup } from './worker-protocol.js';

/** Worker thread entry: decodes and augments samples on request (see WorkerSampleProcessor). */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error('augment-worker must run in a worker thread');
const ready = openDataset(setup.datasetLocation, setup.decode);
// A dataset that cannot be opened is reported with each request, not as a crash of the thread.
ready.catch(() => undefined);
const views = new SpecViewGenerator(setup.views);

port.on('message', (request: SampleRequest) => {
  void handle(request).then((reply) => {
    const transfer = reply.ok ? reply.views.map((view) => view.pixels.buffer as ArrayBuffer) : [];
    port.postMessage(reply, transfer);
  });
});

async function handle(request: SampleRequest): Promise<SampleReply> {
  try {
    const dataset = await ready;
    const sample = await dataset.load(request.index);
    return {
      id: request.id,
      ok: true,
      record: sample.record,
      views: await views.generate(sample, undefined, Rng.restore(request.rng)),
    };
  } catch (error) {
    if (error instanceof BadImageError) {
      return {
        id: request.id,
        ok: false,
        message: error.message,
        badImage: { file: error.file, reason: error.reason, detail: error.detail },
      };
    }
    return {
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(isSsdetError(error) ? { code: error.code } : {}),
    };
  }
}
