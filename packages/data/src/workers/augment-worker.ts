import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import {
  bindMethod,
  createRootContainer,
  isSsdetError,
  PluginRegistry,
  REGION_SOURCE,
  type RegionSource,
  resolveToken,
  Rng,
  VIEW_GENERATOR,
  type ViewGenerator,
} from '@ssdet/core';
import { BadImageError } from '../bad-image-error.js';
import { openDataset } from '../datasets/open-dataset.js';
import { InThreadSampleProcessor } from './sample-processor.js';
import type { SampleReply, SampleRequest, WorkerSetup } from './worker-protocol.js';

/**
 * Worker thread entry: decodes samples, proposes their regions and augments them on request (see
 * WorkerSampleProcessor), with the views and region source its method's plugin binds.
 */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error('augment-worker must run in a worker thread');
const ready = prepare();
// A setup that fails is reported with each request, not as a crash of the thread.
ready.catch(() => undefined);

async function prepare(): Promise<InThreadSampleProcessor> {
  const root = createRootContainer();
  const registry = root.resolve(PluginRegistry);
  for (const entry of setup.pluginEntries) {
    const moduleExports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    registry.add(moduleExports['plugin'] ?? moduleExports['default'], {
      packageName: entry,
      discovery: 'api',
    });
  }
  const { run } = bindMethod(
    registry,
    setup.method.name,
    setup.method.config,
    Rng.fromSeed(setup.seed),
    root,
  );
  const views: ViewGenerator = resolveToken(run, VIEW_GENERATOR);
  const regions: RegionSource | undefined = run.isRegistered(REGION_SOURCE, true)
    ? resolveToken(run, REGION_SOURCE)
    : undefined;
  const dataset = await openDataset(setup.datasetLocation, setup.decode);
  return new InThreadSampleProcessor(dataset, views, regions);
}

port.on('message', (request: SampleRequest) => {
  void handle(request).then((reply) => {
    const transfer = reply.ok ? reply.views.map((view) => view.pixels.buffer as ArrayBuffer) : [];
    port.postMessage(reply, transfer);
  });
});

async function handle(request: SampleRequest): Promise<SampleReply> {
  try {
    const processor = await ready;
    const { record, views } = await processor.process(request.index, Rng.restore(request.rng));
    return { id: request.id, ok: true, record, views };
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
