// Defaults of the benchmarks, apart from the measuring code: the CLI builds `redband bench`'s
// options at startup and must not load the agent, pino and onnxruntime to do it.

export interface AgentBenchOptions {
  /** wall-clock seconds of the max-speed throughput run */
  throughputSeconds: number;
  /** wall-clock seconds of the 10× footprint run */
  seconds: number;
  /** replay speed of the footprint run */
  speed: number;
}

export const DEFAULT_AGENT_BENCH: AgentBenchOptions = {
  throughputSeconds: 5,
  seconds: 60,
  speed: 10,
};
