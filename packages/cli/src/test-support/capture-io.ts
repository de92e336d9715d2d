import type { CliIo } from '../io.js';

/** A CLI io whose output is collected, for in-process `runCli` tests. */
export interface Captured extends CliIo {
  out: string;
  err: string;
}

/** An io rooted at `cwd` that records stdout and stderr. */
export function captureIo(cwd: string): Captured {
  const io: Captured = {
    cwd,
    out: '',
    err: '',
    isTty: false,
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
  };
  return io;
}
