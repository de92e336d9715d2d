import { z } from 'zod';

/**
 * A method's `backbone` config section: a registered backbone name (`--backbone`) and a width.
 * The name is checked against the registry when the method builds it, so a backbone contributed
 * by any installed package is accepted.
 */
export function backboneConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(
  defaults: { arch: string; widthMultiplier?: number },
  /** A method's own keys of the section (UP-DETR's `frozen`). */
  extra?: Extra,
) {
  return z
    .object({
      /** A registered backbone (`ssdet plugins` lists them): `resnet50`, `resnet18`, … */
      arch: z.string().min(1).default(defaults.arch),
      /** Channel scale for tiny demo models; 1 is the published network. */
      widthMultiplier: z
        .number()
        .positive()
        .max(4)
        .default(defaults.widthMultiplier ?? 1),
      ...(extra ?? ({} as Extra)),
    })
    .strict()
    .prefault({} as never);
}

/** The keys every method's backbone section has. */
export interface BackboneConfig {
  readonly arch: string;
  readonly widthMultiplier: number;
}

const regionParameterSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * A method's `regions` config section: a registered region source and, per algorithm, its flat
 * parameters. Only the chosen algorithm's table is used, so `--set regions.algorithm=edge-boxes`
 * switches algorithm without inheriting Selective Search's settings, and
 * `--set regions.parameters.edge-boxes.maxBoxes=100` tunes it. `cache` keeps proposals on disk
 * keyed by image hash, algorithm and parameters.
 */
export function regionsConfigSchema(defaults: {
  algorithm: string;
  parameters?: Record<string, Record<string, string | number | boolean>>;
  cache?: boolean;
}) {
  return z
    .object({
      /** A registered region source: `selective-search`, `fh`, `edge-boxes`, `random`, … */
      algorithm: z.string().min(1).default(defaults.algorithm),
      /** Parameters by algorithm (including `preset`); the algorithm refuses unknown names. */
      parameters: z
        .record(z.string(), z.record(z.string(), regionParameterSchema))
        .default(defaults.parameters ?? {}),
      /** Keep proposals in the region cache (the same one `ssdet regions` fills). */
      cache: z.boolean().default(defaults.cache ?? true),
      /** Where the cache lives; default `<ssdet cache>/regions`. */
      cacheDir: z.string().min(1).optional(),
    })
    .strict()
    .prefault({});
}

export type RegionsConfig = z.output<ReturnType<typeof regionsConfigSchema>>;
