// A native Gram kernel: onnxruntime's CPU Gemm (MLAS, SIMD) computes YᵀY for a
// centered batch. Its Gemm supports double, so the float64 path matches the
// pure-JS result to round-off. Two graphs, written in memory with onnx-proto:
//  - gram: Gemm(Y, Y, transA = 1) of an already centered batch (gramAsync);
//  - moments (float64): D = X − s, G = Gemm(D, D, transA = 1), c = Gemm(1, D, transA = 1),
//    so one run takes the raw batch and returns its shifted scatter and column sums
//    (shiftedMomentsAsync) and JavaScript only merges, O(k²).
// If onnxruntime-node cannot load (no native binary for the platform, e.g. on a
// device), the kernel falls back to the pure-JS blocked kernel and says why.
import type * as Ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  type AsyncGramKernel,
  type ShiftedMoments,
  type ShiftedMomentsKernel,
  blockedGramKernel,
  shiftBatchInto,
} from '../shared/covariance/gram.ts';

const { onnx } = onnxProto;

export type GramPrecision = 'float64' | 'float32';

export interface OrtGramKernelOptions {
  /** float32 is faster (~1.5× at k = 64) but only accurate to ~1e-7 relative */
  precision?: GramPrecision;
  /** intra-op threads; 1 is fastest for batches of a few hundred rows */
  threads?: number;
  /** extra onnxruntime session options (benchmarks compare them) */
  sessionOptions?: Ort.InferenceSession.SessionOptions;
  /** how to load onnxruntime-node (tests inject a failing loader) */
  loadRuntime?: () => Promise<typeof Ort>;
}

export interface LoadedGramKernel extends AsyncGramKernel, ShiftedMomentsKernel {
  readonly backend: 'onnxruntime' | 'js';
  readonly precision: GramPrecision;
  /** why the native backend is not in use */
  readonly fallbackReason?: string;
  release(): Promise<void>;
}

