// Group commit: what arrives within a window of the first queued item is handed on as one
// batch, so one transaction carries many messages. A commit writes every touched page each
// time (device rows, dedupe marks, history index leaves), so at fleet rates one commit per
// socket read would make the commits most of the collector's work.
import type { Timer } from '../shared/clock.ts';

export interface GroupCommitOptions {
  /** ms after the first queued item; 0: one turn of the event loop */
  window: number;
  /** a batch this long is handed on at once */
  maxBatch: number;
}

export class GroupCommit<T> {
  private queued: T[] = [];
  private timerHandle: unknown = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly opts: GroupCommitOptions,
    private readonly timer: Timer,
    private readonly commit: (batch: T[]) => void,
  ) {}

  push(item: T): void {
    this.queued.push(item);
    if (this.queued.length >= this.opts.maxBatch) return this.flush();
    if (this.timerHandle !== null || this.immediate) return;
    if (this.opts.window > 0) {
      this.timerHandle = this.timer.setTimeout(() => this.flush(), this.opts.window);
    } else {
      this.immediate = setImmediate(() => this.flush());
    }
  }

  /** Hands on whatever is queued now (also at shutdown). */
  flush(): void {
    if (this.timerHandle !== null) this.timer.clearTimeout(this.timerHandle);
    if (this.immediate) clearImmediate(this.immediate);
    this.timerHandle = null;
    this.immediate = null;
    const batch = this.queued;
    this.queued = [];
    if (batch.length) this.commit(batch);
  }
}
