import { SsdetError } from '../errors/ssdet-error.js';
import { BACKEND_PREFERENCE, type BackendName } from '../tensor/backend-name.js';
import type { MetricsRecord } from './metrics-record.js';

/*
 * JSON has no NaN or ±Infinity (JSON.stringify turns them into null), yet a diverging run's last
 * record is exactly where they matter. They are written as the strings "NaN", "Infinity" and
 * "-Infinity" and read back as numbers, the convention Python's json module reads as well.
 */
const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** One `metrics.jsonl` line for `record`, without the newline. */
export function formatMetricsLine(record: MetricsRecord): string {
  return JSON.stringify(record, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  );
}

/**
 * Parses one `metrics.jsonl` line. `where` names the line for errors, e.g. `run/metrics.jsonl:12`.
 * Throws a {@link SsdetError} (`METRICS_INVALID`) when the line is not JSON or lacks a field.
 */
export function parseMetricsLine(line: string, where: string): MetricsRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw invalid(where, 'is not valid JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'is not a JSON object');
  }
  const raw = value as Record<string, unknown>;
  const termsRaw = raw['terms'] ?? {};
  if (typeof termsRaw !== 'object' || termsRaw === null || Array.isArray(termsRaw)) {
    throw invalid(where, 'has a "terms" field that is not an object of numbers');
  }
  const terms: Record<string, number> = {};
  for (const [name, term] of Object.entries(termsRaw as Record<string, unknown>)) {
    terms[name] = numberField(term, `terms.${name}`, where);
  }
  const backend = raw['backend'];
  if (typeof backend !== 'string' || !(BACKEND_PREFERENCE as readonly string[]).includes(backend)) {
    throw invalid(
      where,
      `has "backend" ${JSON.stringify(backend)}; expected one of ${BACKEND_PREFERENCE.join(', ')}`,
    );
  }
  const momentum = raw['momentum'];
  const evaluationRaw = raw['evaluation'];
  if (
    evaluationRaw !== undefined &&
    (typeof evaluationRaw !== 'object' || evaluationRaw === null || Array.isArray(evaluationRaw))
  ) {
    throw invalid(where, 'has an "evaluation" field that is not an object of numbers');
  }
  const evaluation =
    evaluationRaw === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(evaluationRaw as Record<string, unknown>).map(([name, metric]) => [
            name,
            numberField(metric, `evaluation.${name}`, where),
          ]),
        );
  return {
    step: numberField(raw['step'], 'step', where),
    epoch: numberField(raw['epoch'], 'epoch', where),
    loss: numberField(raw['loss'], 'loss', where),
    terms,
    lr: numberField(raw['lr'], 'lr', where),
    ...(momentum === undefined ? {} : { momentum: numberField(momentum, 'momentum', where) }),
    ...(evaluation === undefined ? {} : { evaluation }),
    imagesPerSecond: numberField(raw['imagesPerSecond'], 'imagesPerSecond', where),
    dataWaitFraction: numberField(raw['dataWaitFraction'], 'dataWaitFraction', where),
    backend: backend as BackendName,
    time: numberField(raw['time'], 'time', where),
  };
}

function numberField(value: unknown, field: string, where: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value]!;
  throw invalid(where, `has "${field}" ${JSON.stringify(value) ?? 'missing'}; expected a number`);
}

function invalid(where: string, problem: string, cause?: unknown): SsdetError {
  return new SsdetError('METRICS_INVALID', `${where} ${problem}.`, {
    hint: 'metrics.jsonl holds one JSON object per line, as written by JsonlMetricsSink.',
    cause,
  });
}