/** Serialized ONNX model: G = Xᵀ X for X of shape [rows, k], both dimensions symbolic. */
export function gramModelBytes(precision: GramPrecision): Uint8Array {
  const elemType =
    precision === 'float64' ? onnx.TensorProto.DataType.DOUBLE : onnx.TensorProto.DataType.FLOAT;
  const tensor = (name: string, dims: string[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } },
    });
  const gemm = onnx.NodeProto.create({
    opType: 'Gemm',
    input: ['X', 'X'],
    output: ['G'],
    attribute: [{ name: 'transA', i: 1, type: onnx.AttributeProto.AttributeType.INT }],
  });
  const graph = onnx.GraphProto.create({
    name: 'gram',
    node: [gemm],
    input: [tensor('X', ['rows', 'k'])],
    output: [tensor('G', ['k', 'k'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Serialized ONNX model of the shifted moments of X [rows, k] about S [k]:
 * D = X − S, G = DᵀD [k, k] and C = ONESᵀ·D [1, k] (ONES: [rows, 1] of 1s, fed by the
 * caller). Measured at k = 64, 256 rows, 1 thread: this second Gemm beats ReduceSum over
 * axis 0 (~8 µs) and Gemm(D, ONES) (~2 µs); splitting the product into column blocks to
 * skip the lower triangle (SYRK-like, 2 or 4 blocks) is slower: the extra Slice/Gemm
 * nodes cost more than the quarter of the flops they save. Session options (graph
 * optimization level, memory pattern, CPU arena, a fixed row count) changed nothing
 * beyond noise.
 */
export function shiftedMomentsModelBytes(): Uint8Array {
  const elemType = onnx.TensorProto.DataType.DOUBLE;
  const tensor = (name: string, dims: string[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: {
            dim: dims.map((d) => (/^[0-9]+$/.test(d) ? { dimValue: Number(d) } : { dimParam: d })),
          },
        },
      },
    });
  const transA = [{ name: 'transA', i: 1, type: onnx.AttributeProto.AttributeType.INT }];
  const graph = onnx.GraphProto.create({
    name: 'shifted_moments',
    node: [
      onnx.NodeProto.create({ opType: 'Sub', input: ['X', 'S'], output: ['D'] }),
      onnx.NodeProto.create({
        opType: 'Gemm',
        input: ['D', 'D'],
        output: ['G'],
        attribute: transA,
      }),
      onnx.NodeProto.create({
        opType: 'Gemm',
        input: ['ONES', 'D'],
        output: ['C'],
        attribute: transA,
      }),
    ],
    input: [tensor('X', ['rows', 'k']), tensor('S', ['k']), tensor('ONES', ['rows', '1'])],
    output: [tensor('G', ['k', 'k']), tensor('C', ['1', 'k'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function createOrtGramKernel(
  options: OrtGramKernelOptions = {},
): Promise<LoadedGramKernel> {
  const precision = options.precision ?? 'float64';
  let ort: typeof Ort;
  let session: Ort.InferenceSession;
  let momentsSession: Ort.InferenceSession | undefined;
  try {
    ort = await (options.loadRuntime ?? (() => import('onnxruntime-node')))();
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      ...options.sessionOptions,
    };
    session = await ort.InferenceSession.create(gramModelBytes(precision), sessionOptions);
    if (precision === 'float64') {
      momentsSession = await ort.InferenceSession.create(
        shiftedMomentsModelBytes(),
        sessionOptions,
      );
    }
  } catch (e) {
    return jsFallback(precision, `onnxruntime-node unavailable: ${(e as Error).message}`);
  }

  // Preallocated outputs skip an allocation per run (~30% faster at k = 64); runs are
  // serialized so two batches never write the same output buffer.
  const outputs = new Map<number, Ort.Tensor>();
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(job: () => Promise<T>): Promise<T> => {
    const next = queue.then(job);
    queue = next.catch(() => undefined);
    return next;
  };
  const gram = async (y: Float64Array, count: number, k: number): Promise<Float64Array> => {
    let output = outputs.get(k);
    if (!output) {
      const buffer = precision === 'float64' ? new Float64Array(k * k) : new Float32Array(k * k);
      output = new ort.Tensor(buffer, [k, k]);
      outputs.set(k, output);
    }
    const data = y.subarray(0, count * k);
    const input =
      precision === 'float64'
        ? new ort.Tensor('float64', data, [count, k])
        : new ort.Tensor('float32', Float32Array.from(data), [count, k]);
    const result = await session.run({ X: input }, { G: output });
    return Float64Array.from(result.G!.data as Float64Array | Float32Array);
  };

  let shiftedMoments: LoadedGramKernel['shiftedMomentsAsync'];
  if (momentsSession) {
    const native = momentsSession;
    // Per k: the output tensors (read in place by `consume`); per row count: a ones column.
    const fetchesByK = new Map<number, { G: Ort.Tensor; C: Ort.Tensor }>();
    const ones = new Map<number, Ort.Tensor>();
    shiftedMoments = (rows, count, k, shift, consume) =>
      serialized(async () => {
        let fetches = fetchesByK.get(k);
        if (!fetches) {
          fetches = {
            G: new ort.Tensor('float64', new Float64Array(k * k), [k, k]),
            C: new ort.Tensor('float64', new Float64Array(k), [1, k]),
          };
          fetchesByK.set(k, fetches);
        }
        let column = ones.get(count);
        if (!column) {
          column = new ort.Tensor('float64', new Float64Array(count).fill(1), [count, 1]);
          if (ones.size > 8) ones.clear();
          ones.set(count, column);
        }
        const feeds = {
          X: new ort.Tensor('float64', rows.subarray(0, count * k), [count, k]),
          S: new ort.Tensor('float64', shift.subarray(0, k), [k]),
          ONES: column,
        };
        const result = await native.run(feeds, fetches);
        // Runs on the same microtask turn as the native run's completion, before the
        // queue lets the next batch overwrite the outputs.
        return consume({
          gram: result.G!.data as Float64Array,
          sums: result.C!.data as Float64Array,
        });
      });
  } else {
    // float32: shift in float64 here (a float32 shift would round away the offsets),
    // then the float32 Gram product.
    shiftedMoments = async (rows, count, k, shift, consume) => {
      const y = new Float64Array(count * k);
      const sums = new Float64Array(k);
      shiftBatchInto(rows, count, k, shift, y, sums);
      const g = await serialized(() => gram(y, count, k));
      return consume({ gram: g, sums });
    };
  }

  return {
    name: momentsSession ? `onnxruntime-moments-${precision}` : `onnxruntime-gemm-${precision}`,
    backend: 'onnxruntime',
    precision,
    gramAsync: (y, count, k) => serialized(() => gram(y, count, k)),
    shiftedMomentsAsync: shiftedMoments,
    release: async () => {
      await session.release();
      await momentsSession?.release();
    },
  };
}

function jsFallback(precision: GramPrecision, reason: string): LoadedGramKernel {
  return {
    name: blockedGramKernel.name,
    backend: 'js',
    precision: 'float64',
    fallbackReason: `${reason}; using the pure-JS kernel (float64${precision === 'float32' ? ', float32 not available' : ''})`,
    gramAsync: (y, count, k) => Promise.resolve(blockedGramKernel.gram(y, count, k)),
    shiftedMomentsAsync: (rows, count, k, shift, consume) => {
      try {
        return Promise.resolve(consume(jsShiftedMoments(rows, count, k, shift)));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    release: () => Promise.resolve(),
  };
}

/** The same moments in JavaScript: one shift pass, then the blocked Gram product. */
export function jsShiftedMoments(
  rows: Float64Array,
  count: number,
  k: number,
  shift: Float64Array,
): ShiftedMoments {
  const y = new Float64Array(count * k);
  const sums = new Float64Array(k);
  shiftBatchInto(rows, count, k, shift, y, sums);
  return { gram: blockedGramKernel.gram(y, count, k), sums };
}
