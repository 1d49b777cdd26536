// The bounded outbox: every metrics message is appended here first and deleted only when
// the broker acknowledged it (PUBACK), so nothing is lost while the broker is unreachable
// or the agent restarts. Limits on count, bytes and age are enforced by dropping the
// OLDEST messages (the newest describe the device's current state, which matters most),
// and every drop is counted so it can be published in health.outbox_dropped.
//
// Degraded mode: when the disk refuses a write (SQLITE_FULL, an I/O error), the outbox never
// throws at the sink. A message the disk refused waits in a bounded memory queue (and is sent
// from there like any other); a delete the disk refused is remembered and retried. Every
// second at most, the outbox tries to move what waits in memory to disk, oldest first; once
// everything is on disk again it is back to normal. Ids are the outbox's own, so a record
// keeps its place in the replay order wherever it waits.
import { systemClock, type Clock } from '../../../shared/clock.ts';
import { MemoryOutboxStore, recordBytes, type OutboxRecord, type OutboxStore } from './store.ts';

export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
  /** messages older than this are dropped */
  maxAgeMs: number;
}

/** How much may wait in memory while the disk refuses writes (RAM is the scarcer resource). */
export interface MemoryLimits {
  maxMessages: number;
  maxBytes: number;
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = { maxMessages: 1000, maxBytes: 4 << 20 };

/** While degraded, the disk is tried again at most this often. */
export const STORAGE_RETRY_MS = 1000;

export class Outbox {
  /** messages dropped by the limits since this process opened the outbox */
  dropped = 0;
  /** messages the disk refused since this start (held in memory instead, still sent) */
  unstored = 0;
  /** the disk's last refusal, while the outbox is not fully on disk; null when healthy */
  storageError: string | null = null;
  private readonly memory = new MemoryOutboxStore();
  private readonly inMemory = new Set<number>();
  /** disk rows logically deleted (acked or dropped) whose DELETE the disk refused: id → bytes */
  private readonly tombstones = new Map<number, number>();
  /**
   * handed to the connection and awaiting PUBACK: id → bytes. The limits never drop these:
   * they have left, and a drop counted here could be delivered all the same (a partition
   * that heals before TCP gives up), making "dropped" a lie.
   */
  private readonly handedOut = new Map<number, number>();
  private lastId: number;
  private nextRetry = 0;
  private readonly memLimits: MemoryLimits;

  constructor(
    private readonly store: OutboxStore,
    private readonly limits: OutboxLimits,
    private readonly clock: Clock = systemClock,
    memoryLimits: MemoryLimits = DEFAULT_MEMORY_LIMITS,
  ) {
    this.lastId = store.lastId();
    this.memLimits = {
      maxMessages: Math.min(memoryLimits.maxMessages, limits.maxMessages),
      maxBytes: Math.min(memoryLimits.maxBytes, limits.maxBytes),
    };
    this.expire();
  }

  /** where the records live (the SQLite file), for log lines */
  get location(): string | undefined {
    return this.store.location;
  }

  /** a corrupt file moved aside at open, if any */
  get recovered(): { movedTo: string; reason: string } | null {
    return this.store.recovered ?? null;
  }

  /** messages waiting in memory because the disk refused them */
  get memoryDepth(): number {
    return this.memory.count();
  }

  append(topic: string, payload: string): number {
    const size = recordBytes(topic, payload);
    if (size > this.limits.maxBytes) {
      // A message larger than the whole outbox can never be kept; count it as dropped.
      this.dropped++;
      return -1;
    }
    this.retry();
    this.expire();
    // dropOldest() is false when only in-flight records are left: they are not ours to drop
    let room = true;
    while (room && this.depth + 1 > this.limits.maxMessages) room = this.dropOldest(false);
    while (room && this.depth > 0 && this.bytes() + size > this.limits.maxBytes)
      room = this.dropOldest(false);
    const rec: OutboxRecord = { id: ++this.lastId, topic, payload, createdAt: this.clock.now() };
    if (!this.degraded && this.disk(() => this.store.insert(rec))) return rec.id;
    this.unstored++;
    this.memory.insert(rec);
    this.inMemory.add(rec.id);
    room = true;
    while (
      room &&
      (this.memory.count() > this.memLimits.maxMessages ||
        this.memory.bytes() > this.memLimits.maxBytes)
    )
      room = this.dropOldest(true);
    return rec.id;
  }

