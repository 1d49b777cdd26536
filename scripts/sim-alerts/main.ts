// `npx tsx scripts/sim-alerts/main.ts [--seeds 1000-1049] [--minutes 30] [--config FILE]`:
// the false alerts a device class raises on healthy data, and whether each sim fault kind
// still raises its rule. Every device is the real agent in-process (the sim source at full
// speed, stdout sink into memory); every message goes through the collector's default rules
// in data time, as bench/skab does. Much faster than the soak (no broker, no processes), so
// a class's limits can be checked over many device-hours: see scripts/soak/README.md.
import { parseArgs } from 'node:util';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { parseConfig } from '../../collector/config.ts';
import { evaluate, initialDeviceState } from '../../collector/rules/evaluate.ts';
import { FAULT_RULE } from '../../demo/plan.ts';
import { UserError } from '../../shared/errors.ts';
import type { MetricsMessage } from '../../shared/schema/index.ts';
import { agentMetrics } from '../agent-metrics.ts';
import type { SimFaultKind } from '../../shared/sim/index.ts';

const RULES = parseConfig({}).rules;
const FORECAST = { points: 16, min_points: 5 };

async function runDevice(
  config: string,
  seed: number,
  minutes: number,
  faults: unknown[],
): Promise<MetricsMessage[]> {
  const loaded = loadAgentConfig(config, { publish: 'stdout', device: `sim-${seed}` });
  if (loaded.config.source.kind !== 'sim') throw new UserError(`${config}: not a sim device class`);
  Object.assign(loaded.config.source, { seed, speed: 'max', duration_s: minutes * 60, faults });
  return agentMetrics(loaded, 'error');
}

/** Firing notifications (not resends) of the default rules over one device's messages. */
function firings(messages: readonly MetricsMessage[]): { rule: string; since: number }[] {
  let state = initialDeviceState('sim', 'd');
  const out: { rule: string; since: number }[] = [];
  for (const m of messages) {
    const obs = {
      kind: 'metrics' as const,
      metrics: m,
      rules: RULES,
      silences: [],
      forecast: FORECAST,
    };
    const r = evaluate(state, obs, m.window_end);
    state = r.state;
    for (const t of r.transitions) if (t.to === 'firing' && !t.resend) out.push(t);
  }
  return out;
}

function seedRange(text: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m || Number(m[2]) < Number(m[1]))
    throw new UserError(`--seeds: expected FROM-TO, got "${text}"`);
  return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1000-1049' },
      minutes: { type: 'string', default: '30' },
      config: { type: 'string', default: 'firmware-configs/sim-vibration.yaml' },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0))
    throw new UserError(`--minutes: expected a positive number, got "${values.minutes}"`);
  const seeds = seedRange(values.seeds!);
  const healthy: Record<string, number> = {};
  for (const [i, seed] of seeds.entries()) {
    for (const f of firings(await runDevice(values.config!, seed, minutes, []))) {
      healthy[f.rule] = (healthy[f.rule] ?? 0) + 1;
    }
    process.stderr.write(`\r[healthy ${i + 1}/${seeds.length}]`);
  }
  const total = Object.values(healthy).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `\nhealthy: ${seeds.length} devices × ${minutes} min of data: ${total} false alerts ${JSON.stringify(healthy)}\n`,
  );
  // each fault kind once per seed of the first six, 60 s from 100 s: its rule within 30 s?
  for (const kind of Object.keys(FAULT_RULE) as SimFaultKind[]) {
    let hit = 0;
    const some = seeds.slice(0, 6);
    for (const seed of some) {
      const ms = await runDevice(values.config!, seed, 3, [{ kind, start_s: 100, duration_s: 60 }]);
      const t0 = ms[0]!.window_start + 100_000;
      const ok = firings(ms).some(
        (f) => f.rule === FAULT_RULE[kind] && f.since >= t0 - 5000 && f.since <= t0 + 30_000,
      );
      if (ok) hit++;
    }
    process.stdout.write(`${kind} → ${FAULT_RULE[kind]}: ${hit}/${some.length}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`sim-alerts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UserError ? 2 : 1);
});
