// Loads a mae/v1 model into one runtime session: onnxruntime-node (native) or
// onnxruntime-web's WebAssembly build running inside Node. The file is validated against
// the contract before any runtime sees it, so a wrong model fails with one readable message.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../shared/errors.ts';
import { checkMaeModel } from '../../shared/mae/contract.ts';
import { readOnnxFile } from './onnx-file.ts';
import { readWasmBinary, releaseWasmBinary } from './wasm-binary.ts';
import type { Backend, InferenceOutput, InferenceSession, ModelInfo } from './types.ts';

/** The slice of the onnxruntime API (common to -node and -web) that we use. */
export interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}
export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

/** How each runtime is obtained; tests replace `node` with a loader that fails. */
export interface RuntimeLoaders {
  node: (opts: { threads: number }) => Promise<OrtLike>;
  wasm: (opts: { threads: number }) => Promise<OrtLike>;
}

export interface LoadOptions {
  runtime: Backend;
  /** intra-op threads (node) or WebAssembly worker threads (wasm); default 1 */
  threads?: number;
  /** receives one line when the session falls back from node to wasm */
  log?: (msg: string) => void;
}

const require = createRequire(import.meta.url);

/**
 * Where onnxruntime-web keeps its .wasm/.mjs pair. By default it looks next to its own
 * module (import.meta.url), which breaks once the agent is bundled; pointing it at the
 * installed dist directory works both from source and from a bundle run beside node_modules.
 */
function wasmDistDir(): string | undefined {
  try {
    return dirname(require.resolve('onnxruntime-web'));
  } catch {
    return undefined; // not resolvable: let onnxruntime-web use its own lookup
  }
}

/** Set once onnxruntime-web has compiled its module: later sessions reuse it. */
let wasmCompiled = false;

type OrtWeb = typeof import('onnxruntime-web');

/**
 * onnxruntime-web with its .wasm file handed over as one buffer, freed after the first
 * session compiled it (why: wasm-binary.ts).
 */
function withOwnBinary(ort: OrtWeb, binary: ArrayBuffer): OrtLike {
  ort.env.wasm.wasmBinary = binary;
  return {
    Tensor: ort.Tensor as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create(model, options) {
        try {
          return (await ort.InferenceSession.create(model, options)) as unknown as OrtSessionLike;
        } finally {
          // compiled (or failed for good: onnxruntime-web never retries its initialisation)
          wasmCompiled = true;
          ort.env.wasm.wasmBinary = undefined;
          releaseWasmBinary(binary);
        }
      },
    },
  };
}

export const defaultLoaders: RuntimeLoaders = {
  node: async () => (await import('onnxruntime-node')) as unknown as OrtLike,
  wasm: async ({ threads }) => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    const dist = wasmDistDir();
    if (dist && ort.env.wasm.wasmPaths === undefined) {
      ort.env.wasm.wasmPaths = `${pathToFileURL(dist).href}/`;
    }
    const own = !wasmCompiled && dist !== undefined && ort.env.wasm.wasmBinary === undefined;
    const binary = own ? readWasmBinary(dist) : undefined;
    return binary ? withOwnBinary(ort, binary) : (ort as unknown as OrtLike);
  },
};

function sessionOptions(backend: Backend, threads: number): object {
  return {
    executionProviders: [backend === 'node' ? 'cpu' : 'wasm'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Spinning threads burn a core between windows; on a device that is pure waste.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/**
 * Loads and validates `path`, and opens one runtime session on it.
 *
 * Create it once per process and keep it: a session holds the model's weights and the
 * runtime's thread pool, and creating one costs far more than running it. Call close()
 * on shutdown. Throws UserError (naming the file) when the model breaks the mae/v1 contract.
 */
export async function loadModel(
  path: string,
  opts: LoadOptions,
  loaders: RuntimeLoaders = defaultLoaders,
): Promise<InferenceSession> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
  const file = await readOnnxFile(path);
  const meta = checkMaeModel(file.name, file.props, file.inputs, file.outputs);
  const model: ModelInfo = { name: file.name, sha256: file.sha256, ...meta };

  let backend: Backend = opts.runtime;
  let fallbackReason: string | null = null;
  let ort: OrtLike;
  if (backend === 'node') {
    try {
      ort = await loaders.node({ threads });
    } catch (e) {
      fallbackReason = `onnxruntime-node failed to load (${(e as Error)?.message ?? String(e)}); using WebAssembly`;
      opts.log?.(`${file.name}: ${fallbackReason}`);
      backend = 'wasm';
      ort = await loaders.wasm({ threads });
    }
  } else {
    ort = await loaders.wasm({ threads });
  }

  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(file.bytes, sessionOptions(backend, threads));
  } catch (e) {
    // The contract checks passed, so this is a graph the runtime cannot execute (bad op, opset).
    throw new UserError(
      `${file.name}: the ${backend} runtime cannot load the model: ${(e as Error)?.message ?? e}`,
      'model-runtime',
    );
  }

  const { window: t, latentDim: k } = meta;
  const c = meta.channels.length;
  let closed = false;
  return {
    model,
    backend,
    fallbackReason,
    async run(x: Float32Array, mask: Float32Array, n: number): Promise<InferenceOutput> {
      if (closed) throw new Error('inference session is closed');
      const size = n * t * c;
      if (!Number.isInteger(n) || n < 1 || x.length !== size || mask.length !== size) {
        throw new RangeError(
          `run(): x and mask must hold n·T·C = ${n}·${t}·${c} = ${size} values (got ${x.length}, ${mask.length})`,
        );
      }
      const dims = [n, t, c];
      const out = await session.run({
        x: new ort.Tensor('float32', x, dims),
        mask: new ort.Tensor('float32', mask, dims),
      });
      const latent = out.latent?.data;
      const recon = out.recon?.data;
      if (!(latent instanceof Float32Array) || latent.length !== n * k) {
        throw new Error(`${file.name}: output "latent" is not float32 [${n}, ${k}]`);
      }
      if (!(recon instanceof Float32Array) || recon.length !== size) {
        throw new Error(`${file.name}: output "recon" is not float32 [${n}, ${t}, ${c}]`);
      }
      return { latent, recon };
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
