import cliProgress from 'cli-progress';
import type { EventBus } from '@ssdet/core';
import type { CliIo } from '../io.js';

/**
 * Training progress for a person: a bar with step/total, loss, images/s, the share of time spent
 * waiting for data, and ETA on a terminal;
 * plain lines (about 20 per run, and every checkpoint) when stderr is a file or CI log.
 */
export function renderProgress(
  bus: EventBus,
  io: CliIo,
  /** Where the bar is drawn on a terminal (tests pass their own). */
  stream: NodeJS.WritableStream = process.stderr,
): () => void {
  let bar: cliProgress.SingleBar | undefined;
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'train.step') {
      // Not `eta`: cli-progress fills its own {eta} token (raw seconds, from its own clock) and
      // would shadow ours.
      const fields = {
        loss: event.loss.toFixed(4),
        speed: event.imagesPerSecond.toFixed(1),
        wait: (event.dataWaitFraction * 100).toFixed(0),
        remaining: formatSeconds(event.etaSeconds),
      };
      if (io.isTty) {
        if (bar === undefined) {
          bar = new cliProgress.SingleBar(
            {
              format:
                'step {value}/{total} |{bar}| loss {loss} | {speed} img/s | data wait {wait}% | ETA {remaining}',
              stream,
              hideCursor: true,
              noTTYOutput: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.totalSteps, event.step, fields);
        }
        bar.update(event.step, fields);
        return;
      }
      const every = Math.max(1, Math.round(event.totalSteps / 20));
      if (event.step % every === 0 || event.step === event.totalSteps || event.step === 1) {
        const terms = Object.entries(event.terms)
          .map(([name, value]) => `${name} ${value.toFixed(4)}`)
          .join(', ');
        io.stderr(
          `step ${event.step}/${event.totalSteps} epoch ${event.epoch} loss ${fields.loss} (${terms}) lr ${event.lr.toExponential(3)} ${fields.speed} img/s data wait ${fields.wait}% ETA ${fields.remaining}\n`,
        );
      }
    } else if (event.type === 'train.checkpoint' && !io.isTty) {
      io.stderr(`checkpoint ${event.file}\n`);
    } else if (event.type === 'train.resumed') {
      io.stderr(`resumed from ${event.file} at step ${event.step} (epoch ${event.epoch})\n`);
    } else if (event.type === 'backend.selected') {
      io.stderr(`tensor backend: ${event.backend} — ${event.reason}\n`);
      for (const skipped of event.skipped)
        io.stderr(`  skipped ${skipped.backend}: ${skipped.reason}\n`);
    }
  });
  return () => {
    bar?.stop();
    unsubscribe();
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
