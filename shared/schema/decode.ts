// Decoding of untrusted payloads: size check before parsing, JSON parse, schema and
// version check. Every rejection is a typed value naming the cause and the path.
import type { z } from 'zod';
import { configIssues } from '../config/issues.ts';

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

export type DecodeErrorKind =
  'too-large' | 'not-json' | 'wrong-schema' | 'wrong-version' | 'invalid';

export interface DecodeError {
  kind: DecodeErrorKind;
  /** one line: what is wrong and where, e.g. `measures.tc: must be a finite number` */
  message: string;
  issues: { path: string; message: string }[];
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export interface DecodeOptions {
  maxBytes?: number;
}

export type JsonObjectParsed =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; kind: 'too-large' | 'not-json' | 'not-object'; message: string };

/**
 * The first steps of decoding any untrusted JSON payload (metrics, status, sensor samples):
 * the size limit before anything is parsed, the parse, and an object at the top.
 */
export function parseJsonObject(payload: Uint8Array | string, maxBytes: number): JsonObjectParsed {
  // Infinity: the caller checked the bytes before decoding them to text (the collector), and
  // counting a string's UTF-8 bytes is one more scan of it
  if (maxBytes !== Infinity) {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    if (size > maxBytes) {
      return {
        ok: false,
        kind: 'too-large',
        message: `payload of ${size} bytes exceeds the limit of ${maxBytes} bytes`,
      };
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(
      typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'),
    );
  } catch (e) {
    return {
      ok: false,
      kind: 'not-json',
      message: `not valid JSON: ${oneLine((e as Error).message)}`,
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, kind: 'not-object', message: 'payload must be a JSON object' };
  }
  return { ok: true, data: data as Record<string, unknown> };
}

/**
 * Decodes `payload` against `schema`, whose top-level `schema` and `version` literals
 * are checked first so a message of another kind or version gets a precise reason.
 */
export function decodePayload<S extends z.ZodType>(
  schema: S,
  expected: { name: string; version: number },
  payload: Uint8Array | string,
  options: DecodeOptions = {},
  /**
   * An exact, faster acceptance test for `schema` (true iff the schema accepts the value
   * unchanged); what it rejects still goes through zod, for the error's text.
   */
  fast?: (data: unknown) => boolean,
): Decoded<z.infer<S>> {
  const parsed = parseJsonObject(payload, options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
  if (!parsed.ok) {
    if (parsed.kind === 'not-object') return fail('invalid', parsed.message);
    return fail(
      parsed.kind,
      parsed.kind === 'not-json' ? `payload is ${parsed.message}` : parsed.message,
    );
  }
  const data = parsed.data;
  const head = data as { schema?: unknown; version?: unknown };
  if (head.schema !== expected.name) {
    return fail('wrong-schema', `schema is ${describe(head.schema)}, expected "${expected.name}"`);
  }
  if (head.version !== expected.version) {
    return fail(
      'wrong-version',
      `${expected.name} version ${describe(head.version)} is not supported (expected ${expected.version})`,
    );
  }
  if (fast?.(data)) return { ok: true, value: data as z.infer<S> };
  const checked = schema.safeParse(data);
  if (!checked.success) {
    const issues = configIssues(checked.error);
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return {
      ok: false,
      error: { kind: 'invalid', message: `${first?.path}: ${first?.message}${more}`, issues },
    };
  }
  return { ok: true, value: checked.data };
}

/**
 * A short, one-line description of an untrusted value for an error message. Never serializes
 * structures (a deeply nested value would overflow the stack), never lets control characters
 * or newlines into the log.
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(oneLine(value, 40));
  return oneLine(String(value), 40);
}

/** Control characters escaped, length capped: safe to log on one line. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function fail(kind: DecodeErrorKind, message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { kind, message, issues: [] } };
}
