import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type ConfigObject,
  defaultCacheDir,
  EXPORTED_BACKBONE_FILE,
  isMethodPlugin,
  type Logger,
  type PluginRegistry,
  type PretrainedBackboneRequirement,
  SsdetError,
  type SsdetPlugin,
} from '@ssdet/core';

/** The CNN methods a `--demo` chain prefers, in order; any other CNN method will do. */
const PREFERRED_DONORS = ['densecl', 'soco'] as const;

/** How the frozen backbone of a run was settled. */
export interface BackboneChain {
  /** The CNN method whose run was frozen. */
  readonly method: string;
  readonly runDir: string;
  /** `true` when an earlier demo chain's run was reused. */
  readonly reused: boolean;
}

/** Runs a donor pre-training (`runPretraining` with these arguments) and reports if it finished. */
export type DonorPretraining = (request: {
  readonly method: string;
  readonly data: string;
  readonly flags: { readonly backbone?: string };
  readonly sets: readonly string[];
  readonly outDir: string;
}) => Promise<{ readonly finished: boolean }>;

/**
 * Settles the frozen, pre-trained CNN of a method that declares one (`pretrainedBackbone`):
 * a configured source (weights file, run directory, `random`) is kept; under `--demo` a small
 * pre-training run of a CNN method (DenseCL first) on the same data and the same backbone is
 * built — or reused from the cache, keyed by donor version, backbone and data — and its
 * directory written into the config; otherwise the run is refused with the ways to get one.
 *
 * Returns the config to run with and, when a chain was used, where its backbone came from.
 */
export async function settlePretrainedBackbone(args: {
  readonly plugin: SsdetPlugin;
  readonly config: ConfigObject;
  readonly registry: PluginRegistry;
  readonly demo: boolean;
  readonly dataLocation: string;
  readonly cacheDir?: string;
  /** Plan only: say where the chain's run would be, build nothing. */
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly pretrain: DonorPretraining;
}): Promise<{ readonly config: ConfigObject; readonly chain?: BackboneChain }> {
  const requirement = args.plugin.pretrainedBackbone;
  if (requirement === undefined) return { config: args.config };
  const configured = args.config[requirement.configKey];
  if (typeof configured === 'string' && configured.length > 0) {
    if (configured === 'random')
      args.logger.warn(
        `${args.plugin.name}: ${requirement.configKey}=random — the frozen CNN stays random, an ablation: the paper freezes ${requirement.paperBackbone}.`,
      );
    return { config: args.config };
  }
  if (!args.demo) throw refusal(args.plugin.name, requirement);

  const donor = pickDonor(args.registry, args.plugin.name);
  const backbone = (args.config['backbone'] ?? {}) as ConfigObject;
  const arch = typeof backbone['arch'] === 'string' ? backbone['arch'] : undefined;
  const width =
    typeof backbone['widthMultiplier'] === 'number' ? backbone['widthMultiplier'] : undefined;
  const key = createHash('sha256')
    .update(JSON.stringify([donor.name, donor.version, arch, width, args.dataLocation]))
    .digest('hex')
    .slice(0, 12);
  const runDir = path.join(
    args.cacheDir ?? defaultCacheDir(),
    'pretrained-backbones',
    `${donor.name}-${arch ?? 'default'}${width === undefined ? '' : `-w${width}`}-${key}`,
  );
  const withChain = (reused: boolean) => ({
    config: { ...args.config, [requirement.configKey]: runDir },
    chain: { method: donor.name, runDir, reused },
  });
  if (existsSync(path.join(runDir, EXPORTED_BACKBONE_FILE))) {
    args.logger.info(
      `${args.plugin.name} --demo: freezing the backbone of the ${donor.name} demo run ${runDir} (built before).`,
    );
    return withChain(true);
  }
  if (args.dryRun) {
    args.logger.info(
      `${args.plugin.name} --demo: the real run first pre-trains ${donor.name} (demo preset) into ${runDir} and freezes its backbone.`,
    );
    return { config: { ...args.config, [requirement.configKey]: 'random' } };
  }

  args.logger.info(
    `${args.plugin.name} --demo: pre-training ${donor.name} (demo preset${arch === undefined ? '' : `, ${arch}`}${width === undefined ? '' : ` at width ${width}`}) to freeze its backbone; it is cached in ${runDir}.`,
  );
  // Built beside its final place and renamed into it, so that two demo runs never share a run
  // directory and a cut-short build is never mistaken for a finished one.
  const building = `${runDir}.${process.pid}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(path.dirname(runDir), { recursive: true });
  const { finished } = await args.pretrain({
    method: donor.name,
    data: args.dataLocation,
    flags: arch === undefined ? {} : { backbone: arch },
    sets: width === undefined ? [] : [`backbone.widthMultiplier=${width}`],
    outDir: building,
  });
  if (!finished || !existsSync(path.join(building, EXPORTED_BACKBONE_FILE))) {
    await rm(building, { recursive: true, force: true });
    throw new SsdetError(
      'PRETRAINED_BACKBONE_NOT_BUILT',
      `${args.plugin.name} --demo: the ${donor.name} run that provides the frozen backbone stopped before it finished; nothing was trained on it.`,
    );
  }
  try {
    await rename(building, runDir);
  } catch (error) {
    // Another demo built it meanwhile: use theirs, drop ours.
    if (!existsSync(path.join(runDir, EXPORTED_BACKBONE_FILE))) throw error;
    await rm(building, { recursive: true, force: true });
  }
  return withChain(false);
}

/** The CNN method a demo chain pre-trains: DenseCL, SoCo, or any method that needs no frozen backbone itself. */
function pickDonor(registry: PluginRegistry, consumer: string): SsdetPlugin {
  const candidates = registry
    .methods()
    .map((registered) => registered.plugin)
    .filter(
      (plugin) =>
        isMethodPlugin(plugin) &&
        plugin.pretrainedBackbone === undefined &&
        plugin.name !== consumer,
    );
  const preferred = PREFERRED_DONORS.map((name) =>
    candidates.find((plugin) => plugin.name === name),
  ).find((plugin) => plugin !== undefined);
  const donor = preferred ?? candidates[0];
  if (donor === undefined)
    throw new SsdetError(
      'PRETRAINED_BACKBONE_NO_DONOR',
      `${consumer} --demo: freezing a pre-trained CNN needs a CNN pre-training method, and none is installed.`,
      { hint: 'npm install @ssdet/plugin-densecl, or pass --set <key>=<weights file>.' },
    );
  return donor;
}

function refusal(method: string, requirement: PretrainedBackboneRequirement): SsdetError {
  const key = requirement.configKey;
  return new SsdetError(
    'PRETRAINED_BACKBONE_REQUIRED',
    `${method} trains on a frozen, pre-trained CNN (the paper freezes ${requirement.paperBackbone}), and no ${key} was given.`,
    {
      hint: `Pass --set ${key}=<file.pth|file.safetensors> (torchvision or detectron2 names, e.g. SwAV's), or --set ${key}=<run directory of ssdet pretrain --method densecl> to chain two methods; --demo builds a small one for you; ${key}=random is an ablation.`,
    },
  );
}
