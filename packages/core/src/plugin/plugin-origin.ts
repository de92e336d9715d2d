/** Where a plugin came from, so messages can name the package a user has to fix. */
export interface PluginOrigin {
  readonly packageName: string;
  readonly packageVersion?: string;
  /** Directory of the package on disk, when it was loaded from one. */
  readonly location?: string;
  readonly discovery: 'explicit' | 'automatic' | 'api';
  /**
   * The module file the plugin was imported from. Data worker threads import it again to build
   * the method's views there; a plugin added through the API without it runs its views in-thread.
   */
  readonly entry?: string;
}

export function describeOrigin(origin: PluginOrigin): string {
  const version = origin.packageVersion === undefined ? '' : `@${origin.packageVersion}`;
  const where = origin.location === undefined ? '' : ` (${origin.location})`;
  return `${origin.packageName}${version}${where}`;
}
