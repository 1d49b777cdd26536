// The wiring, and only the wiring: source → window → missing values → normalize → level
// shift → bounded queue → batched inference → sketches/snapshots → publish. Every stage lives in its own
// file under operators/; here they are put in order.
import { identity, Observable, Subject, takeUntil, tap } from 'rxjs';
import { Rng } from '../../mae/rng.ts';
import type { InferenceSession } from '../inference/types.ts';
import type { Sample, Source } from '../sources/types.ts';
import type { PipelineCounters } from './counters.ts';
import { float32Pool, float64Pool } from './buffers.ts';
import { BoundedQueue, drainInBatches } from './operators/bounded-queue.ts';
import { createInfer } from './operators/infer.ts';
import { missingValues, type MissingPolicy } from './operators/missing.ts';
import { levelShift, type LevelShiftOptions } from './operators/level-shift.ts';
import { normalize } from './operators/normalize.ts';
import { summarize, type Snapshot, type SummarizeOptions } from './operators/summarize.ts';
import { windowing } from './operators/window.ts';
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
  levelShift?: Pick<LevelShiftOptions, 'watch' | 'meanWindow' | 'fitWindows'>;
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
  // Per-window buffers are recycled: window → normalize (raw values), normalize → infer (inputs).
  const cells = model.window * model.channels.length;
  const rawPool = float64Pool(cells);
  const inputPool = float32Pool(cells);
  const infer = createInfer({ session, rng: new Rng(o.maskSeed), counters, inputPool });

  const done = new Promise<void>((resolve, reject) => {
    samples
      .pipe(
        takeUntil(stop$),
        windowing(
          { size: model.window, hop: o.hop, channels: model.channels.length, pool: rawPool },
          registry,
        ),
        tap(() => counters.windowsIn++),
        missingValues(
          o.missing,
          { channels: model.channels.length, fallback: model.normMean, counters },
          registry,
        ),
        normalize({ mean: model.normMean, std: model.normStd, rawPool, pool: inputPool }, registry),
        o.levelShift
          ? levelShift(
              {
                window: model.window,
                channels: model.channels.length,
                hop: o.hop,
                ...o.levelShift,
              },
              registry,
            )
          : identity,
        drainInBatches(
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
