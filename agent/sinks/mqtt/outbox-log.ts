// What the outbox's trouble looks like in the log: a corrupt file found at start, a disk that
// refuses writes (logged when it starts and ends, and at most once per period in between) and
// drops (at most once per period), so a disk that stays full for a week does not fill the
// journal as well.
import type { Logger } from 'pino';
import type { Clock } from '../../../shared/clock.ts';
import { LogLimiter } from '../../../shared/log-limiter.ts';
import type { Outbox } from './outbox.ts';

export interface OutboxLog {
  /** at start: the outbox file was corrupt and moved aside */
  recovered(): void;
  /** after each append and at stop: the state of the disk and the drops since the last call */
  report(): void;
}

export function createOutboxLog(
  outbox: Outbox,
  log: Logger,
  clock: Clock,
  periodMs: number,
): OutboxLog {
  let degradedSince: number | null = null;
  // One per episode of a refusing disk, so each episode's first reminder is a period after it began.
  let stillDegraded = new LogLimiter(periodMs);
  const drops = new LogLimiter(periodMs);
  let droppedLogged = 0;
  const disk = (): Record<string, unknown> => ({
    file: outbox.location,
    err: outbox.storageError,
    inMemory: outbox.memoryDepth,
    unstored: outbox.unstored,
  });

  const reportDisk = (now: number): void => {
    if (outbox.degraded && degradedSince === null) {
      degradedSince = now;
      stillDegraded = new LogLimiter(periodMs);
      stillDegraded.take('degraded', now);
      log.error(
        disk(),
        'outbox: the disk refuses writes; messages wait in memory (bounded, lost if the agent dies) and are still sent',
      );
    } else if (outbox.degraded && stillDegraded.take('degraded', now) !== null) {
      log.warn(disk(), 'outbox: the disk still refuses writes');
    } else if (!outbox.degraded && degradedSince !== null) {
      log.info(
        { file: outbox.location, unstored: outbox.unstored, degradedMs: now - degradedSince },
        'outbox: the disk takes writes again; what waited in memory is on disk',
      );
      degradedSince = null;
    }
  };

  const reportDrops = (now: number): void => {
    if (outbox.dropped <= droppedLogged || drops.take('dropped', now) === null) return;
    log.warn(
      { dropped: outbox.dropped, new: outbox.dropped - droppedLogged, depth: outbox.depth },
      'outbox: dropped the oldest messages (outbox limits: max_messages, max_bytes, max_age_s)',
    );
    droppedLogged = outbox.dropped;
  };

  return {
    recovered() {
      const r = outbox.recovered;
      if (!r) return;
      log.error(
        { file: outbox.location, movedTo: r.movedTo, err: r.reason },
        'outbox: the file was corrupt; moved it aside and started with an empty outbox (its messages are lost)',
      );
    },
    report() {
      const now = clock.now();
      reportDisk(now);
      reportDrops(now);
    },
  };
}
