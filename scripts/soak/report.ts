// The soak's result: one object (printed as is with --json), the targets it is judged by,
// and the text the script prints at the end.
import type { AlertAccount, MessageAccount } from './accounting.ts';
import { median, type ByteSeries } from './procstat.ts';

/** Targets for a 30-minute soak (issue 8). */
export const TARGETS = { lost: 0, duplicated: 0, missed: 0, rssGrowthPct: 10 } as const;

export interface RssFigure {
  start_bytes: number | null;
  end_bytes: number | null;
  growth_pct: number | null;
}

export interface SoakReport {
  options: { agents: number; minutes: number; seed: number; speed: number };
  wall_s: number;
  run_dir: string;
  messages: {
    sent: number;
    received: number;
    lost: number;
    duplicated: number;
    /** QoS 1 redeliveries the collector recognised by (boot, seq) and dropped */
    redelivered_deduped: number | null;
    outbox_left: number;
    lossy_devices: MessageAccount['lossy'];
  };
  alerts: {
    expected: number;
    raised: number;
    matched: number;
    missed: number;
    covered: number;
    false: number;
    collateral: number;
    not_judged: number;
    delay_s: { median: number | null; max: number | null };
    missed_list: string[];
    covered_list: string[];
    false_list: string[];
  };
  rss: {
    collector: RssFigure;
    /** all agents together */
    agents: RssFigure & {
      per_agent_start_bytes: number | null;
      max_agent_growth_pct: number | null;
    };
    /**
     * The collector's JS heap, committed and live: RSS growth beyond the committed heap's is
     * native memory (SQLite's page cache, socket buffers), which tells a leak in our objects
     * from a cache filling up
     */
    collector_heap: { total: RssFigure; used: RssFigure };
  };
  cpu: { collector_pct: number | null; agents_pct: number | null; per_agent_pct: number | null };
  windows_dropped: number;
  /** the slowest agent's data time over its wall time, % of real time × speed */
  data_rate_min_pct: number | null;
  unexpected_exits: string[];
  interrupted: boolean;
  failures: string[];
  ok: boolean;
}

export interface ReportInput {
  options: SoakReport['options'];
  wallS: number;
  runDir: string;
  messages: MessageAccount;
  redelivered: number | null;
  alerts: AlertAccount;
  rss: { collector: ByteSeries; agents: ByteSeries; from: number; agentCount: number };
  /** the collector's V8 heap (committed, live) from its /metrics, over the same span */
  heap: { total: ByteSeries; used: ByteSeries };
  cpu: { t: number[]; collector: number[]; agents: number[] };
  windowsDropped: number;
  dataRatePct: number | null;
  unexpectedExits: string[];
  interrupted: boolean;
}

export function buildReport(i: ReportInput): SoakReport {
  const a = i.alerts;
  const growth = (s: number | null, e: number | null) =>
    s && e !== null ? round(((e - s) / s) * 100, 1) : null;
  const figure = (series: ByteSeries): RssFigure => {
    const start = series.startBytes(i.rss.from);
    const end = series.endBytes();
    return { start_bytes: start, end_bytes: end, growth_pct: growth(start, end) };
  };
  const perAgent = [...Array(i.rss.agentCount).keys()].map((k) =>
    growth(i.rss.agents.perProcessStart(i.rss.from, k), i.rss.agents.perProcessEnd(k)),
  );
  const agents = figure(i.rss.agents);
  // CPU over the same span as the RSS figures: after every agent is live, to the stop.
  const k = Math.max(
    0,
    i.cpu.t.findIndex((t) => t >= i.rss.from),
  );
  const pct = (xs: number[]) => {
    const spanS = ((i.cpu.t.at(-1) ?? 0) - (i.cpu.t[k] ?? 0)) / 1000;
    const used = (xs.at(-1) ?? NaN) - (xs[k] ?? NaN);
    return k >= 0 && spanS > 0 && Number.isFinite(used) ? round((used / spanS) * 100, 1) : null;
  };
  const agentsPct = pct(i.cpu.agents);
  const report: SoakReport = {
    options: i.options,
    wall_s: Math.round(i.wallS),
    run_dir: i.runDir,
    messages: {
      sent: i.messages.sent,
      received: i.messages.received,
      lost: i.messages.lost,
      duplicated: i.messages.duplicated,
      redelivered_deduped: i.redelivered,
      outbox_left: i.messages.outboxLeft,
      lossy_devices: i.messages.lossy,
    },
    alerts: {
      expected: a.expected,
      raised: a.raised,
      matched: a.matched,
      missed: a.missed,
      covered: a.covered,
      false: a.false,
      collateral: a.collateral,
      not_judged: a.notJudged,
      delay_s: {
        median: round(median(a.delaysS), 1),
        max: a.delaysS.length ? round(Math.max(...a.delaysS), 1) : null,
      },
      missed_list: a.match.missed.map((e) => `${e.device}: ${e.what} → ${e.rule}`),
      covered_list: a.match.covered.map(
        (c) => `${c.expected.device}: ${c.expected.what} → ${c.expected.rule} (already firing)`,
      ),
      false_list: a.match.unexplained.map(
        (r) => `${r.device}: ${r.rule} since ${new Date(r.since).toISOString()}`,
      ),
    },
    rss: {
      collector: figure(i.rss.collector),
      collector_heap: { total: figure(i.heap.total), used: figure(i.heap.used) },
      agents: {
        ...agents,
        per_agent_start_bytes: agents.start_bytes && agents.start_bytes / i.rss.agentCount,
        max_agent_growth_pct: perAgent.reduce<number | null>(
          (m, g) => (g === null ? m : m === null ? g : Math.max(m, g)),
          null,
        ),
      },
    },
    cpu: {
      collector_pct: pct(i.cpu.collector),
      agents_pct: agentsPct,
      per_agent_pct: agentsPct === null ? null : round(agentsPct / i.rss.agentCount, 2),
    },
    windows_dropped: i.windowsDropped,
    data_rate_min_pct: round(i.dataRatePct, 1),
    unexpected_exits: i.unexpectedExits,
    interrupted: i.interrupted,
    failures: [],
    ok: false,
  };
  report.failures = failures(report);
  report.ok = report.failures.length === 0;
  return report;
}