  /** oldest-first records after `afterId`, with expired ones dropped first */
  next(afterId: number, limit: number): OutboxRecord[] {
    this.retry();
    this.expire();
    return this.list(afterId, limit);
  }

  /** the sink handed this record to the connection */
  sending(rec: OutboxRecord): void {
    this.handedOut.set(rec.id, recordBytes(rec.topic, rec.payload));
  }

  /** the connection is gone: what it held is ordinary backlog again */
  release(): void {
    this.handedOut.clear();
  }

  ack(id: number): void {
    // An ack from an abandoned connection (after release) has no size on record; it only
    // matters for the byte count of a tombstone, i.e. while the disk refuses deletes.
    const bytes = this.handedOut.get(id) ?? 0;
    this.handedOut.delete(id);
    this.remove(id, bytes);
  }

  get depth(): number {
    const disk = this.read(() => this.store.count(), this.tombstones.size);
    return disk - this.tombstones.size + this.memory.count();
  }

  /** true while anything that belongs on disk is not there (or not yet deleted there) */
  get degraded(): boolean {
    return this.memory.count() > 0 || this.tombstones.size > 0;
  }

  /** tries the disk now, whatever the retry period says (at a clean stop) */
  flush(): void {
    this.nextRetry = 0;
    this.retry();
  }

  close(): void {
    this.store.close();
  }

  private bytes(): number {
    let gone = 0;
    for (const b of this.tombstones.values()) gone += b;
    return this.read(() => this.store.bytes(), gone) - gone + this.memory.bytes();
  }

  private list(afterId: number, limit: number): OutboxRecord[] {
    const fromDisk = this.read(
      () => this.store.list(afterId, limit + this.tombstones.size),
      [] as OutboxRecord[],
    ).filter((r) => !this.tombstones.has(r.id));
    const fromMemory = this.memory.list(afterId, limit);
    if (fromMemory.length === 0) return fromDisk.slice(0, limit);
    return [...fromDisk, ...fromMemory].sort((a, b) => a.id - b.id).slice(0, limit);
  }

  private remove(id: number, bytes: number): void {
    if (this.inMemory.delete(id)) {
      this.memory.delete(id);
      return;
    }
    if (this.tombstones.has(id)) return;
    if (!this.disk(() => this.store.delete(id))) this.tombstones.set(id, bytes);
  }

  /** drops the oldest record not in flight (only among those in memory if `memoryOnly`) */
  private dropOldest(memoryOnly: boolean): boolean {
    const head = memoryOnly
      ? this.memory.list(0, this.handedOut.size + 1)
      : this.list(0, this.handedOut.size + 1);
    const victim = head.find((r) => !this.handedOut.has(r.id));
    if (!victim) return false;
    this.remove(victim.id, recordBytes(victim.topic, victim.payload));
    this.dropped++;
    return true;
  }

  private expire(): void {
    const cutoff = this.clock.now() - this.limits.maxAgeMs;
    for (;;) {
      const head = this.list(0, this.handedOut.size + 32);
      let progressed = false;
      for (const r of head) {
        if (this.handedOut.has(r.id)) continue;
        // ids follow the clock: the first record young enough ends the expired prefix
        if (r.createdAt >= cutoff) return;
        this.remove(r.id, recordBytes(r.topic, r.payload));
        this.dropped++;
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  /** While degraded: deletes the disk refused, then moves what waits in memory to disk. */
  private retry(): void {
    if (!this.degraded && this.storageError === null) return;
    const now = this.clock.now();
    if (now < this.nextRetry) return;
    this.nextRetry = now + STORAGE_RETRY_MS;
    for (const id of [...this.tombstones.keys()]) {
      if (!this.disk(() => this.store.delete(id))) return;
      this.tombstones.delete(id);
    }
    for (const rec of this.memory.list(0, Number.POSITIVE_INFINITY)) {
      if (!this.disk(() => this.store.insert(rec))) return;
      this.memory.delete(rec.id);
      this.inMemory.delete(rec.id);
    }
    this.storageError = null;
  }

  private disk(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (e) {
      this.storageError = describe(e);
      return false;
    }
  }

  private read<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.storageError = describe(e);
      return fallback;
    }
  }
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const msg = (e as Error)?.message ?? String(e);
  return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
