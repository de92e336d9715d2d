/** One COCO annotation as far as its box goes. */
export interface AuditedAnnotation {
  readonly id?: number | string;
  readonly image_id: number | string;
  readonly bbox?: readonly number[];
  readonly iscrowd?: number;
}

/** What is wrong with a COCO file's boxes: each kind counted, with an example. */
export interface BoxAudit {
  readonly total: number;
  /** Width or height zero or negative: no box at all, left out. */
  readonly empty: number;
  /** No pixel inside its image: left out. */
  readonly outside: number;
  /** Partly past the image's edge: clipped to it. */
  readonly clipped: number;
  readonly example: string | undefined;
}

/**
 * Counts the boxes a loader will drop or clip, so a run can say so instead of training on fewer
 * objects without a word. `sizes` maps image id (as a string) to its width and height; boxes of
 * images of unknown size are only checked for an empty extent.
 */
export function auditCocoBoxes(
  annotations: readonly AuditedAnnotation[],
  sizes: ReadonlyMap<string, { readonly width?: number; readonly height?: number }>,
): BoxAudit {
  let total = 0;
  let empty = 0;
  let outside = 0;
  let clipped = 0;
  let example: string | undefined;
  for (const annotation of annotations) {
    if (annotation.bbox === undefined || annotation.iscrowd === 1) continue;
    total += 1;
    const [x, y, w, h] = annotation.bbox as [number, number, number, number];
    const size = sizes.get(String(annotation.image_id));
    const where = () =>
      `annotation ${annotation.id ?? '?'} of image ${annotation.image_id}: [${[x, y, w, h].join(', ')}]${size?.width === undefined ? '' : ` on a ${size.width} × ${size.height} image`}`;
    if (!(w > 0 && h > 0)) {
      empty += 1;
      example ??= where();
      continue;
    }
    if (size?.width === undefined || size.height === undefined) continue;
    if (x >= size.width || y >= size.height || x + w <= 0 || y + h <= 0) {
      outside += 1;
      example ??= where();
    } else if (x < 0 || y < 0 || x + w > size.width || y + h > size.height) {
      clipped += 1;
      example ??= where();
    }
  }
  return { total, empty, outside, clipped, example };
}

/** The warning for an audit, or undefined when every box is inside its image. */
export function describeBoxAudit(audit: BoxAudit, source: string): string | undefined {
  const dropped = audit.empty + audit.outside;
  if (dropped === 0 && audit.clipped === 0) return undefined;
  const parts: string[] = [];
  if (dropped > 0) {
    const kinds = [
      audit.empty > 0 ? `${audit.empty} with a zero or negative width or height` : '',
      audit.outside > 0 ? `${audit.outside} entirely outside their image` : '',
    ].filter((kind) => kind !== '');
    parts.push(`${dropped} of ${audit.total} boxes are left out (${kinds.join(', ')})`);
  }
  if (audit.clipped > 0)
    parts.push(`${audit.clipped} reach past their image's edge and are clipped to it`);
  return `${source}: ${parts.join('; ')}. E.g. ${audit.example}.`;
}
