// The pipeline's own health counters, shared by the stages that move them and read by
// the publisher when it builds a metrics message's `health` block.
import { LatencyReservoir } from './stats.ts';

export class PipelineCounters {
  windowsIn = 0;
  windowsDropped = 0;
  windowsBad = 0;
  samplesImputed = 0;
  windowsInferred = 0;
  /** errors captured by the stage wrapper and the inference stage */
  stageErrors = 0;
  readonly inferenceMs = new LatencyReservoir(1024);
}
