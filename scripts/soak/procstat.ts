// Resident memory and CPU time of a process from /proc (Linux), read by pid: the soak's
// children are `node` processes started directly, so the pid is the one doing the work.
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ; /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_S = 100;

export interface ProcSample {
  rssBytes: number;
  /** user + system CPU seconds since the process started */
  cpuS: number;
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!rss) return null;
    return { rssBytes: Number(rss[1]) * 1024, cpuS: ticks / TICKS_PER_S };
  } catch {
    return null;
  }
}

/**
 * A byte series of one group of processes: RSS (the collector; the agents summed) or the
 * collector's JS heap.
 */
export class ByteSeries {
  readonly samples: { t: number; bytes: number; perProcess: number[] }[] = [];

  /** `perProcess[i]` is NaN while process i cannot be read */
  add(t: number, perProcess: number[]): void {
    const alive = perProcess.filter(Number.isFinite);
    this.samples.push({ t, bytes: alive.reduce((a, b) => a + b, 0), perProcess });
  }

  /** median total of the first `n` samples at or after `from` (GC makes single samples noisy) */
  startBytes(from: number, n = 3): number | null {
    return median(
      this.samples
        .filter((s) => s.t >= from)
        .slice(0, n)
        .map((s) => s.bytes),
    );
  }

  endBytes(n = 3): number | null {
    return median(this.samples.slice(-n).map((s) => s.bytes));
  }

  /** the same per process (index i), for the largest single growth */
  perProcessStart(from: number, i: number, n = 3): number | null {
    return median(
      this.samples
        .filter((s) => s.t >= from)
        .slice(0, n)
        .map((s) => s.perProcess[i] ?? NaN)
        .filter(Number.isFinite),
    );
  }

  perProcessEnd(i: number, n = 3): number | null {
    return median(
      this.samples
        .slice(-n)
        .map((s) => s.perProcess[i] ?? NaN)
        .filter(Number.isFinite),
    );
  }
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
