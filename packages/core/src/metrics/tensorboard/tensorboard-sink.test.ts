import { mkdtemp, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../metrics-record.js';
import { makeRecord } from '../test-support/make-record.js';
import { TensorBoardSink } from './tensorboard-sink.js';

/*
 * An independent reader of TensorBoard event files, written from the format descriptions alone
 * and sharing no code with the writer: bitwise (table-free) CRC-32C, and a generic protobuf
 * decoder that knows wire types but not our encoder.
 */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function unmask(masked: number): number {
  const rotated = (masked - 0xa282ead8) >>> 0;
  return ((rotated << 15) | (rotated >>> 17)) >>> 0;
}

/** Splits a TFRecord file, checking both CRCs of every record; a torn tail is reported. */
function readTfRecords(file: Buffer): { records: Buffer[]; tornTail: boolean } {
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < file.length) {
    if (offset + 12 > file.length) return { records, tornTail: true };
    const lengthBytes = file.subarray(offset, offset + 8);
    const length = Number(file.readBigUInt64LE(offset));
    expect(unmask(file.readUInt32LE(offset + 8))).toBe(crc32cBitwise(lengthBytes));
    if (offset + 12 + length + 4 > file.length) return { records, tornTail: true };
    const data = file.subarray(offset + 12, offset + 12 + length);
    expect(unmask(file.readUInt32LE(offset + 12 + length))).toBe(crc32cBitwise(data));
    records.push(data);
    offset += 12 + length + 4;
  }
  return { records, tornTail: false };
}

type Field = {
  number: number;
  varint?: bigint;
  fixed64?: Buffer;
  fixed32?: Buffer;
  bytes?: Buffer;
};

function decodeProto(buffer: Buffer): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[offset++];
      if (byte === undefined) throw new Error('varint runs past the end');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (offset < buffer.length) {
    const key = Number(readVarint());
    const number = key >>> 3;
    switch (key & 7) {
      case 0:
        fields.push({ number, varint: readVarint() });
        break;
      case 1:
        fields.push({ number, fixed64: buffer.subarray(offset, (offset += 8)) });
        break;
      case 2: {
        const length = Number(readVarint());
        fields.push({ number, bytes: buffer.subarray(offset, (offset += length)) });
        break;
      }
      case 5:
        fields.push({ number, fixed32: buffer.subarray(offset, (offset += 4)) });
        break;
      default:
        throw new Error(`unexpected wire type ${key & 7}`);
    }
  }
  expect(offset).toBe(buffer.length);
  return fields;
}

interface ParsedEvent {
  wallTime?: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simpleValue: number }[];
  sessionStatus?: number;
}

/** Decodes tensorflow.Event (event.proto): 1 wall_time, 2 step, 3 file_version, 5 summary, 7 session_log. */
function parseEvent(data: Buffer): ParsedEvent {
  const event: ParsedEvent = { step: 0, values: [] };
  for (const field of decodeProto(data)) {
    if (field.number === 1) event.wallTime = field.fixed64!.readDoubleLE(0);
    else if (field.number === 2) event.step = Number(BigInt.asIntN(64, field.varint!));
    else if (field.number === 3) event.fileVersion = field.bytes!.toString('utf8');
    else if (field.number === 5) {
      // Summary: 1 repeated Value { 1 tag, 2 float simple_value }.
      for (const value of decodeProto(field.bytes!)) {
        expect(value.number).toBe(1);
        const inner = decodeProto(value.bytes!);
        const tag = inner.find((f) => f.number === 1)?.bytes?.toString('utf8');
        const simple = inner.find((f) => f.number === 2)?.fixed32?.readFloatLE(0);
        expect(tag).toBeTypeOf('string');
        expect(simple).toBeTypeOf('number');
        event.values.push({ tag: tag!, simpleValue: simple! });
      }
    } else if (field.number === 7) {
      event.sessionStatus = Number(decodeProto(field.bytes!).find((f) => f.number === 1)?.varint);
    } else throw new Error(`unexpected Event field ${field.number}`);
  }
  return event;
}

