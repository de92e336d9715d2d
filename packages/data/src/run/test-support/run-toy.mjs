// Runs the toy method through runPretraining in a separate process, as the CLI would.
// usage: node run-toy.mjs <outDir> <dataLocation> <maxSteps> [--resume] [--kill-after-checkpoint N] [--set k=v ...]
import {
  CORE_VERSION_STRING,
  createRootContainer,
  EventBus,
  PluginRegistry,
  selectBackend,
} from '@ssdet/core';
import { runPretraining } from '@ssdet/data';
import { plugin } from '../../test-support/toy-plugin.mjs';

const [outDir, data, maxSteps, ...rest] = process.argv.slice(2);
const resume = rest.includes('--resume');
const killIndex = rest.indexOf('--kill-after-checkpoint');
const killAfter = killIndex >= 0 ? Number(rest[killIndex + 1]) : -1;
const sets = rest.flatMap((arg, i) => (rest[i - 1] === '--set' ? [arg] : []));

const bus = new EventBus();
bus.subscribe((event) => {
  if (event.type === 'train.checkpoint' && event.step === killAfter)
    process.kill(process.pid, 'SIGKILL');
});
const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
registry.add(plugin, { packageName: 'toy', discovery: 'api' });
await selectBackend({ request: 'cpu' });
const outcome = await runPretraining(createRootContainer({ bus }), registry, {
  method: 'toy',
  data,
  outDir,
  resume,
  backend: 'cpu',
  flags: { maxSteps: Number(maxSteps) },
  sets,
});
process.stdout.write(
  JSON.stringify({ step: outcome.result.position.step, loss: outcome.result.lastLoss }) + '\n',
);
