// The demo fleet: which devices run, on which runtime, and which fault each one gets when.
// Pure: the orchestrator turns a plan into processes, the end-to-end tests turn it into
// expectations ("this device must raise that alert within so long of the fault's start").
import type { SimFaultKind } from '../shared/sim/faults.ts';

export type DemoFaultKind = 'collapse' | 'decouple' | 'noise' | 'drift' | 'stuck' | 'spike';

/** What goes wrong on a device, in data seconds after its stream starts. */
export type DemoIncident =
  | { kind: 'fault'; fault: DemoFaultKind; start_s: number; duration_s: number; magnitude?: number }
  /** the agent process is frozen (SIGSTOP), then resumed (SIGCONT) */
  | { kind: 'freeze'; start_s: number; duration_s: number };

export interface DemoDevice {
  device: string;
  runtime: 'node' | 'wasm';
  /** 'sim' devices use firmware-configs/sim-vibration.yaml, 'skab' the SKAB replay */
  profile: 'sim' | 'skab';
  seed: number;
  incident: DemoIncident | null;
  /** the alert rule this device's incident must raise; null for a healthy device */
  expectRule: string | null;
  /** a short human description for the live view */
  role: string;
}

export interface DemoPlanOptions {
  devices: number;
  seed: number;
  /** seconds after the agents start before the first fault (leaves room for the warm-up) */
  faultStartS: number;
  faultDurationS: number;
  skab: boolean;
}

export const DEMO_DEFAULTS: DemoPlanOptions = {
  devices: 6,
  seed: 7,
  faultStartS: 90,
  faultDurationS: 60,
  skab: false,
};

/**
 * The rule each injected sim fault must raise (all channels, default magnitude): what the
 * demo's cast, the end-to-end test and the soak script (scripts/soak) all expect. Measured
 * for the ones the demo does not cast, on sim-vibration at ×4 data speed, seed 1, 6 + 8
 * devices: stuck → drift 9/9 (≤ 4.5 s; over-coupling too in 2), dropout (imputed with the
 * last value) → drift 11/11 (≤ 10.5 s), noise → recon-error 8/8 and spike → recon-error
 * 14/14 (≤ 4 s; level-shift too).
 */
export const FAULT_RULE: Record<SimFaultKind, string> = {
  collapse: 'over-coupling',
  decouple: 'over-compression',
  drift: 'drift',
  stuck: 'drift',
  dropout: 'drift',
  noise: 'recon-error',
  spike: 'recon-error',
};
/** a frozen agent stops publishing */
export const FREEZE_RULE = 'silent';

/** The cast: each incident with the rule it must raise. Devices beyond it are healthy. */
const CAST: Omit<DemoDevice, 'device' | 'seed' | 'runtime'>[] = [
  { profile: 'sim', incident: null, expectRule: null, role: 'healthy' },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'collapse', start_s: 0, duration_s: 0 },
    expectRule: FAULT_RULE.collapse,
    role: 'collapse → over-coupling',
  },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'decouple', start_s: 0, duration_s: 0 },
    expectRule: FAULT_RULE.decouple,
    role: 'decoupling → over-compression',
  },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'drift', start_s: 0, duration_s: 0 },
    expectRule: FAULT_RULE.drift,
    role: 'slow drift → drift',
  },
  {
    profile: 'sim',
    incident: { kind: 'freeze', start_s: 0, duration_s: 0 },
    expectRule: FREEZE_RULE,
    role: 'agent frozen → silent',
  },
  { profile: 'sim', incident: null, expectRule: null, role: 'healthy' },
];

