import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '@ssdet/core';
import sharp from 'sharp';

const CODE = 'PROPOSALS_BAD_EDGE_MAP';
const HINT =
  'write the edge maps with tools/reference/proposals/structured_edges.py, or drop "edgesDir" to use the built-in edge detector';

/**
 * The edge map of the image file `imagePath` in `edgesDir`: `<edgesDir>/<stem>.png`, where the
 * stem is the image's file name without its extension (`img_001.jpg` → `img_001.png`), which is
 * what `tools/reference/proposals/structured_edges.py` writes.
 */
export function edgeMapFile(edgesDir: string, imagePath: string): string {
  return path.join(edgesDir, `${path.parse(imagePath).name}.png`);
}

/**
 * Reads a user's edge map (a structured-edge detector's raw output, before edge NMS): an 8- or
 * 16-bit single-channel PNG of exactly `width × height`, scaled to [0, 1] by 255 or 65535 in
 * float32, row-major. Anything else is an `SsdetError` naming the file and what was expected.
 */
export async function readEdgeMap(
  file: string,
  width: number,
  height: number,
): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${(error as Error).message})`;
    throw new SsdetError(
      CODE,
      `edge-boxes: edge map ${file} ${reason}; expected an 8- or 16-bit grayscale PNG of ${width} × ${height} named after the image's file`,
      { hint: HINT },
    );
  }
  const bad = (what: string): SsdetError =>
    new SsdetError(
      CODE,
      `edge-boxes: edge map ${file} ${what}; expected an 8- or 16-bit grayscale PNG of ${width} × ${height} (the image's size)`,
      { hint: HINT },
    );
  const metadata = await sharp(bytes)
    .metadata()
    .catch((error: unknown) => {
      throw bad(`is not a readable image (${firstLine((error as Error).message)})`);
    });
  if (metadata.format !== 'png') throw bad(`is a ${metadata.format ?? 'non-PNG'} file, not a PNG`);
  if (metadata.width !== width || metadata.height !== height)
    throw bad(`is ${metadata.width ?? '?'} × ${metadata.height ?? '?'}`);
  if (metadata.channels !== 1) throw bad(`has ${metadata.channels ?? '?'} channels`);
  const sixteen = metadata.depth === 'ushort';
  if (!sixteen && metadata.depth !== 'uchar') throw bad(`has sample depth ${metadata.depth}`);
  // Sharp converts raw output to sRGB unless told the single-channel colourspace to keep.
  const { data } = await sharp(bytes)
    .toColourspace(sixteen ? 'grey16' : 'b-w')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const n = width * height;
  const edges = new Float32Array(n);
  if (sixteen) {
    // A copy: a Uint16Array view needs an even byte offset, which sharp does not promise.
    const values = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + 2 * n));
    for (let i = 0; i < n; i++) edges[i] = values[i]! / 65535;
  } else {
    for (let i = 0; i < n; i++) edges[i] = data[i]! / 255;
  }
  return edges;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
