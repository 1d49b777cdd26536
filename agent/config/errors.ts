// Config problems as `file: key.path: message` lines, all of them at once: fixing a device
// config one error per restart is slow when the device is in a cabinet somewhere.
import type { z } from 'zod';
import { UserError } from '../../shared/errors.ts';

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      issues.map((i) => `${file}: ${oneLine(i.path)}: ${oneLine(i.message)}`).join('\n'),
      'config',
    );
  }
}

/** One issue per line, whatever a key or a YAML error message holds (keys may contain newlines). */
const oneLine = (s: string): string => s.replace(/\r?\n/g, '\\n');

const joinPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? '(root)' : path.map((p) => (String(p) === '' ? '""' : String(p))).join('.');

/** zod issues in the words a person editing YAML needs. */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: joinPath([...issue.path, key]), message: 'unknown key' });
      }
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push({
        path: joinPath(issue.path),
        message: `expected ${unionAlternatives(issue.errors)}`,
      });
    } else {
      out.push({ path: joinPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** `'realtime' | 'max' | number` from the failures of each branch of a union. */
function unionAlternatives(branches: readonly (readonly z.core.$ZodIssue[])[]): string {
  const names = branches.map((issues) => {
    const first = issues[0];
    if (first?.code === 'invalid_value')
      return first.values.map((v) => `'${String(v)}'`).join(' | ');
    if (first?.code === 'invalid_type') return first.expected;
    return first?.message ?? 'something else';
  });
  return [...new Set(names)].join(' | ');
}
