// How often does a healthy device show an exit forecast ("leaves band in …")? Issue 19: the
// forecast jumped on healthy, in-band devices. For each seed, one real agent runs
// firmware-configs/sim-vibration.yaml with no fault, at full speed (data time, not wall time),
// for --duration-s of data; its metrics go through the collector's own evaluator, and after each
// message the forecast is read as the dashboard reads it. Counted over the live messages with
// a band: the share whose forecast is an exit, by the rule before issue 19 (Theil–Sen slope,
// any outward trend, shown up to two days ahead) and by the collector's rule now
// (collector/rules/forecast.ts), side by side from the same messages.
// Run: npx tsx scripts/forecast-healthy.ts [--seeds 5] [--duration-s 1800] [--json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { createAgent } from '../agent/agent.ts';
import { loadAgentConfig } from '../agent/config/load.ts';
import { parseConfig } from '../collector/config.ts';
import { evaluate, initialDeviceState } from '../collector/rules/evaluate.ts';
import { deviceForecast } from '../collector/rules/forecast.ts';
import type { DeviceState, ForecastStatus, TrendPoint } from '../collector/rules/types.ts';
import type { Band, MetricsMessage } from '../shared/schema/index.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(REPO, 'firmware-configs', 'sim-vibration.yaml');
const START_MS = 1_700_000_000_000;
const MS_PER_HOUR = 3_600_000;
/** the dashboard before issue 19 showed an exit up to two days ahead (format.js) */
const OLD_SHOWN_UP_TO_S = 2 * 86_400;

/** Runs one healthy sim agent for `durationS` of data and returns its metrics, in order. */
export async function healthyMetrics(seed: number, durationS: number): Promise<MetricsMessage[]> {
  const dir = mkdtempSync(join(tmpdir(), 'redband-forecast-healthy-'));
  try {
    const config = parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
    const model = config.model as Record<string, unknown>;
    model.path = resolve(dirname(CONFIG), String(model.path));
    config.source = {
      ...(config.source as object),
      seed,
      speed: 'max',
      start_ms: START_MS,
      duration_s: durationS,
      faults: [],
    };
    config.publish = { ...(config.publish as object), sink: 'stdout' };
    config.device = `healthy-${seed}`;
    config.outbox = { ...(config.outbox as object), dir: join(dir, 'outbox') };
    config.log = { level: 'silent' };
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, stringify(config));
    let text = '';
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const agent = await createAgent(loadAgentConfig(file), {
      log: pino({ level: 'silent' }),
      stdout,
    });
    await agent.start();
    await agent.finished;
    return text
      .split('\n')
      .filter((line) => line.includes('"redband.metrics"'))
      .map((line) => JSON.parse(line) as MetricsMessage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const medianOf = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * The forecast before issue 19, for comparison only: Theil–Sen slope, the line anchored at the
 * median residual, an eta for any outward slope, whatever its uncertainty. Returns eta_s.
 */
export function oldEtaS(
  points: readonly TrendPoint[],
  band: Band,
  minPoints: number,
): number | null {
  if (points.length < Math.max(2, minPoints)) return null;
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt !== 0) slopes.push(((points[j]!.v - points[i]!.v) / dt) * MS_PER_HOUR);
    }
  }
  if (slopes.length === 0) return null;
  const slope = medianOf(slopes);
  const last = points[points.length - 1]!;
  const now = medianOf(points.map((p) => p.v - (slope * (p.t - last.t)) / MS_PER_HOUR));
  if (now > band.high || now < band.low) return 0;
  if (slope > 0 && now >= band.center) return ((band.high - now) / slope) * 3600;
  if (slope < 0 && now <= band.center) return ((now - band.low) / -slope) * 3600;
  return null;
}

export interface Tally {
  /** live messages with a band and an in-band value: one dashboard update each */
  evaluations: number;
  /** of them, how many showed an exit forecast by the old rule and by the current one */
  old_exit: number;
  new_exit: number;
  /** the current rule's reasons, counted */
  new_status: Partial<Record<ForecastStatus, number>>;
}

/** The collector's evaluator over one device's metrics, the forecast read after each. */
export function tallyForecasts(messages: readonly MetricsMessage[]): Tally {
  const config = parseConfig({});
  const tally: Tally = { evaluations: 0, old_exit: 0, new_exit: 0, new_status: {} };
  let state: DeviceState = initialDeviceState('lab', messages[0]?.device ?? 'd');
  for (const m of messages) {
    const obs = { kind: 'metrics' as const, metrics: m, rules: config.rules, silences: [] };
    state = evaluate(state, { ...obs, forecast: config.forecast }, m.window_end).state;
    const { band, band_value: v } = state;
    // an out-of-band value reads "outside band" by either rule: not a forecast
    if (m.phase !== 'live' || band === null || v === null || v > band.high || v < band.low) {
      continue;
    }
    tally.evaluations++;
    const old = oldEtaS(state.trend, band, config.forecast.min_points);
    if (old !== null && old <= OLD_SHOWN_UP_TO_S) tally.old_exit++;
    const f = deviceForecast(state, config.forecast);
    if (f.eta_s !== null) tally.new_exit++;
    tally.new_status[f.status] = (tally.new_status[f.status] ?? 0) + 1;
  }
  return tally;
}

export function addTallies(tallies: readonly Tally[]): Tally {
  const sum: Tally = { evaluations: 0, old_exit: 0, new_exit: 0, new_status: {} };
  for (const t of tallies) {
    sum.evaluations += t.evaluations;
    sum.old_exit += t.old_exit;
    sum.new_exit += t.new_exit;
    for (const [k, n] of Object.entries(t.new_status) as [ForecastStatus, number][]) {
      sum.new_status[k] = (sum.new_status[k] ?? 0) + n;
    }
  }
  return sum;
}

const pct = (a: number, b: number): string =>
  b === 0 ? '—' : `${((100 * a) / b).toFixed(1)} % (${a}/${b})`;

function row(name: string, t: Tally): string {
  const reasons = Object.entries(t.new_status)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `| ${name} | ${t.evaluations} | ${pct(t.old_exit, t.evaluations)} | ${pct(t.new_exit, t.evaluations)} | ${reasons} |`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '5' },
      'duration-s': { type: 'string', default: '1800' },
      json: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  const durationS = Number(values['duration-s']);
  if (!Number.isInteger(seeds) || seeds < 1) {
    process.stderr.write(`--seeds must be a positive integer, got ${values.seeds}\n`);
    return 2;
  }
  if (!(durationS > 0)) {
    process.stderr.write(`--duration-s must be a positive number, got ${values['duration-s']}\n`);
    return 2;
  }
  const bySeed: { seed: number; tally: Tally }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    bySeed.push({ seed, tally: tallyForecasts(await healthyMetrics(seed, durationS)) });
  }
  const all = addTallies(bySeed.map((s) => s.tally));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ duration_s: durationS, seeds: bySeed, all })}\n`);
    return 0;
  }
  const lines = [
    `healthy sim-vibration, ${durationS} s of data per seed; share of in-band updates showing an exit forecast`,
    '| seed | updates | old rule | current rule | current rule: why |',
    '| ---- | ------- | -------- | ------------ | ----------------- |',
    ...bySeed.map((s) => row(String(s.seed), s.tally)),
    row('all', all),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
