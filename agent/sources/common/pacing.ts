// Pacing of replayed or simulated samples on an injected RxJS scheduler. Emission times are
// computed from data time relative to an anchor (the first sample), never accumulated from
// per-sample delays, so a late timer does not make the replay drift. Samples due within one
// chunk interval go out together, which keeps timer count low at high rates.
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Sample } from '../types.ts';

/** A queue the pacer draws from; may need to wait for I/O ('pending'). */
export interface Feed {
  /** the next sample without consuming it; throws if the underlying reader failed */
  peek(): Sample | 'pending' | 'end';
  shift(): void;
  /** after peek() returned 'pending': `cb` is called once when peek() has news */
  onReady(cb: () => void): void;
  close(): void;
}

/** A feed over a synchronous producer (`undefined` = end of data). */
export function syncFeed(produce: () => Sample | undefined): Feed {
  let head: Sample | undefined;
  let ended = false;
  return {
    peek() {
      if (head) return head;
      if (ended) return 'end';
      head = produce();
      if (!head) ended = true;
      return head ?? 'end';
    },
    shift() {
      head = undefined;
    },
    onReady(cb) {
      cb();
    },
    close() {
      ended = true;
    },
  };
}

/** A feed over an async chunk iterator (e.g. a file reader); fetches one chunk at a time. */
export function asyncFeed(iter: AsyncIterator<Sample[]>): Feed {
  let buf: Sample[] = [];
  let pos = 0;
  let done = false;
  let fetching = false;
  let closed = false;
  let failure: { error: unknown } | undefined;
  let ready: (() => void) | undefined;
  const wake = (): void => {
    const cb = ready;
    ready = undefined;
    cb?.();
  };
  const fetch = (): void => {
    fetching = true;
    iter.next().then(
      (r) => {
        fetching = false;
        if (r.done) done = true;
        else {
          buf = r.value;
          pos = 0;
        }
        wake();
      },
      (error: unknown) => {
        fetching = false;
        failure = { error };
        wake();
      },
    );
  };
  return {
    peek() {
      if (failure) throw failure.error;
      if (pos < buf.length) return buf[pos]!;
      if (done || closed) return 'end';
      if (!fetching) fetch();
      return 'pending';
    },
    shift() {
      pos++;
    },
    onReady(cb) {
      ready = cb;
    },
    close() {
      closed = true;
      void iter.return?.()?.catch(() => undefined);
    },
  };
}

export interface PaceOptions {
  scheduler: SchedulerLike;
  /** multiple of real time (1 = real time) */
  speed: number;
  chunkMs: number;
}

/** Cold observable: each subscription makes its own feed and its own anchor. */
export function pacedSamples(makeFeed: () => Feed, opts: PaceOptions): Observable<Sample> {
  return new Observable<Sample>((subscriber) => {
    const { scheduler, speed, chunkMs } = opts;
    const feed = makeFeed();
    let anchorWall: number | undefined;
    let anchorData = 0;
    let action: Subscription | undefined;
    const schedule = (delay: number): void => {
      action = scheduler.schedule(tick, delay);
    };
    function tick(): void {
      action = undefined;
      try {
        while (!subscriber.closed) {
          const s = feed.peek();
          if (s === 'end') {
            subscriber.complete();
            return;
          }
          if (s === 'pending') {
            feed.onReady(() => {
              if (!subscriber.closed) schedule(0);
            });
            return;
          }
          const now = scheduler.now();
          if (anchorWall === undefined) {
            anchorWall = now;
            anchorData = s.t;
          }
          const due = anchorWall + (s.t - anchorData) / speed;
          if (due > now) {
            schedule(Math.max(due - now, chunkMs));
            return;
          }
          feed.shift();
          subscriber.next(s);
        }
      } catch (e) {
        subscriber.error(e);
      }
    }
    schedule(0);
    return () => {
      action?.unsubscribe();
      feed.close();
    };
  });
}

/**
 * `samples()` of a source at speed 'max': drains its lossless pull iterator, yielding to the
 * event loop between chunks so an endless source cannot starve timers and I/O.
 */
export function samplesFromPull(pull: () => AsyncIterator<Sample[]>): Observable<Sample> {
  return new Observable<Sample>((subscriber) => {
    const iter = pull();
    void (async () => {
      try {
        while (!subscriber.closed) {
          const r = await iter.next();
          if (r.done) break;
          for (const s of r.value) {
            if (subscriber.closed) return;
            subscriber.next(s);
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        subscriber.complete();
      } catch (e) {
        subscriber.error(e);
      }
    })();
    return () => {
      void iter.return?.()?.catch(() => undefined);
    };
  });
}
