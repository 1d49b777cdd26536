// Which sensor: for each sim fault kind, the fraction of its alerts whose first-named channel
// is one the fault was injected into (issue 18, simulator goal ≥ 90 %).
//
// Each case is one real agent (firmware-configs/sim-vibration.yaml unchanged but for the
// source: seed, a fault on named channels, data at full speed, stdout sink) whose metrics go
// through the collector's own evaluator with the built-in rules and its own alert builder
// (collector/alert.ts), exactly as the collector would publish them. Counted: every firing
// (non-resend) alert whose episode began inside the fault (−5 s … +30 s after its end, as the
// soak matches them). Run: npx tsx scripts/sim-channels.ts [--seeds 6] [--kinds a,b] [--json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { loadAgentConfig } from '../agent/config/load.ts';
import { toAlert } from '../collector/alert.ts';
import { DEFAULT_RULES } from '../collector/config.ts';
import { evaluate, initialDeviceState } from '../collector/rules/evaluate.ts';
import type { DeviceState } from '../collector/rules/types.ts';
import type { AlertMessage, MetricsMessage } from '../shared/schema/index.ts';
import { agentMetrics } from './agent-metrics.ts';
import type { SimFaultKind } from '../shared/sim/index.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(REPO, 'firmware-configs', 'sim-vibration.yaml');
const CHANNELS = ['ch0', 'ch1', 'ch2', 'ch3', 'ch4', 'ch5'] as const;
const START_MS = 1_700_000_000_000;
/** after the 64-s warm-up and its limits, as the soak schedules faults */
const FAULT_START_S = 90;
const FAULT_DURATION_S = 45;
/** an alert belongs to the fault when its episode began in [start − 5 s, end + 30 s) */
const BEFORE_MS = 5_000;
const AFTER_MS = 30_000;

/** the channels a case injects into: one, except collapse, which needs several to collapse */
export function faultChannels(kind: SimFaultKind, seed: number): string[] {
  const first = seed % CHANNELS.length;
  if (kind !== 'collapse') return [CHANNELS[first]!];
  return [0, 1, 2].map((i) => CHANNELS[(first + i) % CHANNELS.length]!);
}

export interface CaseResult {
  kind: SimFaultKind;
  seed: number;
  injected: string[];
  /** the firing alerts of the fault's episode: rule and the channels it named */
  alerts: { rule: string; channels: string[] }[];
}

/** Runs one agent on the sim with one fault and returns the alerts the collector would send. */
export async function runCase(kind: SimFaultKind, seed: number): Promise<CaseResult> {
  const injected = faultChannels(kind, seed);
  const dir = mkdtempSync(join(tmpdir(), 'redband-sim-channels-'));
  try {
    const config = parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
    const model = config.model as Record<string, unknown>;
    model.path = resolve(dirname(CONFIG), String(model.path));
    const start = FAULT_START_S;
    config.source = {
      ...(config.source as object),
      seed,
      speed: 'max',
      start_ms: START_MS,
      duration_s: start + FAULT_DURATION_S + AFTER_MS / 1000,
      faults: [{ kind, channels: injected, start_s: start, duration_s: FAULT_DURATION_S }],
    };
    config.publish = { ...(config.publish as object), sink: 'stdout' };
    config.device = `sim-${kind}-${seed}`;
    config.outbox = { ...(config.outbox as object), dir: join(dir, 'outbox') };
    config.log = { level: 'silent' };
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, stringify(config));
    const messages = await runAgent(file);
    const from = START_MS + start * 1000 - BEFORE_MS;
    const to = START_MS + (start + FAULT_DURATION_S) * 1000 + AFTER_MS;
    const alerts = collectorAlerts(messages)
      .filter((a) => a.state === 'firing' && !a.resend && a.since >= from && a.since < to)
      .map((a) => ({ rule: a.rule, channels: a.channels.map((c) => c.channel) }));
    return { kind, seed, injected, alerts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runAgent = (file: string): Promise<MetricsMessage[]> => agentMetrics(loadAgentConfig(file));

/** The collector's evaluator and alert builder over one device's metrics, in order. */
export function collectorAlerts(messages: readonly MetricsMessage[]): AlertMessage[] {
  const rules = [...DEFAULT_RULES];
  const forecast = { points: 16, min_points: 5 };
  let state: DeviceState = initialDeviceState('lab', messages[0]?.device ?? 'd');
  const out: AlertMessage[] = [];
  for (const m of messages) {
    const now = m.window_end;
    const r = evaluate(state, { kind: 'metrics', metrics: m, rules, silences: [], forecast }, now);
    state = r.state;
    for (const t of r.transitions) {
      if (!t.notify) continue;
      out.push(toAlert(state, t, now, { rule: rules.find((x) => x.name === t.rule), metrics: m }));
    }
  }
  return out;
}

export interface KindSummary {
  kind: SimFaultKind;
  cases: number;
  alerts: number;
  /** alerts whose first channel is an injected one */
  namedFirst: number;
  /** alerts per rule, and how many of them named an injected channel first */
  rules: Record<string, { alerts: number; namedFirst: number }>;
}

export function summarize(results: readonly CaseResult[]): KindSummary[] {
  const byKind = new Map<SimFaultKind, KindSummary>();
  for (const r of results) {
    const s = byKind.get(r.kind) ?? { kind: r.kind, cases: 0, alerts: 0, namedFirst: 0, rules: {} };
    s.cases++;
    for (const a of r.alerts) {
      const hit = a.channels.length > 0 && r.injected.includes(a.channels[0]!);
      const rule = (s.rules[a.rule] ??= { alerts: 0, namedFirst: 0 });
      s.alerts++;
      rule.alerts++;
      if (hit) {
        s.namedFirst++;
        rule.namedFirst++;
      }
    }
    byKind.set(r.kind, s);
  }
  return [...byKind.values()];
}

const pct = (a: number, b: number): string => (b === 0 ? '—' : `${Math.round((100 * a) / b)} %`);

function table(summary: readonly KindSummary[]): string {
  const lines = [
    '| fault (channels) | cases | alerts | first-named injected | by rule (first-named / alerts) |',
    '| ---------------- | ----- | ------ | -------------------- | ------------------------------ |',
  ];
  for (const s of summary) {
    const rules = Object.entries(s.rules)
      .map(([rule, v]) => `${rule} ${v.namedFirst}/${v.alerts}`)
      .join(', ');
    const width = s.kind === 'collapse' ? '3' : '1';
    lines.push(
      `| ${s.kind} (${width}) | ${s.cases} | ${s.alerts} | ${pct(s.namedFirst, s.alerts)} | ${rules || '—'} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '6' },
      kinds: { type: 'string', default: 'collapse,decouple,drift,stuck,noise,spike,dropout' },
      json: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) {
    process.stderr.write(`--seeds must be a positive integer, got ${values.seeds}\n`);
    return 2;
  }
  const kinds = values.kinds.split(',') as SimFaultKind[];
  const results: CaseResult[] = [];
  for (const kind of kinds) {
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await runCase(kind, seed);
      process.stderr.write(
        `${kind} seed ${seed} on ${r.injected.join('+')}: ${
          r.alerts.map((a) => `${a.rule}→${a.channels.join('>') || '∅'}`).join(' ') || 'no alert'
        }\n`,
      );
      results.push(r);
    }
  }
  const summary = summarize(results);
  process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : `${table(summary)}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
