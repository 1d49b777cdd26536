// What each party of a benchmark phase used of the machine's cores, from /proc: the bench's
// main thread, how long it waited for a core, the process's other threads (GC helpers), the
// load generator's thread, and the broker's process. On a shared machine these say whether a
// rate moved because of the code or because of the neighbours.
import { readFileSync } from 'node:fs';
import { threadCpuSeconds, type LoadResult } from './collector-load.ts';

/** Cores used during a phase (CPU seconds / wall seconds); null where /proc is missing. */
export interface CpuShare {
  /** the bench's main thread: the subscriber (no-op or collector), and Aedes when embedded */
  main: number | null;
  /**
   * share of the phase the main thread was ready to run but waited for a core (Linux
   * schedstat): how much the other threads and processes held it back
   */
  main_waiting: number | null;
  /**
   * the bench process's threads other than main and the load generator: mostly V8's
   * parallel and concurrent GC helpers, which work for the main thread's allocations
   */
  helpers: number | null;
  load: number | null;
  mosquitto: number | null;
  /**
   * main-thread CPU µs per message the subscriber took: unlike the rates, this does not
   * depend on how much of the shared cores the other processes on the machine left us
   */
  main_us_per_msg: number | null;
}

/** CPU seconds of a process (utime + stime of all its threads), or null. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Seconds the calling thread has waited on a run queue (Linux schedstat), or null. */
function threadWaitSeconds(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return null;
  }
}

/** Measures the cores each party used while `phase` ran. */
export async function measured<T extends LoadResult>(
  mosquittoPid: number | undefined,
  phase: () => Promise<T>,
  messages: () => number,
): Promise<{ r: T; cpu: CpuShare }> {
  const t0 = performance.now();
  const w0 = threadWaitSeconds();
  const p0 = process.cpuUsage();
  const m0 = threadCpuSeconds();
  const q0 = processCpuSeconds(mosquittoPid);
  const r = await phase();
  const s = (performance.now() - t0) / 1000;
  const m1 = threadCpuSeconds();
  const q1 = processCpuSeconds(mosquittoPid);
  const w1 = threadWaitSeconds();
  const p1 = process.cpuUsage(p0);
  const processS = (p1.user + p1.system) / 1e6;
  const share = (a: number | null, b: number | null) =>
    a === null || b === null ? null : Number(((b - a) / s).toFixed(2));
  return {
    r,
    cpu: {
      main: share(m0, m1),
      main_waiting: share(w0, w1),
      helpers:
        m0 === null || m1 === null || r.cpuS === null
          ? null
          : Number(Math.max(0, (processS - (m1 - m0) - r.cpuS) / s).toFixed(2)),
      main_us_per_msg:
        m0 === null || m1 === null || messages() === 0
          ? null
          : Math.round(((m1 - m0) * 1e6) / messages()),
      load: r.cpuS === null ? null : Number((r.cpuS / s).toFixed(2)),
      mosquitto: share(q0, q1),
    },
  };
}
