import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, type OutboxLimits } from '../../../agent/sinks/mqtt/outbox.ts';
import { SqliteOutboxStore } from '../../../agent/sinks/mqtt/sqlite-store.ts';
import { FillableStore } from './fillable-store.ts';
import { Backoff } from '../../../shared/backoff.ts';
import type { Clock } from '../../../shared/clock.ts';
import { UserError } from '../../../shared/errors.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redband-outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const roomy: OutboxLimits = { maxMessages: 1000, maxBytes: 1 << 20, maxAgeMs: 3_600_000 };

function open(limits: Partial<OutboxLimits> = {}, clock: Clock = { now: () => 0 }): Outbox {
  return new Outbox(new SqliteOutboxStore(dir), { ...roomy, ...limits }, clock);
}

const payloads = (o: Outbox) => o.next(0, 1000).map((r) => r.payload);

describe('outbox (SQLite in a temp dir)', () => {
  it('keeps append order, and acks remove exactly the acked message', () => {
    const o = open();
    const ids = ['a', 'b', 'c', 'd'].map((p) => o.append('t', p));
    o.ack(ids[1]!);
    expect(payloads(o)).toEqual(['a', 'c', 'd']);
    expect(o.next(ids[2]!, 10).map((r) => r.payload)).toEqual(['d']);
    expect(o.depth).toBe(3);
    o.close();
  });

  it('drops the oldest beyond max_messages, and counts them', () => {
    const o = open({ maxMessages: 3 });
    for (const p of ['1', '2', '3', '4', '5']) o.append('t', p);
    expect(payloads(o)).toEqual(['3', '4', '5']);
    expect(o.dropped).toBe(2);
    o.close();
  });

  it('drops the oldest beyond max_bytes (topic + payload)', () => {
    const o = open({ maxBytes: 30 });
    for (const p of ['aaaaaaaaa', 'bbbbbbbbb', 'ccccccccc']) o.append('t', p); // 10 bytes each
    o.append('t', 'ddddddddd');
    expect(payloads(o)).toEqual(['bbbbbbbbb', 'ccccccccc', 'ddddddddd']);
    expect(o.dropped).toBe(1);
    // larger than the whole outbox: refused and counted, nothing else disturbed
    expect(o.append('t', 'x'.repeat(40))).toBe(-1);
    expect(o.dropped).toBe(2);
    expect(o.depth).toBe(3);
    o.close();
  });

  it('drops messages older than max_age by the injected clock', () => {
    let now = 1_000;
    const o = open({ maxAgeMs: 500 }, { now: () => now });
    o.append('t', 'old');
    now = 1_400;
    o.append('t', 'newer');
    now = 1_600;
    expect(payloads(o)).toEqual(['newer']);
    expect(o.dropped).toBe(1);
    o.close();
  });

  it('survives a restart: unsent messages come back first, in order, and new ids follow them', () => {
    const first = open();
    const ids = ['s0', 's1', 's2'].map((p) => first.append('t', p));
    first.ack(ids[0]!);
    first.close();

    const second = open();
    expect(payloads(second)).toEqual(['s1', 's2']);
    const next = second.append('t', 'n0');
    expect(next).toBeGreaterThan(ids[2]!);
    // ids keep growing even after the newest rows were deleted (AUTOINCREMENT)
    second.ack(next);
    expect(second.append('t', 'n1')).toBeGreaterThan(next);
    expect(payloads(second)).toEqual(['s1', 's2', 'n1']);
    second.close();
  });

  it('close is safe to call twice', () => {
    const o = open();
    o.close();
    expect(() => o.close()).not.toThrow();
  });
});

describe('reconnect backoff and send rate', () => {
  it('grows exponentially up to the cap, with jitter in [d/2, d], and resets', () => {
    let r = 0;
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => r });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    r = 1;
    expect(b.next()).toBe(1000);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('outbox when the disk refuses writes', () => {
  it('holds what the disk refuses in memory, in order, and moves it to disk when space returns', () => {
    let now = 0;
    const store = new FillableStore(dir);
    const o = new Outbox(store, roomy, { now: () => now });
    const a = o.append('t', 'a');
    store.full = true;
    const b = o.append('t', 'b');
    const c = o.append('t', 'c');
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(o.degraded).toBe(true);
    expect(o.storageError).toMatch(/SQLITE_FULL/);
    expect({ unstored: o.unstored, memory: o.memoryDepth, depth: o.depth }).toEqual({
      unstored: 2,
      memory: 2,
      depth: 3,
    });
    expect(payloads(o)).toEqual(['a', 'b', 'c']);
    // an ack the disk refuses is remembered: the row is gone from the outbox's view
    o.ack(a);
    expect(payloads(o)).toEqual(['b', 'c']);
    expect(o.depth).toBe(2);

    store.full = false;
    now += 1000; // the retry period
    const d = o.append('t', 'd');
    expect(d).toBe(4);
    expect({ degraded: o.degraded, error: o.storageError, memory: o.memoryDepth }).toEqual({
      degraded: false,
      error: null,
      memory: 0,
    });
    o.close();
    // everything is on disk, in order, with the acked row deleted
    const reopened = open();
    expect(payloads(reopened)).toEqual(['b', 'c', 'd']);
    reopened.close();
  });

  it('bounds the memory queue, dropping its oldest, counted', () => {
    const store = new FillableStore(dir);
    store.full = true;
    const o = new Outbox(store, roomy, { now: () => 0 }, { maxMessages: 2, maxBytes: 1 << 20 });
    for (const p of ['1', '2', '3', '4']) o.append('t', p);
    expect(payloads(o)).toEqual(['3', '4']);
    expect({ dropped: o.dropped, unstored: o.unstored }).toEqual({ dropped: 2, unstored: 4 });
    o.close();
  });

  it('never drops a message in flight: the age limit waits for its PUBACK', () => {
    let now = 0;
    const o = open({ maxAgeMs: 100 }, { now: () => now });
    o.append('t', 'sent');
    o.append('t', 'waiting');
    const [rec] = o.next(0, 1);
    o.sending(rec!);
    now = 500;
    expect(payloads(o)).toEqual(['sent']);
    expect(o.dropped).toBe(1);
    o.ack(rec!.id);
    expect(o.depth).toBe(0);
    o.close();
  });
});

describe('outbox file at start', () => {
  it('corrupt: moved aside (kept), a fresh outbox opens, and the store says where it went', () => {
    writeFileSync(join(dir, 'outbox.db'), 'not a database'.repeat(100));
    const store = new SqliteOutboxStore(dir, () => Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(store.recovered?.movedTo).toBe(join(dir, 'outbox.db.corrupt-2025-01-02T03-04-05-000Z'));
    expect(store.recovered?.reason).toMatch(/not a database/);
    expect(readFileSync(store.recovered!.movedTo, 'utf8')).toBe('not a database'.repeat(100));
    expect(store.count()).toBe(0);
    store.close();
  });

  it('locked by another agent: a UserError naming the file', () => {
    const first = new SqliteOutboxStore(dir);
    let error: unknown;
    try {
      new SqliteOutboxStore(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({
      code: 'outbox-locked',
      message: `outbox ${join(dir, 'outbox.db')} is locked by another process (another agent with the same device and outbox.dir?): database is locked`,
    });
    first.close();
    new SqliteOutboxStore(dir).close(); // released on close
  });
});
