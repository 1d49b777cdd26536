// Replays the outbox over the current connection: QoS 1, at most maxInflight awaiting PUBACK,
// paced by a token bucket so a long backlog does not flood the broker. A record is deleted only
// on its PUBACK; the outbox (not mqtt.js's in-memory store) is the one place unacked messages
// live, so a new connection starts over from the outbox head.
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../../../shared/clock.ts';
import { TokenBucket } from '../../../shared/token-bucket.ts';
import type { Connection } from './connection.ts';
import type { Outbox } from './outbox.ts';

export interface SenderOptions {
  outbox: Outbox;
  link: Pick<Connection, 'connected' | 'isCurrent'>;
  maxInflight: number;
  /** messages/s and burst */
  rate: number;
  burst: number;
  clock: Clock;
  timer: Timer;
  log: Logger;
}

export interface Sender {
  /** sends what the outbox holds, as far as the in-flight window and the rate allow */
  drain(): void;
  /** a client connected: nothing is in flight on it */
  restart(): void;
  /** the connection is gone: what was in flight goes back to the outbox */
  release(): void;
  /** resolves when the outbox is empty, the connection is gone, or after timeoutMs */
  waitIdle(timeoutMs: number): Promise<void>;
  /** stop: a pending rate wait is cancelled and not replaced */
  cancel(): void;
  /** the outbox is closed: late callbacks of the last client must not touch it */
  close(): void;
}

export function createSender(o: SenderOptions): Sender {
  const { outbox, link } = o;
  const bucket = new TokenBucket(o.rate, o.burst, o.clock.now());
  /** outbox ids handed to the current client and not acknowledged yet */
  const inflight = new Set<number>();
  /** highest id handed to the current client */
  let cursor = 0;
  let rateWait: unknown = null;
  let closed = false;
  const idleWaiters: Array<() => void> = [];

  const idle = (): boolean => outbox.depth === 0 || link.connected() === null;
  const notifyIfIdle = (): void => {
    if (closed) return;
    if (idle()) for (const wake of idleWaiters.splice(0)) wake();
  };

  const send = (client: MqttClient, id: number, topic: string, payload: string): void => {
    client.publish(topic, payload, { qos: 1 }, (err) => {
      if (closed) return;
      // A PUBACK from an abandoned connection still proves delivery: ack it either way.
      if (!err) outbox.ack(id);
      if (!link.isCurrent(client)) return;
      inflight.delete(id);
      if (err) o.log.warn({ err: err.message }, 'mqtt publish failed; will resend');
      notifyIfIdle();
      drain();
    });
  };

  const drain = (): void => {
    const client = link.connected();
    if (closed || !client || rateWait) return;
    while (inflight.size < o.maxInflight) {
      const [rec] = outbox.next(cursor, 1);
      if (!rec) break;
      const wait = bucket.take(o.clock.now());
      if (wait > 0) {
        rateWait = o.timer.setTimeout(() => {
          rateWait = null;
          drain();
        }, wait);
        return;
      }
      cursor = rec.id;
      inflight.add(rec.id);
      outbox.sending(rec);
      send(client, rec.id, rec.topic, rec.payload);
    }
    notifyIfIdle();
  };

  return {
    drain,
    restart() {
      inflight.clear();
      cursor = 0;
      drain();
    },
    release() {
      inflight.clear();
      outbox.release();
      notifyIfIdle();
    },
    waitIdle: (timeoutMs) =>
      idle() ? Promise.resolve() : wakeOrTimeout(idleWaiters, o.timer, timeoutMs),
    cancel() {
      // rateWait stays set, so nothing schedules another wait after the stop began.
      if (rateWait) o.timer.clearTimeout(rateWait);
    },
    close() {
      idleWaiters.length = 0;
      closed = true;
    },
  };
}

/** Resolves when one of `waiters` is woken, or after timeoutMs. */
function wakeOrTimeout(waiters: Array<() => void>, timer: Timer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const t = timer.setTimeout(resolve, timeoutMs);
    waiters.push(() => {
      timer.clearTimeout(t);
      resolve();
    });
  });
}
