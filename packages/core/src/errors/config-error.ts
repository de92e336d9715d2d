import { SsdetError } from './ssdet-error.js';

/** One rejected configuration value: where it is, what it was, what is allowed. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `loss.temperature`; empty for the root. */
  readonly path: string;
  readonly received: unknown;
  readonly expected: string;
}

/** A configuration that does not satisfy its schema. The CLI exits with code 2 on it. */
export class ConfigError extends SsdetError {
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', ConfigError.describe(source, issues));
    this.source = source;
    this.issues = issues;
  }

  private static describe(source: string, issues: readonly ConfigIssue[]): string {
    const lines = issues.map(
      (issue) =>
        `  ${issue.path === '' ? '(root)' : issue.path}: got ${formatValue(issue.received)}; expected ${issue.expected}`,
    );
    return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
