// Counters every source exposes, published by the agent in its health message.
export interface SourceStats {
  /** samples emitted */
  samples: number;
  /** input units (rows, messages, lines) rejected as a whole */
  malformed: number;
  /** individual values that were missing or unparseable and were passed on as NaN */
  missing: number;
  /** rejected input by cause, e.g. { 'not-json': 3 } */
  malformed_by_cause: Record<string, number>;
  /** source-specific extras (csv: rows, loops; mqtt: connected, reconnects; …) */
  [extra: string]: number | boolean | string | Record<string, number> | undefined;
}
