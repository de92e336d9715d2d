import type { EventBus, LogLevel } from '@ssdet/core';
import type { CliIo } from '../io.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Prints log events at or above `minimum` to stderr, one line each; returns the unsubscribe. */
export function renderLogs(bus: EventBus, io: CliIo, minimum: LogLevel): () => void {
  return bus.subscribe((event) => {
    if (event.type !== 'log' || LEVEL_RANK[event.level] < LEVEL_RANK[minimum]) return;
    const prefix = event.level === 'info' ? '' : `${event.level}: `;
    io.stderr(`${prefix}${event.message}\n`);
  });
}