export function planDemoFleet(options: Partial<DemoPlanOptions> = {}): DemoDevice[] {
  const o = { ...DEMO_DEFAULTS, ...options };
  if (!Number.isInteger(o.devices) || o.devices < 1) {
    throw new RangeError(`devices must be a positive integer, got ${o.devices}`);
  }
  const fleet: DemoDevice[] = [];
  for (let i = 0; i < o.devices; i++) {
    const cast = CAST[i % CAST.length]!;
    // Repeat incidents only in the first cycle; extra devices are healthy.
    const base = i < CAST.length ? cast : CAST[0]!;
    const incident = base.incident
      ? { ...base.incident, start_s: o.faultStartS + 10 * (i % 3), duration_s: o.faultDurationS }
      : null;
    fleet.push({
      ...base,
      incident,
      device: `sim-${String(i + 1).padStart(2, '0')}`,
      // The last device runs on WebAssembly, so every demo exercises both runtimes.
      runtime: i === o.devices - 1 && o.devices > 1 ? 'wasm' : 'node',
      seed: o.seed * 1000 + i,
    });
  }
  if (o.skab) {
    fleet.push({
      device: 'skab-pump',
      runtime: 'node',
      profile: 'skab',
      seed: o.seed,
      incident: null,
      expectRule: null,
      role: 'SKAB valve1 replay',
    });
  }
  return fleet;
}

/**
 * When an incident's alert must begin (its episode's `since`, data time), relative to the
 * incident's start: not more than `earlyS` before (a snapshot spans several seconds of
 * data) and at most `maxDelayS` after.
 */
export const ALERT_WINDOW = { earlyS: 5, maxDelayS: 30 } as const;

export interface ExpectedAlert {
  device: string;
  rule: string;
  /** data time (epoch ms) of the incident's start and end; null = not timed in data time */
  start: number | null;
  end: number | null;
  what: string;
}

/** A firing notification (not a re-send) as the collector published it. */
export interface RaisedAlert {
  device: string;
  rule: string;
  since: number;
  /** data time the episode resolved; absent = still firing (or not known) */
  until?: number;
}

export interface AlertMatch {
  matched: { expected: ExpectedAlert; raised: RaisedAlert; delayS: number | null }[];
  missed: ExpectedAlert[];
  /** not raised anew because an earlier episode of the rule was still firing when it began */
  covered: { expected: ExpectedAlert; raised: RaisedAlert }[];
  /** alerts no incident explains: before, between or long after every incident of the device */
  unexplained: RaisedAlert[];
  /** other alerts during an incident, which the end-to-end test tolerates (e.g. drift with collapse) */
  collateral: RaisedAlert[];
}

/**
 * Pairs each expected alert with the earliest unused firing of its rule on its device within
 * ALERT_WINDOW of the incident's start (an untimed one: any firing of its rule); without one it
 * is covered when an earlier episode of its rule was firing at the start, else missed. A firing left
 * over is collateral while an incident of its device is under way (from `earlyS` before its
 * start to `maxDelayS` after its end; an untimed incident covers the whole run), else unexplained.
 */
export function matchAlerts(expected: ExpectedAlert[], raised: RaisedAlert[]): AlertMatch {
  const early = ALERT_WINDOW.earlyS * 1000;
  const late = ALERT_WINDOW.maxDelayS * 1000;
  const byTime = [...raised].sort((a, b) => a.since - b.since);
  const used = new Set<RaisedAlert>();
  const out: AlertMatch = { matched: [], missed: [], covered: [], unexplained: [], collateral: [] };
  for (const e of expected) {
    const hit = byTime.find(
      (r) =>
        !used.has(r) &&
        r.device === e.device &&
        r.rule === e.rule &&
        (e.start === null || (r.since >= e.start - early && r.since <= e.start + late)),
    );
    if (!hit) {
      const firing = byTime.find(
        (r) =>
          r.device === e.device &&
          r.rule === e.rule &&
          e.start !== null &&
          r.since < e.start &&
          (r.until === undefined || r.until >= e.start),
      );
      if (firing) out.covered.push({ expected: e, raised: firing });
      else out.missed.push(e);
      continue;
    }
    used.add(hit);
    const delayS = e.start === null ? null : (hit.since - e.start) / 1000;
    out.matched.push({ expected: e, raised: hit, delayS });
  }
  for (const r of byTime) {
    if (used.has(r)) continue;
    const during = expected.some(
      (e) =>
        e.device === r.device &&
        (e.start === null || (r.since >= e.start - early && r.since <= (e.end ?? e.start) + late)),
    );
    (during ? out.collateral : out.unexplained).push(r);
  }
  return out;
}
