// Helpers for the property-based fuzz tests: paths into a JSON value, and mutations of a
// valid message at any depth (replace, delete, add a key, change a leaf's type).
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = (string | number)[];

/** Every path in `v` (objects and arrays too, not only leaves), the root excluded. */
export function allPaths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...prefix, i]);
      out.push(...allPaths(x, [...prefix, i]));
    });
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k]);
      out.push(...allPaths(x, [...prefix, k]));
    }
  }
  return out;
}

/** Paths to leaves (numbers, strings, booleans; null counts as a leaf). */
export function leafPaths(v: unknown, prefix: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return prefix.length ? [prefix] : [];
  const entries: [string | number, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : Object.entries(v);
  return entries.flatMap(([k, x]) => leafPaths(x, [...prefix, k]));
}

export function getAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const k of path) cur = (cur as Record<string | number, unknown>)[k];
  return cur;
}

/** A deep copy of `v` with the value at `path` replaced (or deleted when `value` is DELETE). */
export const DELETE = Symbol('delete');
export function setAt<T>(v: T, path: Path, value: unknown): T {
  const copy = structuredClone(v);
  let cur = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

export const pathFormat = (p: Path): string => (p.length ? p.map(String).join('.') : '(root)');

/** A JSON value of a different JSON type than `v` (never null, which some fields accept). */
export function otherTypeValue(v: unknown): fc.Arbitrary<Json> {
  const options: fc.Arbitrary<Json>[] = [];
  if (typeof v !== 'string') options.push(fc.string({ maxLength: 8 }));
  if (typeof v !== 'number') options.push(fc.double({ noNaN: true, noDefaultInfinity: true }));
  if (typeof v !== 'boolean') options.push(fc.boolean());
  if (!Array.isArray(v)) options.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    options.push(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }));
  return fc.oneof(...options);
}

/** A JSON text nested `depth` levels deep: `[[[…]]]` or `{"a":{"a":…}}`. */
export function nested(depth: number, kind: 'array' | 'object', inner = '0'): string {
  return kind === 'array'
    ? '['.repeat(depth) + inner + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** Mutations of a valid JSON object reaching every depth. */
export function mutated(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths = allPaths(base);
  const objectPaths: Path[] = [[], ...paths.filter((p) => isPlainObject(getAt(base, p)))];
  const value = fc.jsonValue({ maxDepth: 3 });
  const one = fc.oneof(
    // replace anything with any JSON
    fc.record({ p: fc.constantFrom(...paths), v: value }).map(
      ({ p, v }) =>
        (b: unknown) =>
          setAt(b, p, v),
    ),
    // delete a key or an array element
    fc.constantFrom(...paths).map((p) => (b: unknown) => {
      try {
        return setAt(b, p, DELETE);
      } catch {
        return b;
      }
    }),
    // add a key to any object
    fc
      .record({ p: fc.constantFrom(...objectPaths), k: fc.string({ maxLength: 6 }), v: value })
      .map(({ p, k, v }) => (b: unknown) => {
        const target = p.length ? getAt(b, p) : b;
        return isPlainObject(target) ? setAt(b, [...p, k], v) : b;
      }),
    // a number leaf nudged to an edge value
    fc
      .record({
        p: fc.constantFrom(...leafPaths(base)),
        v: fc.constantFrom(-1, 0, 0.5, -0.0, 1e308, -1e308, 2 ** 53, 1e-320, 65, 4096),
      })
      .map(
        ({ p, v }) =>
          (b: unknown) =>
            typeof getAt(b, p) === 'number' ? setAt(b, p, v) : b,
      ),
  );
  return fc.array(one, { minLength: 1, maxLength: 4 }).map((fs) => {
    let cur: unknown = structuredClone(base);
    for (const f of fs) {
      try {
        cur = f(cur);
      } catch {
        // a path that an earlier mutation removed: skip this one
      }
    }
    return cur;
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
