// Where the outbox keeps its messages. The outbox logic (limits, drop-oldest, replay order,
// the degraded mode when the disk refuses writes) is written against this interface so tests
// can inject a store; the agent uses SQLite. Ids are chosen by the outbox, not the store, so a
// record held in memory while the disk was full keeps its place in the order when it is moved
// to disk later.

export interface OutboxRecord {
  /** strictly increasing across restarts: replay order */
  id: number;
  topic: string;
  payload: string;
  /** clock time of append, epoch ms */
  createdAt: number;
}

export interface OutboxStore {
  /** where the records live, for log lines (a file path) */
  readonly location?: string;
  /** set when the store found its file corrupt at open and started afresh */
  readonly recovered?: { movedTo: string; reason: string } | null;
  /** stores a record under its own id (greater than every id stored before) */
  insert(record: OutboxRecord): void;
  /** up to `limit` records with id > afterId, oldest first */
  list(afterId: number, limit: number): OutboxRecord[];
  delete(id: number): void;
  count(): number;
  /** total payload + topic bytes */
  bytes(): number;
  /** the highest id ever stored (also of records deleted since), 0 when none */
  lastId(): number;
  close(): void;
}

/** An in-memory store: for tests, and where the outbox holds what the disk refused. */
export class MemoryOutboxStore implements OutboxStore {
  private records: OutboxRecord[] = [];
  private last = 0;
  private total = 0;

  insert(record: OutboxRecord): void {
    this.records.push({ ...record });
    this.last = Math.max(this.last, record.id);
    this.total += recordBytes(record.topic, record.payload);
  }
  list(afterId: number, limit: number): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    for (const r of this.records) {
      if (out.length >= limit) break;
      if (r.id > afterId) out.push(r);
    }
    return out;
  }
  delete(id: number): void {
    const i = this.records.findIndex((r) => r.id === id);
    if (i < 0) return;
    const [r] = this.records.splice(i, 1);
    this.total -= recordBytes(r!.topic, r!.payload);
  }
  count(): number {
    return this.records.length;
  }
  bytes(): number {
    return this.total;
  }
  lastId(): number {
    return this.last;
  }
  close(): void {}
}

export function recordBytes(topic: string, payload: string): number {
  return Buffer.byteLength(topic) + Buffer.byteLength(payload);
}
