#!/usr/bin/env node
// @ts-check
/**
 * `node tools/bench/summarize.js [directory]`: the table of BENCHMARKS.md — every method's
 * training step, ours against PyTorch's and the ratio — from the records the method benches
 * (`MethodStepBench`) write to `bench-results/methods/<method>.json` during `npm run bench`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SsdetError } from '@ssdet/core';

/** @typedef {import('./method-step-bench.js').MethodStepRecord} MethodStepRecord */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DIRECTORY = path.join(repoRoot, 'bench-results', 'methods');

/**
 * Every `*.json` record in `directory`, by method name.
 * @param {string} directory
 * @returns {MethodStepRecord[]}
 */
export function readMethodRecords(directory) {
  let names;
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json'));
  } catch {
    throw new SsdetError('BENCH_RECORDS', `${directory}: no such directory of bench records.`, {
      hint: 'Run `npm run bench -- <method>` first: each method bench writes its record there.',
    });
  }
  if (names.length === 0)
    throw new SsdetError('BENCH_RECORDS', `${directory}: no bench records (*.json) in it.`, {
      hint: 'Run `npm run bench -- <method>` first: each method bench writes its record there.',
    });
  return names
    .map((name) =>
      parseRecord(path.join(directory, name), readFileSync(path.join(directory, name), 'utf8')),
    )
    .sort((a, b) => a.method.localeCompare(b.method));
}

/**
 * One record, checked field by field so that a stale or hand-edited file says what is wrong.
 * @param {string} file
 * @param {string} text
 * @returns {MethodStepRecord}
 */
export function parseRecord(file, text) {
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SsdetError('BENCH_RECORD', `${file}: not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SsdetError('BENCH_RECORD', `${file}: expected a JSON object.`);
  const record = /** @type {Record<string, unknown>} */ (value);
  /** @param {string} field @param {string} expected @param {(v: unknown) => boolean} ok */
  const check = (field, expected, ok) => {
    if (!ok(record[field]))
      throw new SsdetError(
        'BENCH_RECORD',
        `${file}: "${field}" must be ${expected}; got ${JSON.stringify(record[field]) ?? 'nothing'}.`,
      );
  };
  /** @param {unknown} v */
  const isString = (v) => typeof v === 'string';
  /** @param {unknown} v */
  const isSeconds = (v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
  check('method', 'a string', isString);
  check('step', 'a string', isString);
  check('batch', 'a positive integer', (v) => Number.isInteger(v) && /** @type {number} */ (v) > 0);
  check('backend', 'a string or null', (v) => v === null || isString(v));
  check('seconds', 'seconds (a number ≥ 0) or null', isSeconds);
  check('torchSeconds', 'seconds (a number ≥ 0) or null', isSeconds);
  check('torchNote', 'a string', isString);
  check('failure', 'a string or null', (v) => v === null || isString(v));
  check('steps', 'an array of seconds', (v) => Array.isArray(v) && v.every(isSeconds));
  check(
    'date',
    'an ISO date',
    (v) => isString(v) && !Number.isNaN(Date.parse(/** @type {string} */ (v))),
  );
  check('machine', 'an object {cpu, cores, node, loadAverage}', (v) => {
    const m = /** @type {Record<string, unknown> | null} */ (v);
    return (
      typeof m === 'object' &&
      m !== null &&
      isString(m['cpu']) &&
      Number.isInteger(m['cores']) &&
      isString(m['node']) &&
      Array.isArray(m['loadAverage']) &&
      m['loadAverage'].length === 2
    );
  });
  return /** @type {MethodStepRecord} */ (/** @type {unknown} */ (record));
}

/** @param {string} text */
const cell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** @param {number} seconds */
const formatSeconds = (seconds) => `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;

/**
 * The markdown table: one row per record, ours against PyTorch measured in the same run.
 * @param {readonly MethodStepRecord[]} records
 * @returns {string}
 */
export function methodTable(records) {
  const rows = records.map((r) => {
    const ours =
      r.seconds === null
        ? `failed: ${r.failure ?? 'no step was timed'}`
        : `${formatSeconds(r.seconds)}${r.failure === null ? '' : ` (then ${r.failure})`}`;
    const torch = r.torchSeconds === null ? r.torchNote : formatSeconds(r.torchSeconds);
    const ratio =
      r.seconds === null || r.torchSeconds === null || r.torchSeconds === 0
        ? '—'
        : `${(r.seconds / r.torchSeconds).toFixed(2)}×`;
    const [before, after] = r.machine.loadAverage;
    // The load average shows how busy a shared machine was around the run.
    const measured = `${r.date.slice(0, 10)}, one run, load ${before.toFixed(1)} → ${after.toFixed(1)}`;
    return `| ${cell(r.method)} | ${cell(r.step)} | ${cell(r.backend ?? '—')} | ${cell(ours)} | ${cell(torch)} | ${ratio} | ${measured} |`;
  });
  return [
    '| method | step | backend | ssdet s/step | PyTorch s/step | ours / PyTorch | measured |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * The machines the records were measured on (normally one).
 * @param {readonly MethodStepRecord[]} records
 * @returns {string}
 */
export function machineLine(records) {
  const machines = new Set(
    records.map((r) => `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}`),
  );
  return `Machine: ${[...machines].join('; ')}.`;
}

function main() {
  const directory = path.resolve(process.argv[2] ?? DEFAULT_DIRECTORY);
  try {
    const records = readMethodRecords(directory);
    process.stdout.write(`${machineLine(records)}\n\n${methodTable(records)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof SsdetError)) throw error;
    process.stderr.write(`${error.message}${error.hint === undefined ? '' : ` ${error.hint}`}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = main();
