import { ProtoWriter } from './protobuf-writer.js';

/*
 * Field numbers from tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto
 * (mirrored in tensorboard/compat/proto):
 *   Event   { double wall_time = 1; int64 step = 2;
 *             oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 7; } }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; oneof value { float simple_value = 2; } }
 *   SessionLog { SessionStatus status = 1; }   START = 1
 */
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_FILE_VERSION = 3;
const EVENT_SUMMARY = 5;
const EVENT_SESSION_LOG = 7;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE_VALUE = 2;
const SESSION_LOG_STATUS = 1;
const SESSION_STATUS_START = 1;

/** What TensorFlow writes as the first event of every file. */
export const EVENT_FILE_VERSION_STRING = 'brain.Event:2';

/** A scalar for TensorBoard's Scalars dashboard. */
export interface Scalar {
  readonly tag: string;
  readonly value: number;
}

/** `Event{wall_time, file_version: "brain.Event:2"}`, the first record of an event file. */
export function encodeFileVersionEvent(wallTimeSeconds: number): Uint8Array {
  return new ProtoWriter()
    .double(EVENT_WALL_TIME, wallTimeSeconds)
    .string(EVENT_FILE_VERSION, EVENT_FILE_VERSION_STRING)
    .finish();
}

/** `Event{wall_time, step, summary{value[{tag, simple_value}]}}`. */
export function encodeScalarEvent(
  wallTimeSeconds: number,
  step: number,
  scalar: Scalar,
): Uint8Array {
  // simple_value sits in a oneof, so it is written even when 0 (proto3 presence).
  const value = new ProtoWriter()
    .string(VALUE_TAG, scalar.tag)
    .float(VALUE_SIMPLE_VALUE, scalar.value)
    .finish();
  const summary = new ProtoWriter().bytes(SUMMARY_VALUE, value).finish();
  return withHeader(wallTimeSeconds, step).bytes(EVENT_SUMMARY, summary).finish();
}

/**
 * `Event{wall_time, step, session_log{status: START}}`. TensorBoard reads it as "the run restarted
 * at `step`" and discards points already shown at `step` or later from the interrupted attempt.
 */
export function encodeSessionStartEvent(wallTimeSeconds: number, step: number): Uint8Array {
  const sessionLog = new ProtoWriter().int64(SESSION_LOG_STATUS, SESSION_STATUS_START).finish();
  return withHeader(wallTimeSeconds, step).bytes(EVENT_SESSION_LOG, sessionLog).finish();
}

function withHeader(wallTimeSeconds: number, step: number): ProtoWriter {
  const writer = new ProtoWriter().double(EVENT_WALL_TIME, wallTimeSeconds);
  // proto3 leaves scalar fields at their default (0) out of the encoding.
  return step === 0 ? writer : writer.int64(EVENT_STEP, step);
}
