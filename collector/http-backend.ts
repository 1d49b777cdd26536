// What the HTTP API and the dashboard read and change, and nothing more: a narrow face of the
// core and its store, built here, so the HTTP layer reaches into neither.
import type { AlertMessage } from '../shared/schema/index.ts';
import type { CoreEvents, CollectorCore } from './core.ts';
import type { HistoryPoint } from './history.ts';
import type { DashboardDevice } from './last-metrics.ts';
import type { Silence } from './rules/types.ts';
import { createSilence } from './silences.ts';

export interface HttpBackend {
  fleetView(): DashboardDevice[];
  hasDevice(fleet: string, device: string): boolean;
  history(fleet: string, device: string, limit: number): HistoryPoint[];
  recentAlerts(limit: number): AlertMessage[];
  /** what a silence's rule matcher may name: the configured rules, built-ins included */
  rules(): { name: string; kind: string }[];
  /** the silences the rules apply; `fresh`: read again first (another process may write them) */
  silences(fresh?: boolean): Silence[];
  /** checks and stores a silence (UserError naming what is wrong) */
  addSilence(input: unknown, now: number): Silence;
  expireSilence(id: string, now: number): boolean;
  on<K extends 'device' | 'alert'>(event: K, fn: CoreEvents[K]): () => void;
}

export function httpBackend(core: CollectorCore): HttpBackend {
  const ruleNames = () => core.config.rules.map((r) => r.name);
  return {
    fleetView: () => core.dashboardView(),
    hasDevice: (fleet, device) => core.device(fleet, device) !== undefined,
    history: (fleet, device, limit) => core.store.history(fleet, device, limit),
    recentAlerts: (limit) => core.store.recentAlerts(limit),
    rules: () => core.config.rules.map((r) => ({ name: r.name, kind: r.kind })),
    silences: (fresh = false) => {
      if (fresh) core.reloadSilences();
      return core.silences();
    },
    addSilence: (input, now) => {
      const silence = createSilence(core.store, input, now, ruleNames());
      core.reloadSilences();
      return silence;
    },
    expireSilence: (id, now) => {
      const ok = core.store.expireSilence(id, now);
      core.reloadSilences();
      return ok;
    },
    on: (event, fn) => core.on(event, fn),
  };
}
