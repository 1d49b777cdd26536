// Decoder of the JSON sample shape shared by the `mqtt` and `stdin` sources:
//   { "t"?: epoch ms, "values": { "<channel>": number | null } | (number | null)[] }
// Untrusted input: the decoder is total (every input gives a typed result, nothing throws),
// so a bad message costs a counter, never the agent.
import { parseJsonObject } from '../../../shared/schema/decode.ts';
import type { Sample } from '../types.ts';

export type SampleDecodeErrorKind =
  | 'too-large'
  | 'not-json'
  | 'not-object'
  | 'bad-time'
  | 'no-values'
  | 'bad-value'
  | 'too-many-values';

export interface SampleDecodeError {
  kind: SampleDecodeErrorKind;
  /** one line: what is wrong, e.g. `values.rpm: must be a finite number or null` */
  message: string;
}

export type SampleDecoded =
  | { ok: true; sample: Sample; /** channels absent or null, now NaN */ missing: number }
  | { ok: false; error: SampleDecodeError };

export interface SampleDecodeOptions {
  channels: readonly string[];
  /** data time for payloads without `t` */
  now: number;
  maxBytes?: number;
}

export const DEFAULT_MAX_SAMPLE_BYTES = 64 * 1024;

export function decodeJsonSample(
  payload: string | Uint8Array,
  options: SampleDecodeOptions,
): SampleDecoded {
  try {
    return decode(payload, options);
  } catch (e) {
    // Nothing above is expected to throw; this keeps the contract if something does.
    return fail('not-json', `cannot decode: ${String((e as Error)?.message ?? e)}`);
  }
}

function decode(payload: string | Uint8Array, options: SampleDecodeOptions): SampleDecoded {
  const parsed = parseJsonObject(payload, options.maxBytes ?? DEFAULT_MAX_SAMPLE_BYTES);
  if (!parsed.ok) {
    const objectWanted = 'payload must be a JSON object with "values"';
    return fail(parsed.kind, parsed.kind === 'not-object' ? objectWanted : parsed.message);
  }
  const body = parsed.data;
  let t = options.now;
  if (Object.hasOwn(body, 't')) {
    // JSON.parse turns 1e999 into Infinity: finite is checked, not just the type.
    if (typeof body.t !== 'number' || !Number.isFinite(body.t)) {
      return fail('bad-time', `t: must be a finite number (epoch ms), got ${describe(body.t)}`);
    }
    t = body.t;
  }
  const raw = Object.hasOwn(body, 'values') ? body.values : undefined;
  const { channels } = options;
  const values = new Float64Array(channels.length).fill(Number.NaN);
  let missing = 0;
  const take = (v: unknown, path: string, k: number): SampleDecodeError | undefined => {
    if (v === null || v === undefined) {
      missing++;
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return {
        kind: 'bad-value',
        message: `${path}: must be a finite number or null, got ${describe(v)}`,
      };
    }
    values[k] = v;
    return undefined;
  };
  if (Array.isArray(raw)) {
    if (raw.length > channels.length) {
      return fail(
        'too-many-values',
        `values: ${raw.length} values for ${channels.length} channels`,
      );
    }
    for (let k = 0; k < channels.length; k++) {
      const error = take(raw[k], `values[${k}]`, k);
      if (error) return { ok: false, error };
    }
  } else if (typeof raw === 'object' && raw !== null) {
    const byName = raw as Record<string, unknown>;
    for (let k = 0; k < channels.length; k++) {
      const name = channels[k]!;
      const error = take(
        Object.hasOwn(byName, name) ? byName[name] : undefined,
        `values.${name}`,
        k,
      );
      if (error) return { ok: false, error };
    }
  } else {
    return fail(
      'no-values',
      `values: must be an object of channel values or an array, got ${describe(raw)}`,
    );
  }
  return { ok: true, sample: { t, values }, missing };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v.slice(0, 20))})`;
  return `a ${typeof v}`;
}

function fail(kind: SampleDecodeErrorKind, message: string): SampleDecoded {
  return { ok: false, error: { kind, message } };
}
