import type { BackendName } from '../tensor/backend-name.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Every event the core emits, keyed by type. Later stages (data, trainer) and third-party plugins
 * add their own by augmenting this interface:
 *
 * ```ts
 * declare module '@ssdet/core' {
 *   interface SsdetEventMap { 'myplugin.cluster': { readonly step: number; readonly k: number } }
 * }
 * ```
 */
export interface SsdetEventMap {
  log: {
    readonly level: LogLevel;
    /** Which component spoke, e.g. `core.backend`, `plugin.densecl`. */
    readonly scope: string;
    readonly message: string;
    readonly fields?: Readonly<Record<string, unknown>>;
  };
  'backend.selected': {
    readonly backend: BackendName;
    readonly reason: string;
    readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
  };
  'plugin.registered': {
    readonly name: string;
    readonly version: string;
    readonly packageName: string;
  };
  'plugin.refused': {
    readonly packageName: string;
    readonly reason: string;
  };
  /** After every optimizer step. */
  'train.step': {
    readonly step: number;
    readonly totalSteps: number;
    readonly epoch: number;
    readonly loss: number;
    readonly terms: Readonly<Record<string, number>>;
    readonly lr: number;
    readonly imagesPerSecond: number;
    /**
     * Share of the wall time since the last logged step spent waiting for the data loader
     * (0–1; above a few per cent, the step is starved: add workers or cache the data).
     */
    readonly dataWaitFraction: number;
    /** Seconds left at the recent pace. */
    readonly etaSeconds: number;
  };
  'train.checkpoint': { readonly file: string; readonly step: number };
  'train.resumed': { readonly file: string; readonly step: number; readonly epoch: number };
}

export type SsdetEventType = keyof SsdetEventMap;

export type SsdetEvent = {
  [Type in SsdetEventType]: { readonly type: Type; readonly time: number } & SsdetEventMap[Type];
}[SsdetEventType];
