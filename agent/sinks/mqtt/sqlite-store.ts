// The on-disk outbox store: one SQLite file in WAL mode (see README for why SQLite and not
// JSON-lines segments). AUTOINCREMENT keeps ids strictly increasing across restarts, even
// after the newest rows were deleted, so replay order is append order forever.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { recordBytes, type OutboxRecord, type OutboxStore } from './store.ts';

export const OUTBOX_FILE = 'outbox.db';

export class SqliteOutboxStore implements OutboxStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private closed = false;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, OUTBOX_FILE));
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut can lose the last transactions, never corrupt the file;
    // FULL would fsync every message, which flash storage on a device pays for dearly.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      bytes INTEGER NOT NULL
    )`);
    this.stmts = {
      append: this.db.prepare(
        'INSERT INTO outbox (topic, payload, created_at, bytes) VALUES (?, ?, ?, ?)',
      ),
      list: this.db.prepare(
        'SELECT id, topic, payload, created_at AS createdAt FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
      ),
      delete: this.db.prepare('DELETE FROM outbox WHERE id = ?'),
      deleteOldest: this.db.prepare(
        'DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)',
      ),
      deleteBefore: this.db.prepare('DELETE FROM outbox WHERE created_at < ?'),
      count: this.db.prepare('SELECT COUNT(*) AS n FROM outbox'),
      bytes: this.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM outbox'),
    };
  }

  append(topic: string, payload: string, createdAt: number): number {
    const r = this.stmts.append.run(
      topic,
      payload,
      Math.round(createdAt),
      recordBytes(topic, payload),
    );
    return Number(r.lastInsertRowid);
  }
  list(afterId: number, limit: number): OutboxRecord[] {
    return this.stmts.list.all(afterId, limit) as OutboxRecord[];
  }
  delete(id: number): void {
    this.stmts.delete.run(id);
  }
  deleteOldest(count: number): number {
    return this.stmts.deleteOldest.run(count).changes;
  }
  deleteCreatedBefore(time: number): number {
    return this.stmts.deleteBefore.run(Math.round(time)).changes;
  }
  count(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }
  bytes(): number {
    return (this.stmts.bytes.get() as { b: number }).b;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
