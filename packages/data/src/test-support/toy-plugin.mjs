// A tiny but real method for trainer tests: a 3×3 conv, ReLU, global average pool and a linear
// projection; the loss is BYOL's normalised regression between the two views' embeddings.
// Plain JavaScript so that child processes (the SIGKILL resume test) can load it.
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  buildViews,
  definePlugin,
  pluginConfigToken,
  PRETRAIN_METHOD,
  provideFactory,
  resolveToken,
  RUN_RNG,
  trainingConfigWithDefaults,
  VIEW_GENERATOR,
} from '@ssdet/core';
import { plugin as dataPlugin } from '@ssdet/data';

const schema = z
  .object({
    imageSize: z.number().int().default(16),
    channels: z.number().int().default(4),
    nanAtStep: z.number().int().default(-1),
    // Logs an extra, unweighted diagnostic term that is not part of the total.
    diagnostic: z.boolean().default(false),
    train: trainingConfigWithDefaults({
      batchSize: 4,
      epochs: 2,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
      schedule: { type: 'cosine', warmupSteps: 1 },
      checkpointEvery: 1,
      logEvery: 1,
      data: { workers: 0, concurrency: 4 },
    }),
  })
  .strict();

const CONFIG = pluginConfigToken('toy');

class ToyMethod {
  name = 'toy';
  constructor(config, seed, views) {
    this.config = config;
    this.views = views;
    this.kernel = tf.variable(tf.randomNormal([3, 3, 3, config.channels], 0, 0.3, 'float32', seed));
    this.bias = tf.variable(tf.zeros([config.channels]));
    this.projection = tf.variable(
      tf.randomNormal([config.channels, 8], 0, 0.5, 'float32', seed + 1),
    );
  }
  variables() {
    return new Map([
      ['conv.weight', this.kernel],
      ['conv.bias', this.bias],
      ['head.weight', this.projection],
    ]);
  }
  trainableVariables() {
    return this.variables();
  }
  loss(batch, context) {
    const embed = (images) =>
      tf.matMul(
        tf.mean(tf.relu(tf.add(tf.conv2d(images, this.kernel, 1, 'same'), this.bias)), [1, 2]),
        this.projection,
      );
    const normalize = (x) => tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-12));
    const a = normalize(embed(batch.views.a.images));
    const b = normalize(embed(batch.views.b.images));
    let regression = tf.mean(tf.sub(2, tf.mul(2, tf.sum(tf.mul(a, b), 1))));
    if (context.step === this.config.nanAtStep) regression = tf.mul(regression, NaN);
    if (this.config.diagnostic)
      return { total: regression, terms: { regression, diagnostic: tf.mul(regression, 3) } };
    return { total: regression, terms: { regression } };
  }
  exports() {
    return { backbone: new Map([['conv1.weight', this.kernel]]) };
  }
}

export const plugin = definePlugin({
  name: 'toy',
  version: '1.0.0',
  coreRange: '*',
  includes: [dataPlugin],
  configSchema: schema,
  presets: { demo: { train: { maxSteps: 4 } } },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) =>
      buildViews(
        run,
        'mocov2',
        { imageSize: resolveToken(run, CONFIG).imageSize, viewNames: ['a', 'b'] },
        'toy',
      ),
    );
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) =>
        new ToyMethod(
          resolveToken(run, CONFIG),
          resolveToken(run, RUN_RNG).fork('toy').tensorSeed(),
          resolveToken(run, VIEW_GENERATOR),
        ),
    );
  },
});

/** This module's file: what a data worker thread imports to rebuild the toy's views. */
export const entry = new URL(import.meta.url).pathname;
