// What one ingest transaction writes, and when. Per message the collector used to upsert the
// whole device row (state + last metrics as JSON), the dedupe mark and a history row: three
// statements and two JSON documents per message, most of the commit's pages. Now:
//   - a device row is written in the message's transaction only when its rule state moved
//     (phase, episode start, clear timer, what was notified, the N-of-M windows) or on a
//     status message; otherwise it is marked dirty and written by the periodic snapshot;
//   - dedupe marks are written once per (device, boot) when staged history moves (below):
//     the staged rows carry (boot, seq), and a restart folds them back into the marks;
//   - history rows are staged at the end of the transaction, several per statement, into an
//     unindexed table per slot of devices, and each slot moved into the indexed history in
//     turn, each device about once a second (history.ts): durable with their
//     message, without one index leaf write per device per commit.
// Everything a restart needs to neither lose nor repeat a notification (rule state, what was
// notified, dedupe marks, outbox rows) still commits with the message. What a crash can lose
// is the display state since the last snapshot: last metrics, band value, forecast trend.
import type { MetricsMessage } from '../shared/schema/index.ts';
import type { DeviceState, Rule, RuleState } from './rules/types.ts';
import type { LastMetrics } from './last-metrics.ts';
import type { SeenMark } from './dedupe.ts';
import { HISTORY_SLOTS, historyRow, historySlot, type HistoryRow } from './history.ts';
import type { Store } from './store.ts';

export interface DeviceEntry {
  state: DeviceState;
  last: LastMetrics | null;
}

function sameWindow(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRule(a: RuleState | undefined, b: RuleState | undefined, rule: Rule): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.phase === b.phase &&
    a.since === b.since &&
    a.clear_since === b.clear_since &&
    // the last breach only decides anything with keep_firing_for
    (rule.keep_firing_for_ms === 0 || a.last_breach === b.last_breach) &&
    a.notified === b.notified &&
    a.notified_at === b.notified_at &&
    sameWindow(a.window, b.window) &&
    sameWindow(a.clear_window, b.clear_window) &&
    sameWindow(a.levels, b.levels) &&
    (a.held ?? null) === (b.held ?? null)
  );
}

/**
 * True when the lifecycle-relevant rule state differs: what a restart must resume exactly.
 * Not compared: the newest reading's time, value, reason and seq (display; a stale time
 * after a crash only means a late message within the lost span is not recognised as late).
 */
export function rulesChanged(
  prev: DeviceState,
  next: DeviceState,
  rules: readonly Rule[],
): boolean {
  for (const r of rules) if (!sameRule(prev.rules[r.name], next.rules[r.name], r)) return true;
  return false;
}

/**
 * Each device's staged history rows move about this often (one slot of the devices every
 * HISTORY_MOVE_MS / HISTORY_SLOTS), and all of them at this many staged rows: the longer the
 * span, the more rows of one device share an index leaf write; a move holds the event loop
 * for every row it moves plus one index leaf commit per device, so moving the whole fleet at
 * once would be the tail of the alert latency: a slot of devices at a time.
 */
const HISTORY_MOVE_MS = 1000;
const HISTORY_MOVE_ROWS = 20_000;

export class BatchWriter {
  private readonly seen = new Map<
    string,
    { fleet: string; device: string; boot: string; mark: SeenMark }
  >();
  /** rows, built as each message is ingested: the batch holds no message objects */
  private history: HistoryRow[] = [];
  /** devices whose row in SQLite is behind memory, by key */
  readonly dirty = new Set<string>();
  /** rows staged per slot since its last move */
  private readonly staged = new Array<number>(HISTORY_SLOTS).fill(0);
  private stagedTotal = 0;
  /** the slot to move next, and when the last slot move was */
  private nextSlot = 0;
  private lastMove = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    /** write every device change at once (collectors sharing the file re-read it) */
    private readonly writeThrough: boolean,
  ) {}

  seenMark(
    key: string,
    fleet: string,
    device: string,
    boot: string,
    mark: SeenMark,
    now: number,
  ): void {
    if (this.writeThrough) this.store.saveSeen(fleet, device, boot, mark, now);
    else this.seen.set(key, { fleet, device, boot, mark });
  }

  addHistory(m: MetricsMessage): void {
    this.history.push(historyRow(m));
  }

  /** A device changed in memory; `durable`: its row must be in this transaction. */
  device(key: string, entry: DeviceEntry, durable: boolean): void {
    if (durable || this.writeThrough) {
      this.store.saveDevice(entry.state, entry.last);
      this.dirty.delete(key);
    } else {
      this.dirty.add(key);
    }
  }

  /**
   * End of an ingest transaction (inside it): the history rows. The dedupe marks wait for the
   * next move: until then the staged rows (boot, seq) hold what they add, and Store.loadSeen
   * folds them back in after a crash. One mark upsert per device per batch was, after the
   * index writes, the largest part of a commit.
   */
  endBatch(now: number): void {
    if (this.history.length) {
      const perSlot = this.store.addHistoryRows(this.history);
      for (let k = 0; k < HISTORY_SLOTS; k++) this.staged[k]! += perSlot[k]!;
      this.stagedTotal += this.history.length;
    }
    this.history = [];
    if (this.stagedTotal >= HISTORY_MOVE_ROWS) this.moveHistory(now);
    else this.moveHistoryIfDue(now);
  }

  /**
   * Moves the next slot's staged rows once its turn has come (also from the wall-clock
   * tick); slots with nothing staged are passed over.
   */
  moveHistoryIfDue(now: number): void {
    if (this.stagedTotal === 0 || now - this.lastMove < HISTORY_MOVE_MS / HISTORY_SLOTS) return;
    while (this.staged[this.nextSlot] === 0) this.nextSlot = (this.nextSlot + 1) % HISTORY_SLOTS;
    const slot = this.nextSlot;
    this.writeMarks(slot, now);
    this.store.moveRecentHistory(slot);
    this.stagedTotal -= this.staged[slot]!;
    this.staged[slot] = 0;
    this.nextSlot = (slot + 1) % HISTORY_SLOTS;
    this.lastMove = now;
  }

  /**
   * Moves every staged history row into the indexed table (inside a transaction), also rows
   * a crashed run left staged.
   */
  moveHistory(now: number): void {
    this.writeMarks(null, now);
    this.store.moveRecentHistory();
    this.staged.fill(0);
    this.stagedTotal = 0;
    this.lastMove = now;
  }

  /** Writes the pending dedupe marks of one slot's devices (null: all) before their rows move. */
  private writeMarks(slot: number | null, now: number): void {
    for (const [key, s] of this.seen) {
      if (slot !== null && historySlot(s.fleet, s.device) !== slot) continue;
      this.store.saveSeen(s.fleet, s.device, s.boot, s.mark, now);
      this.seen.delete(key);
    }
  }

  /** Writes every dirty device (inside a transaction): the periodic snapshot and at stop. */
  snapshot(lookup: (key: string) => DeviceEntry | undefined): number {
    let n = 0;
    for (const key of this.dirty) {
      const e = lookup(key);
      if (e) {
        this.store.saveDevice(e.state, e.last);
        n++;
      }
    }
    this.dirty.clear();
    return n;
  }
}
