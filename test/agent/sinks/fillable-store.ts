import { SqliteOutboxStore } from '../../../agent/sinks/mqtt/sqlite-store.ts';

/**
 * A real SQLite store whose writes fail with SQLITE_FULL while `full` is set: the outbox's
 * degraded mode, step by step. (The whole agent on a real full tmpfs: test/reliability/disk.)
 */
export class FillableStore extends SqliteOutboxStore {
  full = false;
  private check(): void {
    if (this.full)
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  }
  override insert(r: Parameters<SqliteOutboxStore['insert']>[0]): void {
    this.check();
    super.insert(r);
  }
  override delete(id: number): void {
    this.check();
    super.delete(id);
  }
}
