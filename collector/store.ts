// SQLite persistence (better-sqlite3, WAL). Device state, rule state, what was notified and
// the dedupe high-water marks are written in the same transaction as the ingest, so a
// restart resumes `for` timers and firing alerts without losing or repeating a notification.
// Alerts go through an outbox: inserted unpublished in that transaction, marked once the
// broker acknowledged them, re-sent at start if a crash came in between.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../shared/errors.ts';
import type { AlertMessage, MetricsMessage } from '../shared/schema/index.ts';
import { scalarMeasure, SCALAR_MEASURES } from '../shared/measures/types.ts';
import { DEFAULT_CACHE_MB } from './config.ts';
import {
  checkSeen,
  decodeRanges,
  encodeRanges,
  markSeen,
  seenKey,
  type SeenMark,
} from './dedupe.ts';
import { LastMetrics } from './last-metrics.ts';
import type { DeviceState, Silence } from './rules/types.ts';

export interface HistoryPoint {
  t: number;
  /** the metrics message the point came from: audits and exactly-once checks */
  boot: string;
  seq: number;
  band_value: number | null;
  drift: number | null;
  recon_mean: number | null;
  measures: Record<string, number | null>;
}

/**
 * History rows are staged per slot of devices (each device always in the same one) and a
 * slot moves at a time (writer.ts): a move holds the event loop for its rows and for the
 * commit of the index leaves it dirties, one per device; a quarter of the devices per move
 * is a quarter of that stall, and each device's rows still wait a whole cycle.
 */
export const HISTORY_SLOTS = 4;

/** A device's staging slot: FNV-1a of fleet and device. */
export function historySlot(fleet: string, device: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < fleet.length; i++) h = Math.imul(h ^ fleet.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x2f, 0x01000193);
  for (let i = 0; i < device.length; i++) h = Math.imul(h ^ device.charCodeAt(i), 0x01000193);
  return (h >>> 0) % HISTORY_SLOTS;
}

const stagedTable = (slot: number): string => `history_recent_${slot}`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  fleet TEXT NOT NULL, device TEXT NOT NULL, state TEXT NOT NULL, last_metrics TEXT,
  PRIMARY KEY (fleet, device));
CREATE TABLE IF NOT EXISTS seen (
  fleet TEXT NOT NULL, device TEXT NOT NULL, boot TEXT NOT NULL, hwm INTEGER NOT NULL,
  recent TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (fleet, device, boot));
CREATE TABLE IF NOT EXISTS history (
  fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL, band_value REAL, drift REAL,
  recon_mean REAL, measures TEXT NOT NULL, boot TEXT NOT NULL DEFAULT '',
  seq INTEGER NOT NULL DEFAULT -1);
CREATE INDEX IF NOT EXISTS history_device_t ON history (fleet, device, t);
${Array.from(
  { length: HISTORY_SLOTS },
  (_, k) => `CREATE TABLE IF NOT EXISTS ${stagedTable(k)} (
  fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL, band_value REAL, drift REAL,
  recon_mean REAL, measures TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL);`,
).join('\n')}
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, fleet TEXT NOT NULL, device TEXT NOT NULL, rule TEXT NOT NULL,
  state TEXT NOT NULL, payload TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0,
  origin TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alerts_unpublished ON alerts (published) WHERE published = 0;
CREATE TABLE IF NOT EXISTS silences (
  id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  comment TEXT NOT NULL, created_at INTEGER NOT NULL);
