/**
 * Parameter-name conventions.
 *
 * ssdet names its variables exactly as torchvision names its state dicts
 * (`layer1.0.conv1.weight`, `layer1.0.bn1.running_mean`), so the torchvision map is the
 * identity. Two kinds of names are optional (see {@link isIgnoredTorchvisionName}):
 * - `fc.*` (the ImageNet classifier): a pre-training backbone has none, so an import skips it;
 * - `*.num_batches_tracked` (BatchNorm's int64 step counter): loaded when the model holds one
 *   and skipped otherwise; on export, a model without counters gets an int64 `0` after each
 *   BatchNorm's `running_var`, so `load_state_dict(strict=True)` accepts the file. (The counter
 *   only matters for BatchNorm with `momentum=None`, which torchvision models do not use.)
 *
 * detectron2's ResNet uses other names; {@link ssdetToDetectron2Name} follows detectron2's own
 * `tools/convert-torchvision-to-d2.py`: non-`layer` names go under `stem.`, `layerN` becomes
 * `res{N+1}`, `bnK` becomes `convK.norm`, `downsample.0` / `.1` become `shortcut` /
 * `shortcut.norm`. This holds for BasicBlock (conv1–conv2) and Bottleneck (conv1–conv3) alike.
 * A flat `.pth` with these names loads through detectron2's `DetectionCheckpointer`, which
 * wraps it as `{"model": …}` and matches names by suffix (e.g. to
 * `backbone.bottom_up.res2.0.conv1.weight`).
 */

/** Optional names: torchvision's classifier (`fc.*`) and BatchNorm step counters (`*.num_batches_tracked`). */
export function isIgnoredTorchvisionName(name: string): boolean {
  return (
    name.startsWith('fc.') ||
    name.endsWith('.num_batches_tracked') ||
    name === 'num_batches_tracked'
  );
}

/** torchvision state-dict name → ssdet variable name (the identity). */
export function torchvisionToSsdetName(name: string): string {
  return name;
}

/** ssdet variable name → torchvision state-dict name (the identity). */
export function ssdetToTorchvisionName(name: string): string {
  return name;
}

/** ssdet (torchvision) ResNet name → detectron2 ResNet name, e.g. `layer1.0.bn2.weight` → `res2.0.conv2.norm.weight`. */
export function ssdetToDetectron2Name(name: string): string {
  const parts = name.split('.');
  const head = parts[0] ?? '';
  const layer = /^layer(\d+)$/.exec(head);
  const mapped: string[] = layer ? [`res${Number(layer[1]) + 1}`] : ['stem'];
  for (let i = layer ? 1 : 0; i < parts.length; i++) {
    const part = parts[i]!;
    const norm = /^bn(\d+)$/.exec(part);
    if (norm) mapped.push(`conv${norm[1]}`, 'norm');
    else if (part === 'downsample' && (parts[i + 1] === '0' || parts[i + 1] === '1')) {
      mapped.push('shortcut');
      if (parts[i + 1] === '1') mapped.push('norm');
      i += 1;
    } else mapped.push(part);
  }
  return mapped.join('.');
}

/** detectron2 ResNet name → ssdet (torchvision) name; the inverse of {@link ssdetToDetectron2Name}. */
export function detectron2ToSsdetName(name: string): string {
  const parts = name.split('.');
  const mapped: string[] = [];
  let i = 0;
  const res = /^res(\d+)$/.exec(parts[0] ?? '');
  if (parts[0] === 'stem') i = 1;
  else if (res) {
    mapped.push(`layer${Number(res[1]) - 1}`);
    i = 1;
  }
  for (; i < parts.length; i++) {
    const part = parts[i]!;
    const conv = /^conv(\d+)$/.exec(part);
    if (conv && parts[i + 1] === 'norm') {
      mapped.push(`bn${conv[1]}`);
      i += 1;
    } else if (part === 'shortcut') {
      if (parts[i + 1] === 'norm') {
        mapped.push('downsample', '1');
        i += 1;
      } else mapped.push('downsample', '0');
    } else mapped.push(part);
  }
  return mapped.join('.');
}
