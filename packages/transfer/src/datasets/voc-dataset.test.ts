import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateCoco } from '../coco/coco-eval.js';
import { readVocDataset } from './voc-dataset.js';

/** A LabelImg-style annotation. */
function vocXml(
  filename: string,
  size: [number, number],
  objects: { name: string; box: number[]; difficult?: boolean }[],
  extra = '',
): string {
  const body = objects
    .map(
      (o) => `  <object>
    <name>${o.name}</name><pose>Unspecified</pose><truncated>0</truncated>
    <difficult>${o.difficult === true ? 1 : 0}</difficult>
    <bndbox><xmin>${o.box[0]}</xmin><ymin>${o.box[1]}</ymin><xmax>${o.box[2]}</xmax><ymax>${o.box[3]}</ymax></bndbox>
  </object>`,
    )
    .join('\n');
  return `<annotation>
  <folder>images</folder><filename>${filename}</filename>${extra}
  <size><width>${size[0]}</width><height>${size[1]}</height><depth>3</depth></size>
${body}
</annotation>\n`;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-voc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(files: Record<string, string>): Promise<string> {
  const root = path.join(dir, 'voc');
  await mkdir(root, { recursive: true });
  for (const [name, content] of Object.entries(files))
    await writeFile(path.join(root, name), content);
  return root;
}

describe('readVocDataset', () => {
  it('turns VOC XML into COCO ground truth: 1-based inclusive boxes, difficult as crowd', async () => {
    const root = await folder({
      'b.xml': vocXml('b.jpg', [64, 48], [{ name: 'dog', box: [1, 1, 64, 48] }]),
      'a.xml': vocXml(
        'a.jpg',
        [100, 80],
        [
          { name: 'cat', box: [11, 21, 40, 50] },
          { name: 'dog', box: [50, 10, 59, 19], difficult: true },
        ],
      ),
      'a.jpg': 'jpeg',
      'b.jpg': 'jpeg',
    });
    const voc = await readVocDataset(root);
    expect(voc.categories).toEqual([
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ]);
    expect(voc.images).toEqual([
      { id: 1, width: 100, height: 80, file_name: 'a.jpg' },
      { id: 2, width: 64, height: 48, file_name: 'b.jpg' },
    ]);
    expect(voc.files.get(2)).toBe(path.join(root, 'b.jpg'));
    expect(voc.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 30, 30], area: 900, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 2, bbox: [49, 9, 10, 10], area: 100, iscrowd: 1 },
      { id: 3, image_id: 2, category_id: 2, bbox: [0, 0, 64, 48], area: 3072, iscrowd: 0 },
    ]);
    // Perfect detections of the regular objects: AP 1; the difficult one neither helps nor hurts.
    const results = voc.annotations
      .filter((a) => a.iscrowd === 0)
      .map((a) => ({
        image_id: a.image_id,
        category_id: a.category_id,
        bbox: a.bbox!,
        score: 0.9,
      }));
    expect(evaluateCoco(voc, results, 'bbox').stats[0]).toBeCloseTo(1, 12);
  });

  it('finds images through --images when <filename> does not resolve beside the XML', async () => {
    const root = await folder({
      'x.xml': vocXml('x.png', [10, 10], [{ name: 'cup', box: [2, 2, 5, 5] }]),
    });
    const images = path.join(dir, 'pictures');
    await mkdir(images);
    await writeFile(path.join(images, 'x.png'), 'png');
    const voc = await readVocDataset(root, { images });
    expect(voc.files.get(1)).toBe(path.join(images, 'x.png'));
  });

  it.each([
    [
      'a missing image',
      { 'm.xml': vocXml('gone.jpg', [10, 10], []) },
      /m\.xml: its image "gone\.jpg" was not found \(looked at .*gone\.jpg\)/,
    ],
    [
      'a box outside the image',
      { 'o.xml': vocXml('o.jpg', [10, 10], [{ name: 'cup', box: [2, 2, 11, 5] }]), 'o.jpg': '' },
      /o\.xml: object 1 \("cup"\): the box \[2, 2, 11, 5\] is outside the 10 × 10 image/,
    ],
    [
      'a box of negative size',
      { 'n.xml': vocXml('n.jpg', [10, 10], [{ name: 'cup', box: [6, 2, 3, 5] }]), 'n.jpg': '' },
      /n\.xml: object 1 \("cup"\): the box \[6, 2, 3, 5\] has a negative size/,
    ],
    [
      'a missing size',
      { 's.xml': '<annotation><filename>s.jpg</filename></annotation>', 's.jpg': '' },
      /s\.xml: <size> must give positive integer <width> and <height>; got undefined × undefined/,
    ],
    ['not an annotation', { 'q.xml': '<html></html>' }, /q\.xml: no <annotation> element/],
  ])('refuses %s, naming the file and the object', async (_, files, message) => {
    const root = await folder(files as Record<string, string>);
    await expect(readVocDataset(root)).rejects.toThrow(message);
  });

  it('refuses a class outside the given classes (a validation split against the training classes)', async () => {
    const root = await folder({
      'v.xml': vocXml('v.jpg', [10, 10], [{ name: 'zebra', box: [1, 1, 4, 4] }]),
      'v.jpg': '',
    });
    await expect(readVocDataset(root, { classes: ['cat', 'dog'] })).rejects.toThrow(
      /v\.xml: object 1 has class "zebra", which is not one of cat, dog/,
    );
  });
});
