// onnxruntime-web's .wasm file, handed to it as one ArrayBuffer that is freed once compiled.
//
// Why: left to itself in Node, onnxruntime-web reads the file into a Buffer and copies it into
// a new Uint8Array before compiling, and V8 keeps a third copy of its own for the module's
// lifetime. The two JavaScript copies live until a garbage collection, and when the second one
// is made before the first is collected the agent's peak RSS holds both: the peak decides
// whether systemd's MemoryMax kills the agent. Given an ArrayBuffer (env.wasm.wasmBinary), the
// runtime wraps it without a copy; once the module is compiled that buffer is detached, so
// neither we nor the runtime (which keeps a reference but only reads it to compile) hold it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The build `import('onnxruntime-web')` loads in Node (CPU only: no WebGPU, no JSPI). */
export const WASM_FILE = 'ort-wasm-simd-threaded.wasm';

/** The file in `dir` as an ArrayBuffer of exactly its size, or undefined when unreadable. */
export function readWasmBinary(dir: string): ArrayBuffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, WASM_FILE));
  } catch {
    return undefined; // not there: the runtime finds (or fails to find) its file by itself
  }
  // A Buffer may be a slice of a larger pooled ArrayBuffer: hand over only the file.
  const { buffer, byteOffset, byteLength } = bytes;
  return byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer
    ? buffer
    : (buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
}

/**
 * Detaches `binary` (its memory goes with a clone nobody keeps): after compiling, V8 has its
 * own copy, and onnxruntime-web's pthread workers receive the compiled module, not the bytes.
 */
export function releaseWasmBinary(binary: ArrayBuffer): void {
  if (binary.byteLength > 0) structuredClone(binary, { transfer: [binary] });
}
