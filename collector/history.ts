// Metrics history: the indexed `history` table, and the unindexed staging tables every row is
// committed to first (history_recent_<slot>). Rows move from staging into the index a slot of
// devices at a time (writer.ts decides when); reads merge both, so a point is visible from the
// commit of its message on.
import type Database from 'better-sqlite3';
import type { MetricsMessage } from '../shared/schema/index.ts';
import { scalarMeasure, SCALAR_MEASURES } from '../shared/measures/types.ts';

export interface HistoryPoint {
  t: number;
  /** the metrics message the point came from: audits and exactly-once checks */
  boot: string;
  seq: number;
  band_value: number | null;
  drift: number | null;
  recon_mean: number | null;
  measures: Record<string, number | null>;
  /** from a warm-up snapshot: a null value there is "not yet", not +∞ */
  warmup: boolean;
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

export const HISTORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS history (
  fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL, band_value REAL, drift REAL,
  recon_mean REAL, measures TEXT NOT NULL, boot TEXT NOT NULL DEFAULT '',
  seq INTEGER NOT NULL DEFAULT -1, warmup INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS history_device_t ON history (fleet, device, t);
${Array.from(
  { length: HISTORY_SLOTS },
  (_, k) => `CREATE TABLE IF NOT EXISTS ${stagedTable(k)} (
  fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL, band_value REAL, drift REAL,
  recon_mean REAL, measures TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL,
  warmup INTEGER NOT NULL DEFAULT 0);`,
).join('\n')}
`;

/** Columns added after the first release; files written before them get them on open. */
export function migrateHistory(db: Database.Database): void {
  const columns = (table: string) =>
    new Set(
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name),
    );
  const cols = columns('history');
  if (!cols.has('boot')) db.exec("ALTER TABLE history ADD COLUMN boot TEXT NOT NULL DEFAULT ''");
  if (!cols.has('seq')) db.exec('ALTER TABLE history ADD COLUMN seq INTEGER NOT NULL DEFAULT -1');
  // staging tables too: a file closed by a crash may still hold staged rows
  for (const table of [
    'history',
    ...Array.from({ length: HISTORY_SLOTS }, (_, k) => stagedTable(k)),
  ])
    if (!columns(table).has('warmup'))
      db.exec(`ALTER TABLE ${table} ADD COLUMN warmup INTEGER NOT NULL DEFAULT 0`);
}

const HISTORY_CHUNK = 32;
const HISTORY_COLUMNS =
  '(fleet, device, t, band_value, drift, recon_mean, measures, boot, seq, warmup)';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const NULL_MEASURES = JSON.stringify(Object.fromEntries(SCALAR_MEASURES.map((k) => [k, null])));

/** The staging tables' statements, one set per slot, and the merged read. */
export class HistoryTables {
  private readonly slots;

  /** the tables must exist (HISTORY_SCHEMA) */
  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.slots = Array.from({ length: HISTORY_SLOTS }, (_, k) => {
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
        read: p(`SELECT t, boot, seq, band_value, drift, recon_mean, measures, warmup FROM (
              SELECT * FROM (SELECT t, boot, seq, band_value, drift, recon_mean, measures, warmup,
                0 AS staged, rowid AS r FROM history WHERE fleet = @fleet AND device = @device
                ORDER BY t DESC, rowid DESC LIMIT @limit)
              UNION ALL
              SELECT t, boot, seq, band_value, drift, recon_mean, measures, warmup, 1 AS staged,
                rowid AS r FROM ${table} WHERE fleet = @fleet AND device = @device)
            ORDER BY t DESC, staged DESC, r DESC LIMIT @limit`),
      };
    });
  }

  /**
   * Stages history rows, HISTORY_CHUNK per statement (one statement per row costs more).
   * They land in their device's history_recent_<slot>, a table with no index, so an insert
   * appends to its last page; move() later inserts them into the indexed table
   * grouped by device. Returns how many rows went to each slot.
   * Inserted straight into the (fleet, device, t) index, a batch of messages from many
   * devices dirties one index leaf per device, and every commit writes each of those pages to
   * the WAL, a large share of the time per message at fleet rates (docs/perf.md). Grouped by
   * device and moved every second, the rows of one device share their leaf's write; within a
   * device they keep their arrival order (rowid), which audits of delivery order rely on.
   */
  add(rows: readonly HistoryRow[]): number[] {
    const bySlot: HistoryRow[][] = Array.from({ length: HISTORY_SLOTS }, () => []);
    for (const row of rows) bySlot[historySlot(row[0], row[1])]!.push(row);
    for (let k = 0; k < HISTORY_SLOTS; k++) {
      const slotRows = bySlot[k]!;
      const st = this.slots[k]!;
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
  move(slot?: number): number {
    let n = 0;
    for (let k = 0; k < HISTORY_SLOTS; k++) {
      if (slot !== undefined && k !== slot) continue;
      const st = this.slots[k]!;
      const moved = st.move.run().changes;
      if (moved > 0) st.clear.run();
      n += moved;
    }
    return n;
  }

  /** Rows staged and not yet moved, over every slot. */
  staged(): number {
    return this.slots.reduce((n, st) => n + (st.count.get() as { n: number }).n, 0);
  }

  /** (fleet, device, boot, seq) of every staged row: Store.loadSeen folds them into the marks. */
  stagedSeqs(): { fleet: string; device: string; boot: string; seq: number }[] {
    return this.slots.flatMap(
      (st) => st.seqs.all() as { fleet: string; device: string; boot: string; seq: number }[],
    );
  }

  /** A device's newest `limit` points, oldest first, staged ones included. */
  read(fleet: string, device: string, limit: number): HistoryPoint[] {
    const read = this.slots[historySlot(fleet, device)]!.read;
    const rows = read.all({ fleet, device, limit }) as (Omit<
      HistoryPoint,
      'measures' | 'warmup'
    > & {
      measures: string;
      warmup: number;
    })[];
    return rows.reverse().map((r) => ({
      ...r,
      measures: JSON.parse(r.measures) as Record<string, number | null>,
      warmup: r.warmup === 1,
    }));
  }
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
  /** 1: a warm-up snapshot's */
  warmup: 0 | 1,
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
    m.phase === 'warmup' ? 1 : 0,
  ];
}
