// Writes DetCo's demo views (the demo preset's four views of 120 batches of 8 from the bundled
// demo scenes) as raw float32 files for `demo_dynamics_torch.py`, which trains the PyTorch
// reference on exactly these views. Run from the repository root after `npm run build`:
//   node tools/reference/detco/dump_demo_views.mjs /tmp/detco-demo-views
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '@ssdet/core';
import { DataLoader, ensureDemoDataset, openDataset } from '@ssdet/data';
import { detcoConfigSchema, detcoDemoPreset } from '../../../packages/plugin-detco/dist/config.js';
import { DetcoViewGenerator } from '../../../packages/plugin-detco/dist/views.js';

const out = process.argv[2] ?? path.join(os.tmpdir(), 'detco-demo-views');
const BATCHES = 120;
const BATCH = 8;
mkdirSync(out, { recursive: true });
const config = detcoConfigSchema.parse(detcoDemoPreset);
const dataset = await openDataset(
  await ensureDemoDataset(path.join(os.homedir(), '.cache', 'ssdet')),
);
const loader = new DataLoader(dataset, new DetcoViewGenerator(config), Rng.fromSeed(0), {
  batchSize: BATCH,
});
const parts = { query: [], key: [], query_patches: [], key_patches: [] };
let batches = 0;
for (let epoch = 0; batches < BATCHES; epoch++)
  for await (const batch of loader.epoch(epoch)) {
    for (const views of batch.views) for (const view of views) parts[view.name].push(view.pixels);
    if (++batches >= BATCHES) break;
  }
await loader.close();
for (const [name, list] of Object.entries(parts)) {
  const joined = new Float32Array(list.reduce((sum, pixels) => sum + pixels.length, 0));
  let offset = 0;
  for (const pixels of list) {
    joined.set(pixels, offset);
    offset += pixels.length;
  }
  writeFileSync(path.join(out, `${name}.f32`), Buffer.from(joined.buffer));
}
process.stdout.write(
  `${BATCHES} batches of ${BATCH}: ${Object.keys(parts).join(', ')} in ${out}\n`,
);