`;

/** Opens the collector database; a locked or corrupt file is a UserError naming the file. */
export function openDatabase(path: string, cacheMb = DEFAULT_CACHE_MB): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: 2000 });
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits but never corrupts the file.
    db.pragma('synchronous = NORMAL');
    // negative: a size in KiB rather than in pages
    db.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(String(check)), { code: 'SQLITE_CORRUPT' });
    db.exec('BEGIN IMMEDIATE; COMMIT');
    db.exec(SCHEMA);
    migrate(db);
    return db;
  } catch (e) {
    db?.close();
    const code = (e as { code?: string }).code ?? '';
    const why =
      code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
        ? 'is locked by another process (is another collector using it?)'
        : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
          ? 'is not a valid SQLite database or is corrupt; move it aside to start fresh'
          : `cannot be opened: ${(e as Error).message}`;
    throw new UserError(`database file ${path} ${why}`, 'db');
  }
}

/** Columns added after the first release; files written before them get them on open. */
function migrate(db: Database.Database): void {
  const cols = new Set(
    (db.prepare('PRAGMA table_info(history)').all() as { name: string }[]).map((c) => c.name),
  );
  if (!cols.has('boot')) db.exec("ALTER TABLE history ADD COLUMN boot TEXT NOT NULL DEFAULT ''");
  if (!cols.has('seq')) db.exec('ALTER TABLE history ADD COLUMN seq INTEGER NOT NULL DEFAULT -1');
}

export class Store {
  private readonly s;
  // built once: better-sqlite3 compiles BEGIN/COMMIT for each wrapper it creates
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  /**
   * @param origin who inserts alerts: at start a collector re-sends only its own unpublished
   * alerts, not those another collector sharing the file has in flight
   */
  constructor(
    readonly db: Database.Database,
    readonly origin = '',
  ) {
    this.tx = db.transaction((fn: () => unknown) => fn());
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      saveDevice: p(`INSERT INTO devices (fleet, device, state, last_metrics) VALUES (?, ?, ?, ?)
        ON CONFLICT (fleet, device) DO UPDATE SET state = excluded.state,
        last_metrics = COALESCE(excluded.last_metrics, devices.last_metrics)`),
      devices: p('SELECT state, last_metrics FROM devices'),
      deviceKeys: p('SELECT fleet, device FROM devices'),
      pruneHistoryAge: p(`DELETE FROM history WHERE fleet = @fleet AND device = @device AND t <
        (SELECT MAX(t) FROM history WHERE fleet = @fleet AND device = @device) - @maxAgeMs`),
      historyNth: p(`SELECT t, rowid AS id FROM history WHERE fleet = @fleet AND device = @device
        ORDER BY t DESC, rowid DESC LIMIT 1 OFFSET @offset`),
      pruneHistoryBefore: p(`DELETE FROM history WHERE fleet = @fleet AND device = @device
        AND (t < @t OR (t = @t AND rowid < @id))`),
      pruneAlerts: p(
        'DELETE FROM alerts WHERE published = 1 AND id <= (SELECT MAX(id) FROM alerts) - ?',
      ),
      pruneSeen: p('DELETE FROM seen WHERE updated_at < ?'),
      pruneSilences: p('DELETE FROM silences WHERE ends_at < ?'),
      device: p('SELECT state, last_metrics FROM devices WHERE fleet = ? AND device = ?'),
      seenOne: p('SELECT hwm, recent FROM seen WHERE fleet = ? AND device = ? AND boot = ?'),
      saveSeen:
        p(`INSERT INTO seen (fleet, device, boot, hwm, recent, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (fleet, device, boot) DO UPDATE SET hwm = excluded.hwm, recent = excluded.recent,
        updated_at = excluded.updated_at`),
      seen: p('SELECT fleet, device, boot, hwm, recent FROM seen'),
      staged: Array.from({ length: HISTORY_SLOTS }, (_, k) => {
        const table = stagedTable(k);
        return {
          one: p(`INSERT INTO ${table} ${HISTORY_COLUMNS} VALUES ${ROW}`),
          chunk: p(
            `INSERT INTO ${table} ${HISTORY_COLUMNS} VALUES ${Array(HISTORY_CHUNK).fill(ROW).join(', ')}`,
          ),
          move: p(`INSERT INTO history ${HISTORY_COLUMNS}
            SELECT ${HISTORY_COLUMNS.slice(1, -1)} FROM ${table} ORDER BY fleet, device, rowid`),
          clear: p(`DELETE FROM ${table}`),
          seqs: p(`SELECT fleet, device, boot, seq FROM ${table} ORDER BY rowid`),
          count: p(`SELECT COUNT(*) AS n FROM ${table}`),
          // the newest `limit` of both tables; staged rows are the later inserts of equal t
          read: p(`SELECT t, boot, seq, band_value, drift, recon_mean, measures FROM (
              SELECT * FROM (SELECT t, boot, seq, band_value, drift, recon_mean, measures,
                0 AS staged, rowid AS r FROM history WHERE fleet = @fleet AND device = @device
                ORDER BY t DESC, rowid DESC LIMIT @limit)
              UNION ALL
              SELECT t, boot, seq, band_value, drift, recon_mean, measures, 1 AS staged, rowid AS r
                FROM ${table} WHERE fleet = @fleet AND device = @device)
            ORDER BY t DESC, staged DESC, r DESC LIMIT @limit`),
        };
      }),
      insertAlert: p(
        'INSERT INTO alerts (fleet, device, rule, state, payload, origin) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      markPublished: p('UPDATE alerts SET published = 1 WHERE id = ?'),
      unpublished: p(
        'SELECT id, payload FROM alerts WHERE published = 0 AND origin = ? ORDER BY id',
      ),
      recentAlerts: p('SELECT payload FROM alerts ORDER BY id DESC LIMIT ?'),
      silences: p('SELECT * FROM silences ORDER BY starts_at'),
      addSilence: p(`INSERT INTO silences (id, matchers, starts_at, ends_at, comment, created_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      expireSilence: p('UPDATE silences SET ends_at = MIN(ends_at, ?) WHERE id = ?'),
    };
  }

  static open(path: string, origin = '', cacheMb = DEFAULT_CACHE_MB): Store {
    return new Store(openDatabase(path, cacheMb), origin);
  }

  /** BEGIN IMMEDIATE: collectors sharing the file serialize their read-modify-write. */
  transaction<T>(fn: () => T): T {
    return this.tx.immediate(fn) as T;
  }

  loadDevice(
    fleet: string,
    device: string,
  ): { state: DeviceState; last: LastMetrics | null } | undefined {
    const r = this.s.device.get(fleet, device) as
      { state: string; last_metrics: string | null } | undefined;
    if (!r) return undefined;
    return {
      state: parseState(r.state),
      last: r.last_metrics ? new LastMetrics(r.last_metrics) : null,
    };
  }

  getSeen(fleet: string, device: string, boot: string): SeenMark | undefined {
    const r = this.s.seenOne.get(fleet, device, boot) as
      { hwm: number; recent: string } | undefined;
    return r ? { hwm: r.hwm, ranges: decodeRanges(r.recent) } : undefined;
  }

  loadDevices(): { state: DeviceState; last: LastMetrics | null }[] {
    return (this.s.devices.all() as { state: string; last_metrics: string | null }[]).map((r) => ({
      state: parseState(r.state),
      last: r.last_metrics ? new LastMetrics(r.last_metrics) : null,
    }));
  }

  saveDevice(state: DeviceState, last: LastMetrics | null): void {
    this.s.saveDevice.run(state.fleet, state.device, JSON.stringify(state), last?.text ?? null);
  }

  /**
   * The dedupe marks: the seen table, plus the messages staged in history_recent_* since their
   * rows were last written (writer.ts writes the marks only when it moves the staged rows;
   * every accepted metrics message has its staged row in the same transaction as its mark).
   * The staged seqs are folded in and written back at once, so the marks a later move relies
   * on are in the table before any staged row leaves its staging table.
   */
  loadSeen(window: number, now: number): Map<string, SeenMark> {
    const out = new Map<string, SeenMark>();
    for (const r of this.s.seen.all() as {
      fleet: string;
      device: string;
      boot: string;
      hwm: number;
      recent: string;
    }[]) {
      out.set(seenKey(r.fleet, r.device, r.boot), {
        hwm: r.hwm,
        ranges: decodeRanges(r.recent),
      });
    }
    const folded = new Map<string, { fleet: string; device: string; boot: string }>();
    // the order of the folded seqs does not matter: a mark is a set within the window of its hwm
    const staged = this.s.staged.flatMap(
      (st) => st.seqs.all() as { fleet: string; device: string; boot: string; seq: number }[],
    );
    for (const r of staged) {
      const k = seenKey(r.fleet, r.device, r.boot);
      const mark = out.get(k);
      if (checkSeen(mark, r.seq, window)) continue;
      out.set(k, markSeen(mark, r.seq, window));
      folded.set(k, r);
    }
    if (folded.size > 0) {
      this.transaction(() => {
        for (const [k, r] of folded) this.saveSeen(r.fleet, r.device, r.boot, out.get(k)!, now);
      });
    }
    return out;
  }

  saveSeen(fleet: string, device: string, boot: string, mark: SeenMark, now: number): void {
    this.s.saveSeen.run(fleet, device, boot, mark.hwm, encodeRanges(mark.ranges), now);
  }

  addHistory(m: MetricsMessage): void {
    this.addHistoryRows([historyRow(m)]);
  }

  /**
   * Stages history rows, HISTORY_CHUNK per statement (one statement per row costs more).
   * They land in their device's history_recent_<slot>, a table with no index, so an insert
   * appends to its last page; moveRecentHistory() later inserts them into the indexed table
   * grouped by device. Returns how many rows went to each slot.
   * Inserted straight into the (fleet, device, t) index, a batch of messages from 1,000
   * devices dirtied one index leaf per device, and every commit wrote each of those 4 KiB
   * pages to the WAL: a third of the collector's time per message at 10,000 msg/s. Grouped by
   * device and moved every second, the rows of one device share their leaf's write; within a
   * device they keep their arrival order (rowid), which audits of delivery order rely on.
   */
  addHistoryRows(rows: readonly HistoryRow[]): number[] {
    const bySlot: HistoryRow[][] = Array.from({ length: HISTORY_SLOTS }, () => []);
    for (const row of rows) bySlot[historySlot(row[0], row[1])]!.push(row);
    for (let k = 0; k < HISTORY_SLOTS; k++) {
      const slotRows = bySlot[k]!;
      const st = this.s.staged[k]!;
      let i = 0;
      for (; i + HISTORY_CHUNK <= slotRows.length; i += HISTORY_CHUNK) {
        const args: HistoryRow[number][] = [];
        for (let j = i; j < i + HISTORY_CHUNK; j++) for (const v of slotRows[j]!) args.push(v);
        st.chunk.run(args);
      }
      for (; i < slotRows.length; i++) st.one.run(slotRows[i]!);
    }
    return bySlot.map((r) => r.length);
  }

  /**
   * Moves a slot's staged rows (all slots: none given) into the indexed history; call inside
   * a transaction. Returns how many. Only writer.ts calls it, after writing the dedupe marks
   * of the devices whose rows it moves.
   */
  moveRecentHistory(slot?: number): number {
    let n = 0;
    for (let k = 0; k < HISTORY_SLOTS; k++) {
      if (slot !== undefined && k !== slot) continue;
      const st = this.s.staged[k]!;
      const moved = st.move.run().changes;
      if (moved > 0) st.clear.run();
      n += moved;
    }
    return n;
  }

  /** Rows staged and not yet moved, over every slot. */
  stagedRows(): number {
    return this.s.staged.reduce((n, st) => n + (st.count.get() as { n: number }).n, 0);
  }

  history(fleet: string, device: string, limit: number): HistoryPoint[] {
    const read = this.s.staged[historySlot(fleet, device)]!.read;
    const rows = read.all({ fleet, device, limit }) as (Omit<HistoryPoint, 'measures'> & {
      measures: string;
    })[];
    return rows
      .reverse()
      .map((r) => ({ ...r, measures: JSON.parse(r.measures) as Record<string, number | null> }));
  }

  /** Inserts an alert into the outbox; returns its id. */
  addAlert(a: AlertMessage): number {
    return Number(
      this.s.insertAlert.run(a.fleet, a.device, a.rule, a.state, JSON.stringify(a), this.origin)
        .lastInsertRowid,
    );
  }

  markPublished(id: number): void {
    this.s.markPublished.run(id);
  }

  unpublishedAlerts(): { id: number; alert: AlertMessage }[] {
    return (this.s.unpublished.all(this.origin) as { id: number; payload: string }[]).map((r) => ({
      id: r.id,
      alert: JSON.parse(r.payload) as AlertMessage,
    }));
  }

  recentAlerts(limit: number): AlertMessage[] {
    return (this.s.recentAlerts.all(limit) as { payload: string }[]).map(
      (r) => JSON.parse(r.payload) as AlertMessage,
    );
  }

  silences(): Silence[] {
    return (this.s.silences.all() as (Omit<Silence, 'matchers'> & { matchers: string })[]).map(
      (r) => ({
        ...r,
        matchers: JSON.parse(r.matchers) as Silence['matchers'],
      }),
    );
  }

  addSilence(s: Silence): void {
    this.s.addSilence.run(
      s.id,
      JSON.stringify(s.matchers),
      s.starts_at,
      s.ends_at,
      s.comment,
      s.created_at,
    );
  }

  /** Ends a silence now; false when no such id. */
  expireSilence(id: string, now: number): boolean {
    return this.s.expireSilence.run(now, id).changes > 0;
  }

  /**
   * Retention: per device at most `points` history rows and none older than `maxAgeMs`
   * before its newest; alerts beyond `alerts` (published ones only);
   * dedupe marks of boots not heard from within `maxAgeMs`; silences that ended that long ago.
   */
  prune(now: number, points: number, maxAgeMs: number, alerts: number): void {
    const cutoff = now - maxAgeMs;
    this.transaction(() => {
      // Device by device through the (fleet, device, t) index: the cost is the rows deleted
      // plus a few index probes per device. One statement over the whole table (a window
      // function sorting every row) took ~80 ms at 28k rows and grew with the history, a
      // stall of the event loop once a minute. Every device with history has a device row
      // (both are written in the message's transaction) and device rows are never deleted.
      for (const d of this.s.deviceKeys.all() as { fleet: string; device: string }[]) {
        // age in data time, against the device's newest point: a replay of old data keeps its history
        this.s.pruneHistoryAge.run({ ...d, maxAgeMs });
        // the oldest point to keep, ties in t broken by insertion order
        const keep = this.s.historyNth.get({ ...d, offset: points - 1 }) as
          { t: number; id: number } | undefined;
        if (keep) this.s.pruneHistoryBefore.run({ ...d, ...keep });
      }
      this.s.pruneAlerts.run(alerts);
      this.s.pruneSeen.run(cutoff);
      this.s.pruneSilences.run(cutoff);
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const HISTORY_CHUNK = 32;
const HISTORY_COLUMNS = '(fleet, device, t, band_value, drift, recon_mean, measures, boot, seq)';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
const NULL_MEASURES = JSON.stringify(Object.fromEntries(SCALAR_MEASURES.map((k) => [k, null])));

/** A stored device state; rows written before the forecast was derived on read carry one: dropped. */
function parseState(text: string): DeviceState {
  const state = JSON.parse(text) as DeviceState & { forecast?: unknown };
  delete state.forecast;
  return state;
}

/** One history row's parameters, in the order of the INSERT's columns. */
export type HistoryRow = [
  fleet: string,
  device: string,
  t: number,
  band_value: number | null,
  drift: number | null,
  recon_mean: number | null,
  measures: string,
  boot: string,
  seq: number,
];

export function historyRow(m: MetricsMessage): HistoryRow {
  let measures = NULL_MEASURES;
  if (m.measures) {
    const o: Record<string, number | null> = {};
    for (const k of SCALAR_MEASURES) o[k] = scalarMeasure(m.measures, k);
    measures = JSON.stringify(o);
  }
  return [
    m.fleet,
    m.device,
    m.window_end,
    m.band_value,
    m.drift,
    m.recon?.mean ?? null,
    measures,
    m.boot,
    m.seq,
  ];
}