function failures(r: SoakReport): string[] {
  const f: string[] = [];
  if (r.interrupted) f.push('interrupted');
  if (r.messages.sent === 0) f.push('no messages were sent');
  if (r.messages.lost > TARGETS.lost) f.push(`${r.messages.lost} messages lost`);
  if (r.messages.duplicated > TARGETS.duplicated) {
    f.push(`${r.messages.duplicated} messages stored twice`);
  }
  if (r.alerts.missed > TARGETS.missed) f.push(`${r.alerts.missed} expected alerts missed`);
  for (const [name, g] of [
    ['collector', r.rss.collector.growth_pct],
    ['agents', r.rss.agents.growth_pct],
  ] as const) {
    if (g === null) f.push(`${name} RSS not measured after warm-up`);
    else if (g >= TARGETS.rssGrowthPct) f.push(`${name} RSS grew ${g} %`);
  }
  for (const e of r.unexpected_exits) f.push(e);
  return f;
}

export function formatReport(r: SoakReport): string {
  const m = r.messages;
  const a = r.alerts;
  const rss = (x: RssFigure) =>
    `${mib(x.start_bytes)} → ${mib(x.end_bytes)} (${x.growth_pct === null ? '?' : signed(x.growth_pct)} %)`;
  const o = r.options;
  const lines = [
    `redband soak: ${o.agents} agents, ${o.minutes} min (${r.wall_s} s wall), seed ${o.seed}` +
      (o.speed === 1 ? '' : `, data ×${o.speed}`),
    `messages  sent ${m.sent} · received ${m.received} · lost ${m.lost} · duplicated ${m.duplicated}` +
      ` (QoS 1 redeliveries deduped: ${m.redelivered_deduped ?? '?'}; left in outboxes: ${m.outbox_left})`,
    `alerts    expected ${a.expected} · raised ${a.raised} · matched ${a.matched} · missed ${a.missed}` +
      ` · false ${a.false}`,
    `          already firing at the fault's start: ${a.covered} · other rules during faults: ${a.collateral} · faults cut off by the end: ${a.not_judged}`,
    `          delay after fault start: median ${a.delay_s.median ?? '?'} s, max ${a.delay_s.max ?? '?'} s`,
    `RSS       collector ${rss(r.rss.collector)}; JS heap committed ${rss(r.rss.collector_heap.total)}, live ${rss(r.rss.collector_heap.used)}`,
    `          agents    ${rss(r.rss.agents)}; ${mib(r.rss.agents.per_agent_start_bytes)} per agent, largest single growth ${r.rss.agents.max_agent_growth_pct ?? '?'} %`,
    `CPU       agents ${r.cpu.agents_pct ?? '?'} % of a core (${r.cpu.per_agent_pct ?? '?'} % each) · collector ${r.cpu.collector_pct ?? '?'} % · windows dropped by agents: ${r.windows_dropped}`,
    `          slowest agent's data ran at ${r.data_rate_min_pct ?? '?'} % of its real-time rate (start-up included)`,
  ];
  for (const l of m.lossy_devices.slice(0, 5)) {
    lines.push(
      `  lost on ${l.device}: sent ${l.sent}, received ${l.received}, first gaps ${l.gaps.join(',')}`,
    );
  }
  for (const x of a.missed_list.slice(0, 10)) lines.push(`  missed: ${x}`);
  for (const x of a.covered_list.slice(0, 10)) lines.push(`  covered: ${x}`);
  for (const x of a.false_list.slice(0, 10)) lines.push(`  false:  ${x}`);
  lines.push(
    r.ok
      ? `PASS (targets: 0 lost, 0 duplicated, 0 missed, RSS growth < ${TARGETS.rssGrowthPct} %)`
      : `FAIL: ${r.failures.join('; ')}\n  run directory kept: ${r.run_dir}`,
  );
  return lines.join('\n');
}

const round = (x: number | null, digits: number): number | null =>
  x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
const mib = (b: number | null) => (b === null ? '?' : `${(b / 2 ** 20).toFixed(0)} MB`);
const signed = (x: number) => (x > 0 ? `+${x}` : String(x));
