// What was sent, what arrived, and which alerts were right, from the run's own files:
// each agent's outbox (SQLite AUTOINCREMENT: every message the agent ever appended gets the
// next id, so sqlite_sequence is its exact count of published metrics, and the rows left are
// the ones the broker never acknowledged) and the collector's history, one row per accepted
// (boot, seq).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ALERT_WINDOW, matchAlerts, type AlertMatch, type RaisedAlert } from '../../demo/plan.ts';
import { expectationsFor, type SoakDevice } from './schedule.ts';

export interface Outboxed {
  /** metrics messages the agent published (appended to its outbox) */
  sent: number;
  /** still in the outbox: never acknowledged by the broker */
  left: number;
}

export function outboxPath(runDir: string, fleet: string, device: string): string {
  return join(runDir, 'outbox', `${fleet}-${device}`, 'outbox.db');
}

/** After the agent stopped: it holds the file's lock exclusively while it runs. */
export function readOutbox(file: string): Outboxed {
  if (!existsSync(file)) return { sent: 0, left: 0 };
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2000 });
  try {
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
      { seq: number } | undefined;
    const left = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
    return { sent: seq?.seq ?? 0, left };
  } catch (e) {
    // A fresh file has no sqlite_sequence until the first insert.
    if (/no such table/.test((e as Error).message)) return { sent: 0, left: 0 };
    throw e;
  } finally {
    db.close();
  }
}

export interface Received {
  /** distinct (boot, seq) stored */
  unique: number;
  /** rows beyond the first of a (boot, seq): a message stored twice */
  duplicated: number;
  boots: number;
  /** seqs below the highest stored one that never arrived, when the device had one boot */
  gaps: number[];
}

export function readHistory(db: Database.Database, fleet: string): Map<string, Received> {
  const rows = db
    .prepare(
      `SELECT device, boot, seq, COUNT(*) AS n FROM history WHERE fleet = ?
       GROUP BY device, boot, seq ORDER BY device, boot, seq`,
    )
    .all(fleet) as { device: string; boot: string; seq: number; n: number }[];
  const out = new Map<string, Received & { seqs: Map<string, number[]> }>();
  for (const r of rows) {
    let d = out.get(r.device);
    if (!d) {
      d = { unique: 0, duplicated: 0, boots: 0, gaps: [], seqs: new Map() };
      out.set(r.device, d);
    }
    d.unique++;
    d.duplicated += r.n - 1;
    const seqs = d.seqs.get(r.boot) ?? [];
    if (seqs.length === 0) d.seqs.set(r.boot, seqs);
    seqs.push(r.seq);
  }
  for (const d of out.values()) {
    d.boots = d.seqs.size;
    if (d.boots === 1) {
      const seqs = [...d.seqs.values()][0]!;
      const have = new Set(seqs);
      const top = Math.max(...seqs);
      for (let s = 0; s < top && d.gaps.length < 20; s++) if (!have.has(s)) d.gaps.push(s);
    }
  }
  return new Map([...out].map(([k, { seqs: _seqs, ...v }]) => [k, v]));
}

export interface MessageAccount {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  outboxLeft: number;
  /** devices that lost messages, with the first missing seqs */
  lossy: { device: string; sent: number; received: number; gaps: number[] }[];
}

export function accountMessages(
  devices: string[],
  outboxes: Map<string, Outboxed>,
  history: Map<string, Received>,
): MessageAccount {
  const a: MessageAccount = {
    sent: 0,
    received: 0,
    lost: 0,
    duplicated: 0,
    outboxLeft: 0,
    lossy: [],
  };
  for (const device of devices) {
    const o = outboxes.get(device) ?? { sent: 0, left: 0 };
    const h = history.get(device) ?? { unique: 0, duplicated: 0, boots: 0, gaps: [] };
    a.sent += o.sent;
    a.received += h.unique;
    a.duplicated += h.duplicated;
    a.outboxLeft += o.left;
    const lost = Math.max(0, o.sent - h.unique);
    a.lost += lost;
    if (lost > 0) a.lossy.push({ device, sent: o.sent, received: h.unique, gaps: h.gaps });
  }
  return a;
}

export interface AlertAccount {
  expected: number;
  raised: number;
  matched: number;
  missed: number;
  /** not raised anew: the rule was still firing from an earlier episode when the fault began */
  covered: number;
  false: number;
  collateral: number;
  /** faults that began too close to the end of the run to be judged */
  notJudged: number;
  delaysS: number[];
  match: AlertMatch;
}

export function accountAlerts(
  plan: SoakDevice[],
  startMs: Map<string, number>,
  lastDataMs: Map<string, number>,
  raised: RaisedAlert[],
): AlertAccount {
  const expected = [];
  const cutOff: { device: string; start: number; end: number }[] = [];
  for (const d of plan) {
    const start = startMs.get(d.device);
    if (start === undefined) continue;
    const e = expectationsFor(d, start, lastDataMs.get(d.device) ?? start);
    expected.push(...e.expected);
    cutOff.push(...e.notJudged.map((span) => ({ device: d.device, ...span })));
  }
  const match = matchAlerts(expected, raised);
  // An alert of a fault that began but was cut off by the end is not a false one.
  const early = ALERT_WINDOW.earlyS * 1000;
  const late = ALERT_WINDOW.maxDelayS * 1000;
  const explained = (r: RaisedAlert) =>
    cutOff.some(
      (c) => c.device === r.device && r.since >= c.start - early && r.since <= c.end + late,
    );
  match.collateral.push(...match.unexplained.filter(explained));
  match.unexplained = match.unexplained.filter((r) => !explained(r));
  const notJudged = cutOff.length;
  return {
    expected: expected.length,
    raised: raised.length,
    matched: match.matched.length,
    missed: match.missed.length,
    covered: match.covered.length,
    false: match.unexplained.length,
    collateral: match.collateral.length,
    notJudged,
    delaysS: match.matched.map((m) => m.delayS ?? NaN).filter(Number.isFinite),
    match,
  };
}
