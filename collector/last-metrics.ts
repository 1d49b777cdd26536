import type { MetricsMessage } from '../shared/schema/index.ts';
import { SCALAR_MEASURES } from '../shared/measures/types.ts';
import type { FleetDevice } from './summary.ts';

/**
 * A device's latest metrics, held as the payload text it arrived as (valid JSON of the
 * message) and parsed again only when read (/metrics). A durable device-row write, one per
 * rule-state change, stores the text as it is instead of serializing the message again.
 */
export class LastMetrics {
  private parsed: MetricsMessage | null = null;
  constructor(readonly text: string) {}
  get message(): MetricsMessage {
    return (this.parsed ??= JSON.parse(this.text) as MetricsMessage);
  }
}

/** What the dashboard shows of a device's latest metrics beside its rule state. */
export interface LatestFacts {
  /** null: no metrics yet (a status alone) */
  phase: MetricsMessage['phase'] | null;
  /** warm-up progress while phase is 'warmup' and the agent says it; null otherwise */
  warmup: { windows: number; of: number } | null;
  /**
   * Why a series of the latest metrics has no value, by the dashboard's series key (a scalar
   * measure, or drift): the measure's note (+∞ and why), the degeneracy that left every
   * measure out, or the drift note. Only for series that are null.
   */
  notes: Record<string, string>;
}

/** The dashboard's device (/api/fleet, device events): the rule state's view and these facts. */
export type DashboardDevice = FleetDevice & LatestFacts;

export function latestFacts(last: LastMetrics | null): LatestFacts {
  if (!last) return { phase: null, warmup: null, notes: {} };
  const m = last.message;
  const notes: Record<string, string> = {};
  for (const k of SCALAR_MEASURES) {
    const why = m.measures ? m.measures.notes[k] : m.degenerate?.message;
    if (why !== undefined) notes[k] = why;
  }
  if (m.drift === null && m.drift_note !== undefined) notes.drift = m.drift_note;
  return {
    phase: m.phase,
    warmup: m.phase === 'warmup' ? (m.warmup ?? null) : null,
    notes,
  };
}
