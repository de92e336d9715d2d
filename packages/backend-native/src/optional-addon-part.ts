import { loadNativeAddon } from './native-addon.js';

/**
 * A part of the native addon its callers can do without (image, proposal and JPEG kernels): on
 * the first call, `build` makes it from the loaded addon, or returns undefined when the addon
 * predates the part. The result is kept, including "unavailable" (the addon not built, or failing
 * to load without oneDNN). Loading does not register the tfjs backend.
 */
export function optionalAddonPart<Addon, Part>(
  build: (addon: Addon) => Part | undefined,
): () => Part | undefined {
  let cached: Part | null | undefined;
  return () => {
    if (cached === undefined) {
      let addon: Addon | undefined;
      try {
        addon = loadNativeAddon() as unknown as Addon;
      } catch {
        addon = undefined;
      }
      cached = (addon === undefined ? undefined : build(addon)) ?? null;
    }
    return cached ?? undefined;
  };
}
