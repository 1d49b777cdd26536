// The on-disk outbox store: one SQLite file in WAL mode (see README for why SQLite and not
// JSON-lines segments). The outbox picks the ids; AUTOINCREMENT keeps the highest id ever used
// in sqlite_sequence, so ids keep growing across restarts even after the newest rows were
// deleted, and replay order is append order forever.
//
// Opening: the file is locked exclusively for the life of the agent (a second agent on the
// same outbox would send every message twice and delete the other's rows on its acks), and
// checked. A locked file is a UserError naming it (exit 2: a second instance is an operator's
// mistake, restarting cannot fix it). A corrupt file is moved aside, kept for inspection, and
// a fresh outbox takes its place (`recovered`), so an unattended device keeps reporting.
// Any other failure (a disk too full for even a new file, an I/O error) leaves the store
// unopened: reads see an empty outbox, writes try to open it again and throw until that works,
// so the outbox runs in its degraded mode and moves to disk as soon as the disk allows.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../../../shared/errors.ts';
import { recordBytes, type OutboxRecord, type OutboxStore } from './store.ts';

export const OUTBOX_FILE = 'outbox.db';

/** how long opening waits for another holder of the file before calling it locked */
const LOCK_WAIT_MS = 1000;

const CORRUPT = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);
const LOCKED = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

export interface Recovered {
  /** where the corrupt file went */
  movedTo: string;
  reason: string;
}

function openChecked(file: string): Database.Database {
  const db = new Database(file, { timeout: LOCK_WAIT_MS });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut can lose the last transactions, never corrupt the file;
    // FULL would fsync every message, which flash storage on a device pays for dearly.
    db.pragma('synchronous = NORMAL');
    // takes the exclusive lock now, not at the first append
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw Object.assign(new Error(`quick_check: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
    }
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      bytes INTEGER NOT NULL
    )`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function moveAside(file: string, stamp: string): string {
  const to = `${file}.corrupt-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, to + suffix);
  }
  return to;
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      'INSERT INTO outbox (id, topic, payload, created_at, bytes) VALUES (?, ?, ?, ?, ?)',
    ),
    list: db.prepare(
      'SELECT id, topic, payload, created_at AS createdAt FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
    ),
    delete: db.prepare('DELETE FROM outbox WHERE id = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
    bytes: db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM outbox'),
    lastId: db.prepare(
      `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                  COALESCE((SELECT MAX(id) FROM outbox), 0)) AS id`,
    ),
  };
}

const describe = (e: unknown): { code: string; msg: string } => {
  const code = String((e as { code?: unknown }).code);
  const msg = (e as Error).message;
  return { code, msg: code.startsWith('SQLITE') && !msg.includes(code) ? `${code}: ${msg}` : msg };
};

export class SqliteOutboxStore implements OutboxStore {
  readonly location: string;
  /** set when the file was corrupt at open and a fresh one took its place */
  readonly recovered: Recovered | null = null;
  /** why the file could not be opened (yet); null once it is open */
  openError: string | null = null;
  private db: Database.Database | null = null;
  private stmts: ReturnType<typeof prepare> | null = null;
  private closed = false;

  constructor(dir: string, now: () => number = Date.now) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, OUTBOX_FILE);
    this.location = file;
    try {
      this.attach(openChecked(file));
    } catch (e) {
      const { code, msg } = describe(e);
      if (LOCKED.has(code)) {
        throw new UserError(
          `outbox ${file} is locked by another process (another agent with the same device and outbox.dir?): ${(e as Error).message}`,
          'outbox-locked',
        );
      }
      if (CORRUPT.has(code)) {
        const movedTo = moveAside(file, new Date(now()).toISOString().replace(/[:.]/g, '-'));
        this.recovered = { movedTo, reason: (e as Error).message };
        this.tryOpen();
      } else {
        this.openError = msg;
      }
    }
  }

  insert(r: OutboxRecord): void {
    this.writable().insert.run(
      r.id,
      r.topic,
      r.payload,
      Math.round(r.createdAt),
      recordBytes(r.topic, r.payload),
    );
  }
  list(afterId: number, limit: number): OutboxRecord[] {
    if (!this.stmts) return [];
    // SQLite's LIMIT takes an integer; -1 means none
    return this.stmts.list.all(afterId, Number.isFinite(limit) ? limit : -1) as OutboxRecord[];
  }
  delete(id: number): void {
    this.writable().delete.run(id);
  }
  count(): number {
    return this.stmts ? (this.stmts.count.get() as { n: number }).n : 0;
  }
  bytes(): number {
    return this.stmts ? (this.stmts.bytes.get() as { b: number }).b : 0;
  }
  lastId(): number {
    return this.stmts ? (this.stmts.lastId.get() as { id: number }).id : 0;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db?.close();
  }

  private attach(db: Database.Database): void {
    this.db = db;
    this.stmts = prepare(db);
    this.openError = null;
  }

  private tryOpen(): void {
    try {
      this.attach(openChecked(this.location));
    } catch (e) {
      this.openError = describe(e).msg;
    }
  }

  /** for writes: the statements, opening the file first if that failed before */
  private writable(): ReturnType<typeof prepare> {
    if (!this.stmts && !this.closed) this.tryOpen();
    if (!this.stmts) throw new Error(`cannot open ${this.location}: ${this.openError}`);
    return this.stmts;
  }
}
