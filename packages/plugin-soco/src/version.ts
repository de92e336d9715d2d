/** The package version, kept in step with package.json (checked by a test). */
export const PLUGIN_VERSION = '0.0.0';
