// A .onnx model's declared interface (inputs, outputs, metadata_props), decoded from its
// bytes by reading the protobuf ourselves. Why not ask the runtime: onnxruntime-node and -web
// expose input/output shapes but not metadata_props, and decoding first lets us reject a bad
// file with a readable message before any runtime prints its own error. Pure (bytes in):
// the agent reads the file (agent/inference/onnx-file.ts), training checks what it wrote.
import { createHash } from 'node:crypto';
import onnxPkg from 'onnx-proto';
import { UserError } from '../errors.ts';
import type { TensorDecl } from './contract.ts';

const { onnx } = onnxPkg;

/** ONNX TensorProto.DataType → the dtype names onnxruntime uses. */
const DTYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export interface OnnxFileInfo {
  /** file name without directory, for messages */
  name: string;
  bytes: Uint8Array;
  sha256: string;
  props: Record<string, string>;
  inputs: TensorDecl[];
  outputs: TensorDecl[];
}

function tensorDecl(v: onnxPkg.onnx.IValueInfoProto): TensorDecl {
  const tt = v.type?.tensorType;
  if (!tt) return { name: v.name ?? '', dtype: 'unknown', shape: null };
  const shape = tt.shape
    ? (tt.shape.dim ?? []).map((d) => {
        // dim_value arrives as a protobufjs Long (or number); 0/absent means not fixed
        const n = d.dimValue == null ? 0 : Number(d.dimValue.toString());
        return d.dimParam || n <= 0 ? null : n;
      })
    : null;
  return { name: v.name ?? '', dtype: DTYPES[tt.elemType ?? 0] ?? 'unknown', shape };
}

/** Decodes an in-memory model; `name` is used in error messages. */
export function describeOnnx(name: string, bytes: Uint8Array): OnnxFileInfo {
  let model: onnxPkg.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    throw new UserError(
      `${name}: not an ONNX model (the file does not decode as ModelProto)`,
      'model-format',
    );
  }
  // Arbitrary bytes sometimes decode "successfully" into an empty message: require a graph.
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0 || !model.irVersion) {
    throw new UserError(`${name}: not an ONNX model (no graph found)`, 'model-format');
  }
  const props: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) props[p.key] = p.value ?? '';
  // Initializers may be listed among the inputs (older exporters); they are not fed by us.
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    name,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    props,
    inputs: (graph.input ?? []).filter((v) => !inits.has(v.name ?? '')).map(tensorDecl),
    outputs: (graph.output ?? []).map(tensorDecl),
  };
}
