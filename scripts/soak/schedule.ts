// The soak's fault plan: per device, a seeded random sequence of labelled sim faults after
// the warm-up, with healthy gaps long enough for the previous fault's alerts to resolve.
// Pure, so the test and the script derive the same expectations from the same seed.
import { ALERT_WINDOW, FAULT_RULE, type ExpectedAlert } from '../../demo/plan.ts';
import { createRng } from '../../shared/random.ts';
import { SIM_FAULT_KINDS, type SimFaultKind, type SimFaultSpec } from '../../shared/sim/index.ts';

export interface SoakDevice {
  device: string;
  seed: number;
  faults: SimFaultSpec[];
}

export interface ScheduleOptions {
  agents: number;
  seed: number;
  /** data seconds each device runs at most; faults are planned inside it */
  dataSeconds: number;
  /** fault kinds to draw from */
  kinds: readonly SimFaultKind[];
}

/** Every fifth device stays healthy: the false-alert baseline. */
const HEALTHY_EVERY = 5;
/** Not before the warm-up (64 s of sim-vibration data) and its limits are done. */
export const FIRST_FAULT_S = 90;
const DURATION_S = [30, 60] as const;
/** Long enough for an alert to clear (3 clean readings of 3.2 s after the sketch recovers). */
const GAP_S = [60, 120] as const;

export const DEFAULT_KINDS: readonly SimFaultKind[] = SIM_FAULT_KINDS;

export function planSoak(o: ScheduleOptions): SoakDevice[] {
  if (!Number.isInteger(o.agents) || o.agents < 1) {
    throw new RangeError(`agents must be a positive integer, got ${o.agents}`);
  }
  if (o.kinds.length === 0) throw new RangeError('at least one fault kind is needed');
  const rng = createRng(o.seed);
  const between = ([lo, hi]: readonly [number, number]) => Math.round(lo + rng.next() * (hi - lo));
  const devices: SoakDevice[] = [];
  for (let i = 0; i < o.agents; i++) {
    const faults: SimFaultSpec[] = [];
    // The first device is faulted, so even a one-agent run exercises the matching.
    const healthy = i % HEALTHY_EVERY === HEALTHY_EVERY - 1;
    let t = FIRST_FAULT_S + rng.int(20);
    while (!healthy) {
      const duration = between(DURATION_S);
      if (t + duration + ALERT_WINDOW.maxDelayS > o.dataSeconds) break;
      faults.push({ kind: o.kinds[rng.int(o.kinds.length)]!, start_s: t, duration_s: duration });
      t += duration + between(GAP_S);
    }
    devices.push({
      device: `soak-${String(i + 1).padStart(3, '0')}`,
      seed: o.seed * 1000 + i,
      faults,
    });
  }
  return devices;
}

/**
 * Expectations of the faults whose data the device actually produced up to the alert delay
 * (`lastDataMs`): a fault cut off by the end of the run is not judged, but still explains the
 * alerts it raises.
 */
export function expectationsFor(
  d: SoakDevice,
  startMs: number,
  lastDataMs: number,
): { expected: ExpectedAlert[]; notJudged: { start: number; end: number }[] } {
  const expected: ExpectedAlert[] = [];
  const notJudged: { start: number; end: number }[] = [];
  for (const f of d.faults) {
    const start = startMs + f.start_s * 1000;
    const end = start + f.duration_s * 1000;
    if (lastDataMs < start + ALERT_WINDOW.maxDelayS * 1000) {
      if (lastDataMs >= start) notJudged.push({ start, end });
      continue;
    }
    const what = `${f.kind} ${f.start_s}–${f.start_s + f.duration_s} s`;
    expected.push({ device: d.device, rule: FAULT_RULE[f.kind], start, end, what });
  }
  return { expected, notJudged };
}
