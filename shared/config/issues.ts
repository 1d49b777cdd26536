// Config problems as `file: key.path: message` lines, all of them at once: fixing a device
// config one error per restart is slow when the device is in a cabinet somewhere. The agent's
// and the collector's configs (and a source's section) report through here.
import type { z } from 'zod';
import { UserError } from '../errors.ts';

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    // file '' (settings from the command line alone): the key says where
    const where = file === '' ? '' : `${file}: `;
    super(
      issues.map((i) => `${where}${oneLine(i.path)}: ${oneLine(i.message)}`).join('\n'),
      'config',
    );
  }
}

/** One issue per line, whatever a key or a YAML error message holds (keys may contain newlines). */
const oneLine = (s: string): string => s.replace(/\r?\n/g, '\\n');

/** a key path as written in YAML: `rules.drift.for`; `(root)` for the document itself */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? '(root)' : path.map((p) => (String(p) === '' ? '""' : String(p))).join('.');

/** zod's message for a union without one of its own */
const DEFAULT_UNION_MESSAGE = 'Invalid input';

/** zod issues in the words a person editing YAML needs. */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
      }
    } else if (
      issue.code === 'invalid_union' &&
      issue.errors.length > 0 &&
      issue.message === DEFAULT_UNION_MESSAGE
    ) {
      // no message of the schema's own: name the alternatives
      out.push({
        path: formatPath(issue.path),
        message: `expected ${unionAlternatives(issue.errors)}`,
      });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
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
