import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkSeen,
  decodeRanges,
  encodeRanges,
  markSeen,
  type SeenMark,
} from '../../collector/dedupe.ts';

/** The reference: every accepted seq in a set; anything at or below hwm − window counts as seen. */
class Reference {
  hwm = -Infinity;
  readonly seqs = new Set<number>();
  constructor(readonly window: number) {}
  seen(seq: number): boolean {
    if (seq > this.hwm) return false;
    return seq <= this.hwm - this.window || this.seqs.has(seq);
  }
  mark(seq: number): void {
    this.hwm = Math.max(this.hwm, seq);
    this.seqs.add(seq);
  }
}

function run(seqs: number[], window: number): { mark: SeenMark | undefined; verdicts: boolean[] } {
  let mark: SeenMark | undefined;
  const verdicts: boolean[] = [];
  for (const s of seqs) {
    const dup = checkSeen(mark, s, window);
    verdicts.push(dup);
    if (!dup) mark = markSeen(mark, s, window);
  }
  return { mark, verdicts };
}

describe('dedupe marks (ranges of seen seqs)', () => {
  it.each([
    { name: 'in order: one range', seqs: [0, 1, 2, 3, 4], window: 64, ranges: [0, 4], dups: [] },
    {
      name: 'a redelivery is a duplicate',
      seqs: [0, 1, 2, 1, 2],
      window: 64,
      ranges: [0, 2],
      dups: [3, 4],
    },
    {
      name: 'a gap, then the late one fills it',
      seqs: [0, 1, 3, 4, 2],
      window: 64,
      ranges: [0, 4],
      dups: [],
    },
    { name: 'gaps stay apart', seqs: [5, 1, 9], window: 64, ranges: [1, 1, 5, 5, 9, 9], dups: [] },
    {
      name: 'older than the window: duplicate; inside it: accepted',
      seqs: [100, 36, 37],
      window: 64,
      ranges: [37, 37, 100, 100],
      dups: [1],
    },
    {
      name: 'the window cuts the oldest range',
      seqs: [0, 1, 2, 3, 4, 5, 6, 7],
      window: 4,
      ranges: [4, 7],
      dups: [],
    },
    {
      name: 'a jump drops everything behind',
      seqs: [0, 1, 2, 50],
      window: 4,
      ranges: [50, 50],
      dups: [],
    },
  ])('$name', ({ seqs, window, ranges, dups }) => {
    const { mark, verdicts } = run(seqs, window);
    expect(mark?.ranges).toEqual(ranges);
    expect(verdicts.flatMap((d, i) => (d ? [i] : []))).toEqual(dups);
  });

  it('agrees with a set of every accepted seq, for any arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 80 }),
        (seqs, window) => {
          const ref = new Reference(window);
          let mark: SeenMark | undefined;
          for (const s of seqs) {
            const dup = checkSeen(mark, s, window);
            expect(dup).toBe(ref.seen(s));
            if (!dup) {
              mark = markSeen(mark, s, window);
              ref.mark(s);
            }
            // ranges: ascending, disjoint, not adjacent, inside the window
            const r = mark?.ranges ?? [];
            for (let i = 0; i < r.length; i += 2) {
              expect(r[i]!).toBeLessThanOrEqual(r[i + 1]!);
              expect(r[i]!).toBeGreaterThan(mark!.hwm - window);
              if (i > 0) expect(r[i]!).toBeGreaterThan(r[i - 1]! + 1);
            }
          }
        },
      ),
    );
  });

  it.each([
    { text: '', ranges: [] },
    { text: '3:7', ranges: [3, 7] },
    { text: '1:1,5:9', ranges: [1, 1, 5, 9] },
    // as written before ranges: single seqs in arrival order
    { text: '[7,3,4,5,1]', ranges: [1, 1, 3, 5, 7, 7] },
    { text: '[]', ranges: [] },
  ])('stored form $text', ({ text, ranges }) => {
    expect(decodeRanges(text)).toEqual(ranges);
    if (!text.startsWith('[')) expect(encodeRanges(ranges)).toBe(text);
  });
});
