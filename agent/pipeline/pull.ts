// A lossless sample stream from a source's pull(): the next chunk is requested only when
// the inference queue has room, so a max-speed replay runs as fast as inference allows and
// drops nothing. Unsubscribing stops the pulling and closes the iterator.
import { Observable } from 'rxjs';
import type { Sample } from '../sources/types.ts';

export interface Room {
  whenRoom(): Promise<void>;
}

/** Emits the pulled chunks as they come: one emission (and one stage call) per chunk. */
export function pulledSamples(
  open: () => AsyncIterator<Sample[]>,
  room: Room,
): Observable<readonly Sample[]> {
  return new Observable<readonly Sample[]>((subscriber) => {
    const it = open();
    let stopped = false;
    void (async () => {
      try {
        while (!stopped) {
          await room.whenRoom();
          if (stopped) return;
          const chunk = await it.next();
          if (chunk.done) break;
          if (stopped) return;
          if (chunk.value.length > 0) subscriber.next(chunk.value);
        }
        subscriber.complete();
      } catch (e) {
        subscriber.error(e);
      }
    })();
    return () => {
      stopped = true;
      void it.return?.();
    };
  });
}
