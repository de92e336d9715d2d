import { Writable } from 'node:stream';
import { EventBus } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../test-support/capture-io.js';
import { renderProgress } from './render-progress.js';

function step(step: number, etaSeconds: number) {
  return {
    step,
    totalSteps: 100,
    epoch: 0,
    loss: 1.5,
    terms: { global: 1, dense: 0.5 },
    lr: 0.03,
    imagesPerSecond: 12.5,
    dataWaitFraction: 0.034,
    etaSeconds,
  };
}

describe('renderProgress', () => {
  it("the terminal bar shows our ETA as minutes and seconds, not cli-progress's raw {eta}", async () => {
    let drawn = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        drawn += chunk.toString();
        done();
      },
    });
    const bus = new EventBus();
    const stop = renderProgress(bus, { ...captureIo('/'), isTty: true }, stream);
    bus.emit('train.step', step(1, 3725));
    bus.emit('train.step', step(2, 51));
    stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drawn).toMatch(
      /step 2\/100 \|.*\| loss 1\.5000 \| 12\.5 img\/s \| data wait 3% \| ETA 0m51s/,
    );
    expect(drawn).toMatch(/step 1\/100 \|.*\| ETA 1h02m/);
    expect(drawn).not.toMatch(/ETA \d+(\s|$)/); // never raw seconds
  });

  it('log lines (not a terminal) carry the same ETA', () => {
    const io = captureIo('/');
    const bus = new EventBus();
    const stop = renderProgress(bus, io);
    bus.emit('train.step', step(1, 51));
    stop();
    expect(io.err).toBe(
      'step 1/100 epoch 0 loss 1.5000 (global 1.0000, dense 0.5000) lr 3.000e-2 12.5 img/s data wait 3% ETA 0m51s\n',
    );
  });
});
