// What every source plugin produces: timestamped samples of C channels.
import type { Observable } from 'rxjs';
import type { z } from 'zod';
import type { ComponentFactory } from '../component.ts';
import type { SourceStats } from './common/stats.ts';
import type { SourceDeps } from './deps.ts';

export interface Sample {
  /** data time, Unix epoch ms (from the data itself for replays; simulated time for `sim`) */
  t: number;
  /** one value per channel, in `Source.channels` order; NaN marks a missing value */
  values: Float64Array;
}

/** A labelled injected fault (sim) or a labelled anomaly (replayed data), for scoring detection. */
export interface FaultLabel {
  kind: string;
  /** affected channel names; empty = all */
  channels: string[];
  /** data time, epoch ms, inclusive */
  start: number;
  /** data time, epoch ms, exclusive */
  end: number;
}

export interface Source {
  /** the type of the factory that built it, stamped by createSource */
  readonly kind: string;
  readonly channels: readonly string[];
  /** Cold observable of samples; completes at end of data (replays) or never (live sources). */
  samples(): Observable<Sample>;
  /** Ground-truth labels when the source knows them (sim faults, SKAB labels). */
  labels(): readonly FaultLabel[];
  /**
   * Lossless pull, for finite replays at maximum speed: the pipeline asks for the next chunk
   * only when it has room, so nothing is dropped. Live sources do not have it: they push, and
   * the pipeline's bounded queue drops (and counts) what it cannot keep up with.
   */
  pull?(): AsyncIterator<Sample[]>;
}

/** A source with the counters the agent publishes in its health message. */
export interface StatefulSource extends Source {
  stats(): SourceStats;
}

/** What a source plugin registers: its kind, its config schema (without `kind`), its factory. */
export type SourceFactory<
  Type extends string = string,
  Schema extends z.ZodObject = z.ZodObject,
> = ComponentFactory<Type, Schema, SourceDeps, StatefulSource>;
