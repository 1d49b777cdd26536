// Where the outbox keeps its messages. The outbox logic (limits, drop-oldest, replay order)
// is written against this interface so tests can inject a store; the agent uses SQLite.

export interface OutboxRecord {
  /** strictly increasing across restarts: replay order */
  id: number;
  topic: string;
  payload: string;
  /** clock time of append, epoch ms */
  createdAt: number;
}

export interface OutboxStore {
  append(topic: string, payload: string, createdAt: number): number;
  /** up to `limit` records with id > afterId, oldest first */
  list(afterId: number, limit: number): OutboxRecord[];
  delete(id: number): void;
  /** deletes the `count` oldest records; returns how many went */
  deleteOldest(count: number): number;
  /** deletes records created before `time`; returns how many went */
  deleteCreatedBefore(time: number): number;
  count(): number;
  /** total payload + topic bytes */
  bytes(): number;
  close(): void;
}

/** An in-memory store: for tests and for a sink configured without an outbox directory. */
export class MemoryOutboxStore implements OutboxStore {
  private records: OutboxRecord[] = [];
  private nextId = 1;
  private total = 0;

  append(topic: string, payload: string, createdAt: number): number {
    const id = this.nextId++;
    this.records.push({ id, topic, payload, createdAt });
    this.total += recordBytes(topic, payload);
    return id;
  }
  list(afterId: number, limit: number): OutboxRecord[] {
    return this.records.filter((r) => r.id > afterId).slice(0, limit);
  }
  delete(id: number): void {
    this.remove((r) => r.id === id);
  }
  deleteOldest(count: number): number {
    const gone = this.records.slice(0, count);
    return this.remove((r) => gone.includes(r));
  }
  deleteCreatedBefore(time: number): number {
    return this.remove((r) => r.createdAt < time);
  }
  count(): number {
    return this.records.length;
  }
  bytes(): number {
    return this.total;
  }
  close(): void {}

  private remove(pred: (r: OutboxRecord) => boolean): number {
    const before = this.records.length;
    this.records = this.records.filter((r) => {
      if (!pred(r)) return true;
      this.total -= recordBytes(r.topic, r.payload);
      return false;
    });
    return before - this.records.length;
  }
}

export function recordBytes(topic: string, payload: string): number {
  return Buffer.byteLength(topic) + Buffer.byteLength(payload);
}
