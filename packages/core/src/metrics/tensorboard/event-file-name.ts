/**
 * The name TensorFlow's EventsWriter gives an event file, `events.out.tfevents.<seconds>.<host>`
 * with the Unix time zero-padded to ten digits, so that a run's files sort by creation time.
 * TensorBoard picks up any file whose name contains `tfevents` and, after the first scan, keeps
 * reading only the last one in sorted order — a resumed run's new file must sort last, which
 * this name does. `suffix` disambiguates two files created in one second on one host.
 */
export function eventFileName(unixSeconds: number, hostname: string, suffix = ''): string {
  const seconds = String(Math.floor(unixSeconds)).padStart(10, '0');
  // A path separator in the host name would move the file to another directory.
  const host = hostname.replace(/[/\\]/g, '_');
  return `events.out.tfevents.${seconds}.${host}${suffix}`;
}
