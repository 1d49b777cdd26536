// The demo fleet: which devices run, on which runtime, and which fault each one gets when.
// Pure: the orchestrator turns a plan into processes, the end-to-end tests turn it into
// expectations ("this device must raise that alert within so long of the fault's start").

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

/** The cast: each incident with the rule it must raise. Devices beyond it are healthy. */
const CAST: Omit<DemoDevice, 'device' | 'seed' | 'runtime'>[] = [
  { profile: 'sim', incident: null, expectRule: null, role: 'healthy' },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'collapse', start_s: 0, duration_s: 0 },
    expectRule: 'over-coupling',
    role: 'collapse → over-coupling',
  },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'decouple', start_s: 0, duration_s: 0 },
    expectRule: 'over-compression',
    role: 'decoupling → over-compression',
  },
  {
    profile: 'sim',
    incident: { kind: 'fault', fault: 'drift', start_s: 0, duration_s: 0 },
    expectRule: 'drift',
    role: 'slow drift → drift',
  },
  {
    profile: 'sim',
    incident: { kind: 'freeze', start_s: 0, duration_s: 0 },
    expectRule: 'silent',
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
