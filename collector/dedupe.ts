// Dedupe on (device, boot, seq) with a window for late, out-of-order delivery. What has been
// accepted of a boot is its high-water mark and the seqs seen in (hwm − window, hwm], kept as
// ranges: a device that publishes in order has one range, so a mark is a few numbers, not
// the window's worth of seqs that was copied, kept and serialized for every message.

export interface SeenMark {
  hwm: number;
  /**
   * accepted seqs in (hwm − window, hwm] as inclusive ranges [a0, b0, a1, b1, …]: ascending,
   * disjoint, never adjacent
   */
  ranges: readonly number[];
}

export function seenKey(fleet: string, device: string, boot: string): string {
  return `${fleet}\u0000${device}\u0000${boot}`;
}

/** True when `seq` was accepted before, or is too old for the window to tell (then: a duplicate). */
export function checkSeen(mark: SeenMark | undefined, seq: number, window: number): boolean {
  if (!mark || seq > mark.hwm) return false;
  if (seq <= mark.hwm - window) return true;
  const r = mark.ranges;
  for (let i = 0; i < r.length; i += 2) {
    if (seq < r[i]!) return false;
    if (seq <= r[i + 1]!) return true;
  }
  return false;
}

/** The mark after accepting `seq`. */
export function markSeen(mark: SeenMark | undefined, seq: number, window: number): SeenMark {
  const hwm = mark ? Math.max(mark.hwm, seq) : seq;
  const floor = hwm - window;
  const out: number[] = [];
  const r = mark?.ranges ?? [];
  let placed = false;
  for (let i = 0; i < r.length; i += 2) {
    if (!placed && seq < r[i]!) {
      append(out, floor, seq, seq);
      placed = true;
    }
    append(out, floor, r[i]!, r[i + 1]!);
  }
  if (!placed) append(out, floor, seq, seq);
  return { hwm, ranges: out };
}

/** Appends [a, b] cut to the window (above `floor`), merged into the last range when they touch. */
function append(out: number[], floor: number, a: number, b: number): void {
  if (b <= floor) return;
  const from = a <= floor ? floor + 1 : a;
  const n = out.length;
  if (n > 0 && from <= out[n - 1]! + 1) {
    if (b > out[n - 1]!) out[n - 1] = b;
  } else out.push(from, b);
}

/** The ranges as stored: "a:b,c:d" (compact and cheap to write for every batch). */
export function encodeRanges(ranges: readonly number[]): string {
  let s = '';
  for (let i = 0; i < ranges.length; i += 2) s += `${i ? ',' : ''}${ranges[i]}:${ranges[i + 1]}`;
  return s;
}

/**
 * Reads a stored mark's seqs: "a:b,…", or a JSON array of single seqs in any order, as
 * files written before ranges hold them.
 */
export function decodeRanges(text: string): number[] {
  if (text.startsWith('[')) {
    const seqs = (JSON.parse(text) as number[]).sort((x, y) => x - y);
    const out: number[] = [];
    for (const s of seqs) append(out, -Infinity, s, s);
    return out;
  }
  if (text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split(':');
    out.push(Number(a), Number(b));
  }
  return out;
}