async function readEventFile(file: string): Promise<{ events: ParsedEvent[]; tornTail: boolean }> {
  const { records, tornTail } = readTfRecords(await readFile(file));
  return { events: records.map(parseEvent), tornTail };
}

const f32 = (value: number): number => Math.fround(value);

describe('TensorBoardSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ssdet-tb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const created = 1_700_000_123_456;
  const sinkIn = (sub: string, options = {}): TensorBoardSink =>
    new TensorBoardSink(path.join(dir, sub), { now: () => created, hostname: 'box', ...options });

  it('names the file as TensorFlow does', async () => {
    const sink = sinkIn('run');
    await sink.write(makeRecord(1));
    await sink.close();
    expect(await readdir(path.join(dir, 'run'))).toEqual(['events.out.tfevents.1700000123.box']);
  });

  it('writes a file an independent reader parses, with valid CRCs and every scalar', async () => {
    const records: MetricsRecord[] = [
      makeRecord(1),
      makeRecord(2, { momentum: undefined, dataWaitFraction: 0 }),
      makeRecord(3),
    ];
    const sink = sinkIn('run');
    for (const record of records) await sink.write(record);
    await sink.close();
    const { events, tornTail } = await readEventFile(await sink.file());
    expect(tornTail).toBe(false);

    const [first, ...scalars] = events;
    expect(first).toEqual({
      wallTime: created / 1000,
      step: 0,
      fileVersion: 'brain.Event:2',
      values: [],
    });
    const expected = records.flatMap((r) => [
      { step: r.step, tag: 'loss', value: r.loss },
      ...Object.entries(r.terms).map(([term, value]) => ({
        step: r.step,
        tag: `loss/${term}`,
        value,
      })),
      { step: r.step, tag: 'lr', value: r.lr },
      ...(r.momentum === undefined ? [] : [{ step: r.step, tag: 'momentum', value: r.momentum }]),
      { step: r.step, tag: 'images_per_second', value: r.imagesPerSecond },
      { step: r.step, tag: 'data_wait_fraction', value: r.dataWaitFraction },
    ]);
    expect(scalars).toHaveLength(expected.length);
    scalars.forEach((event, i) => {
      const want = expected[i]!;
      const record = records.find((r) => r.step === want.step)!;
      expect(event.wallTime).toBe(record.time / 1000);
      expect(event.step).toBe(want.step);
      // One value per event, a float32 (so exact after rounding), including a 0 that proto3 would drop outside a oneof.
      expect(event.values).toEqual([{ tag: want.tag, simpleValue: f32(want.value) }]);
    });
  });

  it('leaves a torn last record that the reader can tell from corruption', async () => {
    const sink = sinkIn('run');
    await sink.write(makeRecord(1));
    await sink.write(makeRecord(2));
    await sink.close();
    const file = await sink.file();
    const whole = (await readFile(file)).length;
    await truncate(file, whole - 7);
    const { events, tornTail } = await readEventFile(file);
    expect(tornTail).toBe(true);
    expect(events.at(-1)?.step).toBe(2);
  });

  it('starts a resumed run with SessionLog START at the first re-logged step, in a file that sorts last', async () => {
    const first = sinkIn('run');
    await first.write(makeRecord(1));
    await first.close();
    const resumed = sinkIn('run', { resumeFromStep: 4 });
    await resumed.write(makeRecord(5));
    await resumed.close();
    const files = (await readdir(path.join(dir, 'run'))).sort();
    expect(files).toEqual([
      'events.out.tfevents.1700000123.box',
      'events.out.tfevents.1700000123.box.1',
    ]);
    expect(path.basename(await resumed.file())).toBe(files[1]);
    const { events } = await readEventFile(await resumed.file());
    expect(events[0]?.fileVersion).toBe('brain.Event:2');
    expect(events[1]).toMatchObject({ step: 5, sessionStatus: 1, values: [] });
    expect(events[2]).toMatchObject({ step: 5, values: [{ tag: 'loss' }] });
  });
});
