// Writes a trained MAE as a mae/v1 .onnx with onnx-proto: opset 13, IR version 8, float32
// initializers as raw_data, a symbolic batch dim "N", and the contract's metadata_props.
// The node list mirrors model.ts's forward() op for op, so both give the same numbers.
import onnxPkg from 'onnx-proto';
import { maeMetadataProps, type MaeMetadata } from '../shared/mae/contract.ts';
import { VERSION } from '../shared/version.ts';
import { paramShapes, PARAM_NAMES } from './model.ts';
import type { TrainedMae } from './train.ts';

const { onnx } = onnxPkg;
const FLOAT = 1;
const INT64 = 7;

function floatInit(name: string, dims: number[], data: Float32Array) {
  // copy into a fresh buffer: `data` may be a view into a larger one
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dims, dataType: FLOAT, rawData: raw };
}

function int64Init(name: string, values: number[]) {
  const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  return { name, dims: [values.length], dataType: INT64, rawData: raw };
}

function valueInfo(name: string, dims: Array<number | 'N'>) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (d === 'N' ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  };
}

/** What the exporter needs besides the weights: channel names, norm stats, band. */
export type ExportMeta = Omit<MaeMetadata, 'window' | 'latentDim' | 'maskRatio'>;

export function exportOnnx(m: TrainedMae, meta: ExportMeta): Uint8Array {
  const { window: t, channels: c, latentDim: k } = m.dims;
  if (meta.channels.length !== c) {
    throw new Error(`exportOnnx: ${meta.channels.length} channel names for a ${c}-channel model`);
  }
  const tc = t * c;
  const shapes = paramShapes(m.dims);
  const node = (opType: string, input: string[], output: string, attribute: object[] = []) => ({
    opType,
    input,
    output: [output],
    name: output,
    attribute,
  });
  const nodes = [
    node('Sub', ['one', 'mask'], 'visible_mask'),
    node('Mul', ['x', 'visible_mask'], 'x_visible'),
    node('Reshape', ['x_visible', 'flat_shape'], 'x_flat'),
    node('Reshape', ['mask', 'flat_shape'], 'mask_flat'),
    node('Concat', ['x_flat', 'mask_flat'], 'h0', [{ name: 'axis', type: 2, i: 1 }]),
    node('MatMul', ['h0', 'W1'], 'h1_lin'),
    node('Add', ['h1_lin', 'b1'], 'h1_pre'),
    node('Tanh', ['h1_pre'], 'h1'),
    node('MatMul', ['h1', 'W2'], 'latent_lin'),
    node('Add', ['latent_lin', 'b2'], 'latent'),
    node('MatMul', ['latent', 'W3'], 'h3_lin'),
    node('Add', ['h3_lin', 'b3'], 'h3_pre'),
    node('Tanh', ['h3_pre'], 'h3'),
    node('MatMul', ['h3', 'W4'], 'recon_lin'),
    node('Add', ['recon_lin', 'b4'], 'recon_flat'),
    node('Reshape', ['recon_flat', 'recon_shape'], 'recon'),
  ];
  const initializer = [
    floatInit('one', [], new Float32Array([1])),
    int64Init('flat_shape', [-1, tc]),
    int64Init('recon_shape', [-1, t, c]),
    ...PARAM_NAMES.map((name) => floatInit(name, shapes[name], m.weights[name])),
  ];
  const props = maeMetadataProps({ ...meta, window: t, latentDim: k, maskRatio: m.maskRatio });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'redband',
    producerVersion: VERSION,
    graph: {
      name: 'redband_mae',
      node: nodes,
      initializer,
      input: [valueInfo('x', ['N', t, c]), valueInfo('mask', ['N', t, c])],
      output: [valueInfo('latent', ['N', k]), valueInfo('recon', ['N', t, c])],
    },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
