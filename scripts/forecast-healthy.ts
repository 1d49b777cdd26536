// How often does a healthy device show an exit forecast ("leaves band in …")? Issue 19: the
// forecast jumped on healthy, in-band devices. For each seed, one real agent runs
// firmware-configs/sim-vibration.yaml with no fault, at full speed (data time, not wall time),
// for --duration-s of data; its metrics go through the collector's own evaluator, and after each
// message the forecast is read as the dashboard reads it. Counted over the live messages with
// a band: the share whose forecast is an exit, by the rule before issue 19 (Theil–Sen slope,
// any outward trend, shown up to two days ahead) and by the collector's rule now
// (collector/rules/forecast.ts), side by side from the same messages.
// The same runs with a creep added to the band value show the other side: how often each
// rule forecasts an exit that does come, in the minutes before it.
// Run: npx tsx scripts/forecast-healthy.ts [--seeds 5] [--first-seed 1] [--duration-s 1800] [--creep-min 5,15]
//        [--points N (the collector's forecast.points; default its default)] [--json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { loadAgentConfig } from '../agent/config/load.ts';
import { parseConfig } from '../collector/config.ts';
import { evaluate, initialDeviceState } from '../collector/rules/evaluate.ts';
import { deviceForecast } from '../collector/rules/forecast.ts';
import type { DeviceState, ForecastStatus, TrendPoint } from '../collector/rules/types.ts';
import type { Band, MetricsMessage } from '../shared/schema/index.ts';
import { positiveInt, positiveNumber } from '../shared/cli-args.ts';
import { agentMetrics } from './agent-metrics.ts';

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
    return await agentMetrics(loadAgentConfig(file));
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

/**
 * The collector's evaluator over one device's metrics, the forecast read after each; the
 * updates tallied are those `counted` accepts (all by default; every message is evaluated).
 * The collector's config is its defaults but for forecast.points when given.
 */
export function tallyForecasts(
  messages: readonly MetricsMessage[],
  counted: (m: MetricsMessage) => boolean = () => true,
  /** config forecast.points; absent: the collector's default */
  points?: number,
): Tally {
  const config = parseConfig(points === undefined ? {} : { forecast: { points } });
  const tally: Tally = { evaluations: 0, old_exit: 0, new_exit: 0, new_status: {} };
  let state: DeviceState = initialDeviceState('lab', messages[0]?.device ?? 'd');
  for (const m of messages) {
    const obs = { kind: 'metrics' as const, metrics: m, rules: config.rules, silences: [] };
    state = evaluate(state, { ...obs, forecast: config.forecast }, m.window_end).state;
    const { band, band_value: v } = state;
    // an out-of-band value reads "outside band" by either rule: not a forecast
    const inBand = band !== null && v !== null && v <= band.high && v >= band.low;
    if (m.phase !== 'live' || band === null || !inBand || !counted(m)) {
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

/**
 * The messages with a creep added to their band value from `startMs` (data time), rising by
 * the band's half-width (center → high) every `rampS` seconds, and the data time the first
 * creeping value is above the band (null: not within the run). A drift of the healthy
 * device's structure towards over-coupling, for the forecast to see coming.
 */
export function withCreep(
  messages: readonly MetricsMessage[],
  startMs: number,
  rampS: number,
): { messages: MetricsMessage[]; exit_ms: number | null } {
  let exit: number | null = null;
  const out = messages.map((m) => {
    if (m.band === null || m.band_value === null || m.window_end <= startMs) return m;
    const rise = ((m.band.high - m.band.center) * (m.window_end - startMs)) / (rampS * 1000);
    const v = m.band_value + rise;
    if (exit === null && v > m.band.high) exit = m.window_end;
    return { ...m, band_value: v };
  });
  return { messages: out, exit_ms: exit };
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

/** lead-time windows before a creep's exit, seconds: [from, to) before it */
const LEADS: readonly [number, number][] = [
  [0, 60],
  [60, 300],
];
/** a creep starts this long after the run's first message (past warm-up) */
const CREEP_START_S = 600;

interface CreepRow {
  ramp_min: number;
  /** per lead window: the tallies over every seed whose creep left the band */
  leads: { from_s: number; to_s: number; tally: Tally }[];
}

function creepRows(
  runs: readonly MetricsMessage[][],
  rampsMin: readonly number[],
  points: number | undefined,
): CreepRow[] {
  return rampsMin.map((rampMin) => ({
    ramp_min: rampMin,
    leads: LEADS.map(([from, to]) => {
      const tallies = runs.flatMap((messages) => {
        const start = (messages[0]?.window_end ?? 0) + CREEP_START_S * 1000;
        const c = withCreep(messages, start, rampMin * 60);
        if (c.exit_ms === null) return [];
        const exit = c.exit_ms;
        const lead = (m: MetricsMessage) =>
          m.window_end > exit - to * 1000 && m.window_end <= exit - from * 1000;
        return [tallyForecasts(c.messages, lead, points)];
      });
      return { from_s: from, to_s: to, tally: addTallies(tallies) };
    }),
  }));
}

function render(
  durationS: number,
  points: number,
  bySeed: readonly { seed: number; tally: Tally }[],
  all: Tally,
  creep: readonly CreepRow[],
): string {
  const lines = [
    `healthy sim-vibration, ${durationS} s of data per seed, forecast.points ${points}; share of in-band updates showing an exit forecast`,
    '| seed | updates | old rule | current rule | current rule: why |',
    '| ---- | ------- | -------- | ------------ | ----------------- |',
    ...bySeed.map((s) => row(String(s.seed), s.tally)),
    row('all', all),
    '',
    `the same runs with a creep of the band value from center to high in R min, from ${CREEP_START_S} s on; updates before it leaves the band`,
    '| R (min) | before exit | updates | old rule | current rule | current rule: why |',
    '| ------- | ----------- | ------- | -------- | ------------ | ----------------- |',
    ...creep.flatMap((c) =>
      c.leads.map((l) => row(`${c.ramp_min} | ${l.from_s}–${l.to_s} s`, l.tally)),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '5' },
      'first-seed': { type: 'string', default: '1' },
      'duration-s': { type: 'string', default: '1800' },
      'creep-min': { type: 'string', default: '5,15' },
      points: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  let seeds: number;
  let firstSeed: number;
  let durationS: number;
  let ramps: number[];
  let points: number | undefined;
  try {
    if (values.points !== undefined) points = positiveInt('--points')(values.points);
    seeds = positiveInt('--seeds')(values.seeds);
    firstSeed = positiveInt('--first-seed')(values['first-seed']);
    durationS = positiveNumber('--duration-s')(values['duration-s']);
    ramps = values['creep-min'].split(',').map(positiveNumber('--creep-min'));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const runs: MetricsMessage[][] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++)
    runs.push(await healthyMetrics(seed, durationS));
  const bySeed = runs.map((messages, i) => ({
    seed: firstSeed + i,
    tally: tallyForecasts(messages, () => true, points),
  }));
  const all = addTallies(bySeed.map((s) => s.tally));
  const creep = creepRows(runs, ramps, points);
  const used = points ?? parseConfig({}).forecast.points;
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ duration_s: durationS, points: used, seeds: bySeed, all, creep })}\n`
      : render(durationS, used, bySeed, all, creep),
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
