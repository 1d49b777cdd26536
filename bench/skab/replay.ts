// One file through the product: the REAL agent, in-process, from a device config file (as
// `redband agent --config FILE --replay CSV --speed max --publish stdout`), with its stdout
// sink writing into memory instead of the terminal. Every published line is decoded with
// the collector's decoder (shared/schema decodeMetrics, what its ingest gate runs), so the
// rules see exactly what a collector would receive. Also reads every sensor column once
// through the same csv source, for the raw-sample baseline.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createAgent } from '../../agent/agent.ts';
import { loadAgentConfig, type LoadedConfig } from '../../agent/config/load.ts';
import { samplesOfWindows } from '../../agent/pipeline/operators/level-shift.ts';
import { fitWindows } from '../../agent/pipeline/limits.ts';
import { createCsvSource } from '../../agent/sources/csv/index.ts';
import { UserError } from '../../shared/errors.ts';
import { decodeMetrics, decodeStatus, type MetricsMessage } from '../../shared/schema/index.ts';

export interface RawReplay {
  channels: readonly string[];
  times: Float64Array;
  /** one Float64Array per row */
  rows: Float64Array[];
}

/** Every row of `path` (the given columns) through the agent's csv source. */
export async function readThroughSource(path: string, columns: string[]): Promise<RawReplay> {
  const source = createCsvSource({ path, columns, speed: 'max', label_columns: ['anomaly'] });
  const times: number[] = [];
  const rows: Float64Array[] = [];
  const it = source.pull!();
  for (let r = await it.next(); !r.done; r = await it.next()) {
    for (const s of r.value) {
      times.push(s.t);
      rows.push(Float64Array.from(s.values));
    }
  }
  return { channels: source.channels, times: Float64Array.from(times), rows };
}

/** Which rows of a file the agent's warm-up reads: [0, warmup) in all, [0, fit) fit the baselines. */
export interface WarmupRows {
  /** the model's window T */
  window: number;
  hop: number;
  /** W, F (windows) */
  warmupWindows: number;
  fitWindows: number;
  /** rows read by the warm-up windows, and by the fit part (also the level-shift fit samples) */
  warmupRows: number;
  fitRows: number;
}

/** The rows a config's warm-up covers: window i (0-based) ends at row T − 1 + i·hop. */
export function warmupRowsOf(loaded: LoadedConfig, modelWindow: number): WarmupRows {
  const c = loaded.config;
  const hop = c.pipeline.hop;
  const w = c.baseline.warmup_windows;
  const f = fitWindows(w, c.baseline.fit_fraction);
  const o = { window: modelWindow, hop };
  return {
    window: modelWindow,
    hop,
    warmupWindows: w,
    fitWindows: f,
    warmupRows: samplesOfWindows(o, w),
    fitRows: samplesOfWindows(o, f),
  };
}

export interface AgentRun {
  /** every metrics message the agent published, decoded as the collector decodes them */
  messages: MetricsMessage[];
  warmup: WarmupRows;
  /** the config as loaded (after the replay/speed/publish overrides) */
  loaded: LoadedConfig;
}

/**
 * Runs the agent configured by `configFile` over `csv` at max speed and returns what it
 * published. `model` overrides `model.path` (as `--model`); `device` names the device.
 */
export async function replayThroughAgent(
  configFile: string,
  csv: string,
  o: { model?: string; device: string },
): Promise<AgentRun> {
  const loaded = loadAgentConfig(configFile, {
    replay: csv,
    speed: 'max',
    publish: 'stdout',
    device: o.device,
    ...(o.model !== undefined ? { model: o.model } : {}),
  });
  const chunks: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      cb();
    },
  });
  // Only errors are logged (a stage error is counted and the stream goes on in the agent;
  // here it fails the file, since the scores would not be the product's).
  const errors: string[] = [];
  const log = pino(
    { level: 'error' },
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        errors.push(String(chunk).trim());
        cb();
      },
    }),
  );
  const agent = await createAgent(loaded, { log, stdout });
  const warmup = warmupRowsOf(loaded, agent.session.model.window);
  await agent.start();
  await agent.finished;
  if (errors.length > 0) {
    throw new UserError(`${csv}: the agent logged errors: ${errors.slice(0, 3).join('; ')}`);
  }
  const lines = chunks
    .join('')
    .split('\n')
    .filter((l) => l !== '');
  const messages: MetricsMessage[] = [];
  for (const line of lines) {
    const m = decodeMetrics(line);
    if (m.ok) {
      messages.push(m.value);
      continue;
    }
    if (!decodeStatus(line).ok) {
      throw new UserError(
        `${csv}: the agent published a line the collector rejects: ${m.error.message}`,
      );
    }
  }
  const bad = messages.at(-1)?.health;
  if (bad && bad.windows_dropped > 0) {
    throw new UserError(
      `${csv}: the agent dropped ${bad.windows_dropped} windows (must be lossless)`,
    );
  }
  return { messages, warmup, loaded };
}
