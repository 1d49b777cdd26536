// Reads a YAML config file into plain data, for the agent's and the collector's configs alike:
// a file that cannot be read, a YAML error (with its line), an alias bomb or an unresolved
// alias, and a document that is not a mapping are ConfigErrors naming the file.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './issues.ts';
import { UserError } from '../errors.ts';

/** aliases a document may expand: enough for any real config, not for a billion laughs */
const MAX_ALIAS_COUNT = 100;

/** `shownAs` names the file in messages (default: `path` as given). */
export function readYamlConfig(
  path: string,
  shownAs = path,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Record<string, unknown> {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw new UserError(
      `${shownAs}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? e})`,
      'config',
    );
  }
  return parseYamlConfig(shownAs, text);
}

/** The same, from the file's text. */
export function parseYamlConfig(shownAs: string, text: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      shownAs,
      doc.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}`,
        // pretty errors append a code excerpt after the first line; the line number says where
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  let raw: unknown;
  try {
    // Unresolved aliases and alias bombs are only found while building the value.
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    throw new ConfigError(shownAs, [{ path: '(root)', message: (e as Error).message }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(shownAs, [
      { path: '(root)', message: 'expected a mapping of keys to values' },
    ]);
  }
  return raw as Record<string, unknown>;
}
