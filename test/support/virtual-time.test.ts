// The virtual clock the collector's timer tests step: if it ran timers early, late, out of
// order or at the wrong now(), those tests would pass or fail for the wrong reason.
import { describe, expect, it } from 'vitest';
import { VirtualTime } from './virtual-time.ts';

describe('VirtualTime', () => {
  it('runs due timers in order of due time, each at its own now()', () => {
    const t = new VirtualTime(1000);
    const ran: string[] = [];
    t.setTimeout(() => ran.push(`b@${t.now()}`), 30);
    t.setTimeout(() => ran.push(`a@${t.now()}`), 10);
    t.setTimeout(() => ran.push(`c@${t.now()}`), 30);
    t.advance(29);
    expect(ran).toEqual(['a@1010']);
    expect(t.now()).toBe(1029);
    t.advance(1);
    expect(ran).toEqual(['a@1010', 'b@1030', 'c@1030']);
    expect(t.size).toBe(0);
  });

  it('a cleared timer never runs; a timer set by a callback runs when due within the advance', () => {
    const t = new VirtualTime();
    const ran: number[] = [];
    const h = t.setTimeout(() => ran.push(-1), 5);
    t.setTimeout(() => t.setTimeout(() => ran.push(t.now()), 10), 5);
    t.clearTimeout(h);
    t.advance(15);
    expect(ran).toEqual([15]);
  });

  it('an interval repeats every period until cleared', () => {
    const t = new VirtualTime();
    const ran: number[] = [];
    const h = t.setInterval(() => ran.push(t.now()), 100);
    t.advance(350);
    expect(ran).toEqual([100, 200, 300]);
    t.clearInterval(h);
    t.advance(1000);
    expect(ran).toEqual([100, 200, 300]);
    expect(t.size).toBe(0);
  });

  it.each([
    { ms: 0, due: 1 },
    { ms: -5, due: 1 },
    { ms: Number.NaN, due: 1 },
    { ms: 2 ** 31, due: 1 },
    { ms: 2.7, due: 2 },
  ])("a delay of $ms ms runs after $due ms, as Node's timers do", ({ ms, due }) => {
    const t = new VirtualTime();
    let at = -1;
    t.setTimeout(() => (at = t.now()), ms);
    t.advance(due - 1);
    expect(at).toBe(-1);
    t.advance(1);
    expect(at).toBe(due);
  });

  it('refuses to go back in time', () => {
    expect(() => new VirtualTime().advance(-1)).toThrow(/not a duration/);
  });
});
