import type { EventBus } from './event-bus.js';
import type { LogLevel } from './event-map.js';

type Fields = Readonly<Record<string, unknown>>;

/** Logging for library code: every call becomes a `log` event on the run's {@link EventBus}. */
export class Logger {
  constructor(
    private readonly bus: EventBus,
    readonly scope: string,
  ) {}

  /** A logger for a sub-component, e.g. `logger.child('backend')` → scope `core.backend`. */
  child(name: string): Logger {
    return new Logger(this.bus, this.scope === '' ? name : `${this.scope}.${name}`);
  }

  debug(message: string, fields?: Fields): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.log('error', message, fields);
  }

  private log(level: LogLevel, message: string, fields: Fields | undefined): void {
    this.bus.emit(
      'log',
      fields === undefined
        ? { level, scope: this.scope, message }
        : { level, scope: this.scope, message, fields },
    );
  }
}
