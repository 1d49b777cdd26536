// A minimal mae/v1 model built by hand with onnx-proto — a different export path than
// mae/export.ts, so the loader is tested against the contract rather than against our own
// exporter. recon = x (Identity); latent = flatten(x ⊙ mask) · W with W[i, j] = (i + j) / 100.
import onnxPkg from 'onnx-proto';

const { onnx } = onnxPkg;

export interface FixtureSpec {
  window: number;
  channels: number;
  latent: number;
  /** metadata overrides; undefined removes the key */
  props?: Record<string, string | undefined>;
  /** per graph input/output: dims ('N' symbolic) and ONNX elem type */
  shapes?: Partial<Record<'x' | 'mask' | 'latent' | 'recon', Array<number | 'N'>>>;
  elemTypes?: Partial<Record<'x' | 'mask' | 'latent' | 'recon', number>>;
  /** rename graph inputs/outputs */
  names?: Partial<Record<'x' | 'mask' | 'latent' | 'recon', string>>;
}

export function fixtureWeights(tc: number, k: number): Float32Array {
  const w = new Float32Array(tc * k);
  for (let i = 0; i < tc; i++) for (let j = 0; j < k; j++) w[i * k + j] = (i + j) / 100;
  return w;
}

export function fixtureProps(t: number, c: number, k: number): Record<string, string> {
  return {
    'redband.contract': 'mae/v1',
    'redband.window': String(t),
    'redband.channels': JSON.stringify(Array.from({ length: c }, (_, i) => `s${i}`)),
    'redband.latent_dim': String(k),
    'redband.norm_mean': JSON.stringify(Array.from({ length: c }, () => 0)),
    'redband.norm_std': JSON.stringify(Array.from({ length: c }, () => 1)),
    'redband.mask_ratio': '0.5',
  };
}

export function buildFixture(spec: FixtureSpec): Uint8Array {
  const { window: t, channels: c, latent: k } = spec;
  const tc = t * c;
  const name = (n: 'x' | 'mask' | 'latent' | 'recon') => spec.names?.[n] ?? n;
  const info = (n: 'x' | 'mask' | 'latent' | 'recon', dims: Array<number | 'N'>) => ({
    name: name(n),
    type: {
      tensorType: {
        elemType: spec.elemTypes?.[n] ?? 1,
        shape: {
          dim: (spec.shapes?.[n] ?? dims).map((d) =>
            d === 'N' ? { dimParam: 'N' } : { dimValue: d },
          ),
        },
      },
    },
  });
  const w = fixtureWeights(tc, k);
  const props = { ...fixtureProps(t, c, k), ...spec.props };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'redband-test-fixture',
    graph: {
      name: 'fixture',
      node: [
        { opType: 'Identity', input: [name('x')], output: [name('recon')] },
        { opType: 'Mul', input: [name('x'), name('mask')], output: ['xm'] },
        { opType: 'Reshape', input: ['xm', 'shape'], output: ['flat'] },
        { opType: 'MatMul', input: ['flat', 'W'], output: [name('latent')] },
      ],
      initializer: [
        { name: 'W', dims: [tc, k], dataType: 1, rawData: new Uint8Array(w.buffer) },
        {
          name: 'shape',
          dims: [2],
          dataType: 7,
          rawData: new Uint8Array(new BigInt64Array([-1n, BigInt(tc)]).buffer),
        },
      ],
      input: [info('x', ['N', t, c]), info('mask', ['N', t, c])],
      output: [info('latent', ['N', k]), info('recon', ['N', t, c])],
    },
    metadataProps: Object.entries(props)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
