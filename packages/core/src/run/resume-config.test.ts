import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { SsdetEvent } from '../events/event-map.js';
import { Logger } from '../events/logger.js';
import { resumeConfig } from './resume-config.js';

function recording(): { logger: Logger; lines: string[] } {
  const bus = new EventBus();
  const lines: string[] = [];
  bus.subscribe((event: SsdetEvent) => {
    if (event.type === 'log') lines.push(`${event.level}: ${event.message}`);
  });
  return { logger: new Logger(bus, 'test'), lines };
}

const stored = { imageSize: 96, train: { batchSize: 8, maxSteps: 10, epochs: 200, seed: 0 } };

describe('resumeConfig', () => {
  it('keeps the stored configuration and names every flag it ignores', () => {
    const { logger, lines } = recording();
    const config = resumeConfig(
      stored,
      {
        flags: { batchSize: 4, imageSize: 64, seed: undefined },
        sets: ['train.optimizer.lr=0.1'],
        configFile: 'run.yaml',
      },
      logger,
    );
    expect(config).toEqual(stored);
    expect(lines).toEqual([
      "warn: --resume continues the run as its checkpoint configured it; ignored: --batch-size 4, --image-size 64, --config run.yaml, --set train.optimizer.lr=0.1. Only --max-steps and --epochs (the run's length) apply to a resumed run.",
    ]);
  });

  it('--max-steps extends the run and says so', () => {
    const { logger, lines } = recording();
    const config = resumeConfig(stored, { flags: { maxSteps: 20 } }, logger);
    expect(config).toEqual({ ...stored, train: { ...stored.train, maxSteps: 20 } });
    expect(stored.train.maxSteps).toBe(10); // not mutated
    expect(lines).toEqual([
      "info: --resume: the run's length changes from 10 steps to 20 steps; its learning-rate schedule spans the new length from here on.",
    ]);
  });

  it('--epochs alone replaces a stored step limit', () => {
    const { logger } = recording();
    const config = resumeConfig(stored, { flags: { epochs: 3 } }, logger);
    expect(config['train']).toEqual({ batchSize: 8, epochs: 3, seed: 0 });
  });

  it('the same length, or no flags, is silent', () => {
    const { logger, lines } = recording();
    expect(resumeConfig(stored, { flags: { maxSteps: 10 } }, logger)).toEqual(stored);
    expect(resumeConfig(stored, {}, logger)).toBe(stored);
    expect(lines).toEqual([]);
  });
});
