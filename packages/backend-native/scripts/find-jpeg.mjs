#!/usr/bin/env node
// @ts-check
// Prints the directory holding libjpeg(-turbo)'s `jpeglib.h` (Debian: `apt-get install
// libjpeg62-turbo-dev`), or nothing when there is none or SSDET_NATIVE_JPEG=0. binding.gyp
// compiles the addon's JPEG decoder (native/data_jpeg_decode.cc) and links -ljpeg only when this
// prints a directory; otherwise the decoder is compiled out and @ssdet/data decodes with sharp.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  '/usr/include',
  '/usr/local/include',
  '/opt/homebrew/opt/jpeg-turbo/include',
  '/usr/local/opt/jpeg-turbo/include',
  '/opt/homebrew/include',
];

/** The directory holding jpeglib.h, or undefined. */
export function jpegInclude() {
  if (process.env.SSDET_NATIVE_JPEG === '0') return undefined;
  return CANDIDATES.find((dir) => existsSync(path.join(dir, 'jpeglib.h')));
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
)
  process.stdout.write(jpegInclude() ?? '');
