import { homedir } from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/ssdet` or `~/.cache/ssdet`. */
export function defaultCacheDir(): string {
  return path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'ssdet');
}
