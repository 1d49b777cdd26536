// SQLite persistence (better-sqlite3, WAL). Device state, rule state, what was notified and
// the dedupe high-water marks are written in the same transaction as the ingest, so a
// restart resumes `for` timers and firing alerts without losing or repeating a notification.
// Alerts go through an outbox: inserted unpublished in that transaction, marked once the
// broker acknowledged them, re-sent at start if a crash came in between.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../shared/errors.ts';
import {
  upgradeAlertV1,
  type AlertMessage,
  type AlertMessageV1,
  type MetricsMessage,
} from '../shared/schema/index.ts';
import {
  HISTORY_SCHEMA,
  HistoryTables,
  historyRow,
  migrateHistory,
  type HistoryPoint,
  type HistoryRow,
} from './history.ts';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  fleet TEXT NOT NULL, device TEXT NOT NULL, state TEXT NOT NULL, last_metrics TEXT,
  PRIMARY KEY (fleet, device));
CREATE TABLE IF NOT EXISTS seen (
  fleet TEXT NOT NULL, device TEXT NOT NULL, boot TEXT NOT NULL, hwm INTEGER NOT NULL,
  recent TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (fleet, device, boot));
${HISTORY_SCHEMA}
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
    migrateHistory(db);
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

export class Store {
  private readonly s;
  private readonly historyTables: HistoryTables;
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
    this.historyTables = new HistoryTables(db);
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
    const staged = this.historyTables.stagedSeqs();
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
    this.historyTables.add([historyRow(m)]);
  }

  /** Stages rows (history.ts); returns how many went to each slot. */
  addHistoryRows(rows: readonly HistoryRow[]): number[] {
    return this.historyTables.add(rows);
  }

  /** Moves a slot's staged rows (none given: all) into the indexed history, inside a transaction. */
  moveRecentHistory(slot?: number): number {
    return this.historyTables.move(slot);
  }

  /** Rows staged and not yet moved, over every slot. */
  stagedRows(): number {
    return this.historyTables.staged();
  }

  /** A device's newest `limit` points, oldest first. */
  history(fleet: string, device: string, limit: number): HistoryPoint[] {
    return this.historyTables.read(fleet, device, limit);
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
      alert: storedAlert(r.payload),
    }));
  }

  recentAlerts(limit: number): AlertMessage[] {
    return (this.s.recentAlerts.all(limit) as { payload: string }[]).map((r) =>
      storedAlert(r.payload),
    );
  }

  /**
   * Whether another connection (`redband silence add --db`, a second collector on the file)
   * committed since the last call: SQLite's data_version moves only for other connections'
   * commits, so checking it is a pragma, not a read of the tables.
   */
  changedElsewhere(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const changed = version !== this.dataVersion;
    this.dataVersion = version;
    return changed;
  }
  private dataVersion: number | null = null;

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
      // function sorting every row) grows with the history and stalls the event loop at
      // every prune. Every device with history has a device row
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

/**
 * An alert as this collector stored it; one written before alert schema v2 is upgraded (it
 * names no channels), so a restart re-sends and lists the current version only.
 */
function storedAlert(payload: string): AlertMessage {
  const a = JSON.parse(payload) as AlertMessage | AlertMessageV1;
  return a.version === 1 ? upgradeAlertV1(a) : a;
}

/** A stored device state; rows written before the forecast was derived on read carry one: dropped. */
function parseState(text: string): DeviceState {
  const state = JSON.parse(text) as DeviceState & { forecast?: unknown };
  delete state.forecast;
  return state;
}
