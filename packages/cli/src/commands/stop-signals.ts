import type { CliIo } from '../io.js';

/**
 * The first SIGINT/SIGTERM asks a training loop to checkpoint and return (`requested()` turns
 * true); a second one exits at once.
 */
export function onStopSignals(io: CliIo): { requested: () => boolean; dispose: () => void } {
  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    io.stderr(
      `\n${signal}: finishing the current step and writing a checkpoint (send again to exit at once)\n`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => stopRequested,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
