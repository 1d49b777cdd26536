// The gate every MQTT message passes before it may touch state: topic, per-device rate
// limit, size (before parsing), JSON, schema, version, topic/payload identity. A rejection
// names its cause; nothing here throws on bad input.
import {
  decodeMetrics,
  decodeStatus,
  parseDeviceTopic,
  type MetricsMessage,
  type StatusMessage,
} from '../shared/schema/index.ts';
import { TokenBucket } from '../shared/token-bucket.ts';
import type { RejectCause } from './metrics.ts';

export type Verdict =
  | {
      ok: true;
      kind: 'metrics';
      fleet: string;
      device: string;
      metrics: MetricsMessage;
      /** the payload as received (valid JSON of `metrics`): kept as the device's last metrics */
      text: string;
    }
  | { ok: true; kind: 'status'; fleet: string; device: string; status: StatusMessage }
  | { ok: false; fleet: string | null; device: string | null; cause: RejectCause; message: string };

export interface GateOptions {
  maxPayloadBytes: number;
  ratePerS: number;
  burst: number;
}

const NON_FINITE_TEXT = /[:[,]\s*-?(NaN|Infinity)\b/;

export class IngestGate {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(private readonly o: GateOptions) {}

  check(topic: string, payload: Uint8Array, now: number): Verdict {
    const t = parseDeviceTopic(topic);
    if (!t || t.kind === 'alerts' || t.kind === 'command') {
      return {
        ok: false,
        fleet: null,
        device: null,
        cause: 'bad-topic',
        message: `unexpected topic ${topic}`,
      };
    }
    const { fleet, device } = t;
    const key = `${fleet}/${device}`;
    let bucket = this.buckets.get(key);
    if (!bucket)
      this.buckets.set(key, (bucket = new TokenBucket(this.o.ratePerS, this.o.burst, now)));
    if (bucket.take(now) > 0)
      return rejection(
        fleet,
        device,
        'rate-limited',
        `more than ${this.o.ratePerS}/s (burst ${this.o.burst})`,
      );

    // Size first, then one zero-copy UTF-8 decode (Buffer.from(payload) would copy it).
    if (payload.byteLength > this.o.maxPayloadBytes) {
      return rejection(
        fleet,
        device,
        'too-large',
        `payload of ${payload.byteLength} bytes exceeds the limit of ${this.o.maxPayloadBytes} bytes`,
      );
    }
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString();
    // the byte size is checked above; the decoder's own check of the text cannot fail
    const o = { maxBytes: Infinity };
    const decoded = t.kind === 'metrics' ? decodeMetrics(text, o) : decodeStatus(text, o);
    if (!decoded.ok) {
      const e = decoded.error;
      if (e.kind === 'not-json' && NON_FINITE_TEXT.test(text)) {
        return rejection(
          fleet,
          device,
          'non-finite',
          'payload carries NaN or Infinity, which JSON cannot',
        );
      }
      if (e.kind === 'invalid' && hasNonFinite(text)) {
        return rejection(
          fleet,
          device,
          'non-finite',
          `a number overflows to ±Infinity (${e.message})`,
        );
      }
      return rejection(fleet, device, e.kind, e.message);
    }
    const v = decoded.value;
    if (v.fleet !== fleet || v.device !== device) {
      return rejection(
        fleet,
        device,
        'topic-mismatch',
        `payload says ${v.fleet}/${v.device} on the topic of ${fleet}/${device}`,
      );
    }
    return t.kind === 'metrics'
      ? { ok: true, kind: 'metrics', fleet, device, metrics: v as MetricsMessage, text }
      : { ok: true, kind: 'status', fleet, device, status: v as StatusMessage };
  }
}

/** A module function, not a closure per message: run through tsx, each closure is also wrapped. */
function rejection(fleet: string, device: string, cause: RejectCause, message: string): Verdict {
  return { ok: false, fleet, device, cause, message };
}

/** A literal like 1e999 parses to Infinity, which the schemas refuse; only on the error path. */
function hasNonFinite(text: string): boolean {
  let found = false;
  JSON.parse(text, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) found = true;
    return v;
  });
  return found;
}

/** Caps /metrics label cardinality: devices beyond `max` share the label '_other'. */
export class LabelCap {
  private readonly known = new Set<string>();
  constructor(private readonly max: number) {}
  device(fleet: string | null, device: string | null): { fleet: string; device: string } {
    if (fleet === null || device === null) return { fleet: '_unknown', device: '_unknown' };
    const key = `${fleet}/${device}`;
    if (this.known.has(key)) return { fleet, device };
    if (this.known.size >= this.max) return { fleet, device: '_other' };
    this.known.add(key);
    return { fleet, device };
  }
}
