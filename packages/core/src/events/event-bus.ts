import type { SsdetEvent, SsdetEventMap, SsdetEventType } from './event-map.js';

export type EventListener = (event: SsdetEvent) => void;

/**
 * The only way anything below the CLI communicates with the user: components emit typed events,
 * the CLI renders them (progress bars, log lines), a library user subscribes to whatever they need.
 * A throwing listener is isolated so it cannot break a training run.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly listenerErrors: unknown[] = [];

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<Type extends SsdetEventType>(type: Type, payload: SsdetEventMap[Type]): void {
    const event = { type, time: Date.now(), ...payload } as SsdetEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.listenerErrors.push(error);
      }
    }
  }

  /** Errors thrown by listeners, kept so that a test or the CLI can surface them. */
  drainListenerErrors(): unknown[] {
    return this.listenerErrors.splice(0);
  }
}
