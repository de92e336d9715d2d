import type { MetricsRecord } from '../metrics-record.js';
import type { Scalar } from './event-proto.js';

/**
 * The TensorBoard scalars of one record: `loss`, `loss/<term>` per loss term, `lr`, `momentum`
 * (when the method has an EMA), `images_per_second`, `data_wait_fraction`. Terms sit under
 * `loss/` so that TensorBoard groups them with the total.
 */
export function recordScalars(record: MetricsRecord): Scalar[] {
  const scalars: Scalar[] = [{ tag: 'loss', value: record.loss }];
  for (const [term, value] of Object.entries(record.terms)) {
    scalars.push({ tag: `loss/${term}`, value });
  }
  scalars.push({ tag: 'lr', value: record.lr });
  if (record.momentum !== undefined) scalars.push({ tag: 'momentum', value: record.momentum });
  scalars.push({ tag: 'images_per_second', value: record.imagesPerSecond });
  scalars.push({ tag: 'data_wait_fraction', value: record.dataWaitFraction });
  for (const [name, value] of Object.entries(record.evaluation ?? {})) {
    scalars.push({ tag: `eval/${name}`, value });
  }
  return scalars;
}
