// The wiring, and only the wiring: source → prepare (window, missing values, normalize: per
// sample, operators/prepare.ts) → level shift → bounded queue → batched inference →
// sketches/snapshots → publish. Every stage lives in its own file under operators/; here they
// are put in order. From prepare to the queue a chunk's windows travel as one array.
import { identity, Observable, Subject, takeUntil } from 'rxjs';
import { Rng } from '../../shared/random.ts';
import type { InferenceSession } from '../inference/types.ts';
import type { Sample, Source } from '../sources/types.ts';
import type { PipelineCounters } from './counters.ts';
import { float32Pool } from './buffers.ts';
import { BoundedQueue, drainChunksInBatches } from './operators/bounded-queue.ts';
import { createInfer } from './operators/infer.ts';
import type { MissingPolicy } from './operators/missing.ts';
import { levelShiftChunks, type LevelShiftOptions } from './operators/level-shift.ts';
import { prepare } from './operators/prepare.ts';
import { summarize, type Snapshot, type SummarizeOptions } from './operators/summarize.ts';
import { pulledSamples } from './pull.ts';
import { runStage, type Stage, type StageRegistry } from './stage.ts';
import type { ModelWindow } from './types.ts';

export interface PipelineOptions {
  source: Source;
  session: InferenceSession;
  hop: number;
  batch: number;
  queueCapacity: number;
  missing: MissingPolicy;
  maskSeed: number;
  summarize: Omit<SummarizeOptions, 'counters'>;
  /** the level-shift statistic (drift_mean) of the normalized inputs; omitted: none */
  levelShift?: Omit<LevelShiftOptions, 'window' | 'channels' | 'hop'>;
  counters: PipelineCounters;
  registry: StageRegistry;
  /** the last stage: turns a snapshot into a message and hands it to the sink */
  publish: Stage<Snapshot, unknown>;
}

export interface RunningPipeline {
  queue: BoundedQueue<ModelWindow>;
  /** resolves when the pipeline has drained after the source ended or stop() */
  done: Promise<void>;
  /** stops the source; what is already in the pipeline is still processed and published */
  stop(): void;
}

export function startPipeline(o: PipelineOptions): RunningPipeline {
  const { source, session, counters, registry } = o;
  const model = session.model;
  // A pullable replay is consumed losslessly; a live source pushes and may be dropped from.
  const queue = new BoundedQueue<ModelWindow>(
    o.queueCapacity,
    source.pull ? 'lossless' : 'drop-oldest',
  );
  const samples: Observable<Sample | readonly Sample[]> = source.pull
    ? pulledSamples(() => source.pull!(), queue)
    : source.samples();
  const stop$ = new Subject<void>();
  // Model inputs are recycled: prepare takes them, inference gives them back once copied.
  const inputPool = float32Pool(model.window * model.channels.length);
  const infer = createInfer({ session, rng: new Rng(o.maskSeed), counters, inputPool });

  const done = new Promise<void>((resolve, reject) => {
    samples
      .pipe(
        takeUntil(stop$),
        prepare(
          {
            size: model.window,
            hop: o.hop,
            mean: model.normMean,
            std: model.normStd,
            missing: o.missing,
            counters,
            pool: inputPool,
          },
          registry,
        ),
        o.levelShift
          ? levelShiftChunks(
              {
                window: model.window,
                channels: model.channels.length,
                hop: o.hop,
                ...o.levelShift,
              },
              registry,
            )
          : identity,
        drainChunksInBatches(
          queue,
          {
            batch: o.batch,
            onError: (e) => {
              registry.register('infer').errors++;
              registry.onError('infer', e);
            },
          },
          infer,
        ),
        summarize({ ...o.summarize, counters }, registry),
        runStage(o.publish, registry),
      )
      .subscribe({ error: reject, complete: resolve });
  });

  return {
    queue,
    done,
    stop: () => {
      stop$.next();
      stop$.complete();
    },
  };
}
