// Command-line settings over a config file's data, one way for every command: each flag names
// the key path it sets, and the merged data is validated as one, so a bad flag value gets the
// same message, with the same key, as a bad value in the file.

type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Sets `raw[path[0]]…[path[n-1]] = value`, creating the mappings on the way; a non-mapping
 * in the way (a scalar the file had there) is replaced, since the flag wins.
 */
export function setIn(raw: Mapping, path: readonly string[], value: unknown): void {
  let node = raw;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = isMapping(next) ? next : (node[key] = {});
  }
  node[path.at(-1)!] = value;
}

/** The mapping at `path` (created if absent), for a flag that sets several keys under it. */
export function mappingAt(raw: Mapping, path: readonly string[]): Mapping {
  let node = raw;
  for (const key of path) {
    const next = node[key];
    node = isMapping(next) ? next : (node[key] = {});
  }
  return node;
}
