import { describe, expect, it } from 'vitest';
import {
  checkMaeModel,
  ContractError,
  maeMetadataProps,
  parseMaeMetadata,
  type TensorDecl,
} from '../../../shared/mae/contract.ts';

const props = (over: Record<string, string | undefined> = {}) => {
  const base: Record<string, string | undefined> = {
    'redband.contract': 'mae/v1',
    'redband.window': '4',
    'redband.channels': '["a","b"]',
    'redband.latent_dim': '3',
    'redband.norm_mean': '[0,1]',
    'redband.norm_std': '[1,2]',
    'redband.mask_ratio': '0.5',
    ...over,
  };
  return Object.fromEntries(Object.entries(base).filter((e) => e[1] !== undefined)) as Record<
    string,
    string
  >;
};
const f32 = (name: string, shape: Array<number | null>): TensorDecl => ({
  name,
  dtype: 'float32',
  shape,
});
const inputs = [f32('x', [null, 4, 2]), f32('mask', [null, 4, 2])];
const outputs = [f32('latent', [null, 3]), f32('recon', [null, 4, 2])];

describe('parseMaeMetadata', () => {
  it('parses a complete set and round-trips through maeMetadataProps', () => {
    const band = '{"measure":"tc","low":0.5,"center":1,"high":2}';
    const meta = parseMaeMetadata('m.onnx', props({ 'redband.band': band }));
    expect(meta).toEqual({
      window: 4,
      channels: ['a', 'b'],
      latentDim: 3,
      normMean: [0, 1],
      normStd: [1, 2],
      maskRatio: 0.5,
      band: { measure: 'tc', low: 0.5, center: 1, high: 2, source: 'model' },
    });
    expect(parseMaeMetadata('m.onnx', maeMetadataProps(meta))).toEqual(meta);
  });

  it.each([
    [
      { 'redband.contract': undefined },
      'm.onnx: not a redband mae/v1 model (metadata redband.contract is missing)',
    ],
    [
      { 'redband.contract': 'mae/v2' },
      'metadata redband.contract is "mae/v2", this agent understands "mae/v1"',
    ],
    [{ 'redband.window': undefined }, 'metadata redband.window is missing'],
    [{ 'redband.window': '3.5' }, 'metadata redband.window is "3.5", expected a positive integer'],
    [
      { 'redband.latent_dim': '0' },
      'metadata redband.latent_dim is "0", expected a positive integer',
    ],
    [
      { 'redband.channels': '"a,b"' },
      'metadata redband.channels is not a non-empty JSON array of channel names',
    ],
    [{ 'redband.channels': '["a","a"]' }, 'metadata redband.channels names a channel twice'],
    [
      { 'redband.norm_mean': '[0]' },
      'metadata redband.norm_mean has 1 values, expected 2 (one per channel)',
    ],
    [
      { 'redband.norm_std': '[1,"x"]' },
      'metadata redband.norm_std is not a JSON array of finite numbers',
    ],
    [
      { 'redband.norm_std': '[1,0]' },
      'metadata redband.norm_std has a value ≤ 0 (the agent divides by it)',
    ],
    [
      { 'redband.mask_ratio': '1' },
      'metadata redband.mask_ratio is "1", expected a number in (0, 1)',
    ],
    [
      { 'redband.band': '{"measure":"tc","low":2,"center":1,"high":3}' },
      'metadata redband.band is not a valid band (band must satisfy low ≤ center ≤ high)',
    ],
    [
      { 'redband.band': '{"measure":"nope","low":0,"center":1,"high":3}' },
      'metadata redband.band is not a valid band (measure:',
    ],
  ])('%j → %s', (over, message) => {
    const run = () => parseMaeMetadata('m.onnx', props(over));
    expect(run).toThrow(ContractError);
    expect(run).toThrow(message);
  });

  it('names every problem in one message', () => {
    const run = () =>
      parseMaeMetadata('m.onnx', props({ 'redband.window': 'x', 'redband.mask_ratio': undefined }));
    expect(run).toThrow(/redband\.window is "x".*; metadata redband\.mask_ratio is missing/);
  });
});

describe('checkMaeModel', () => {
  it('accepts a conforming graph', () => {
    expect(checkMaeModel('m.onnx', props(), inputs, outputs).window).toBe(4);
  });

  const replace = (list: TensorDecl[], d: TensorDecl) =>
    list.map((e) => (e.name === d.name ? d : e));
  it.each([
    [
      'wrong channel count on mask',
      replace(inputs, f32('mask', [null, 4, 1])),
      outputs,
      'm.onnx: input "mask" has shape [?, 4, 1], expected [N, 4, 2] (redband.window is 4, redband.channels lists 2)',
    ],
    [
      'fixed batch',
      replace(inputs, f32('x', [1, 4, 2])),
      outputs,
      'input "x" has a fixed batch dimension 1, expected a dynamic N',
    ],
    [
      'rank',
      inputs,
      replace(outputs, f32('latent', [null, 3, 1])),
      'output "latent" has shape [?, 3, 1], expected [N, 3] (redband.latent_dim is 3)',
    ],
    [
      'latent width',
      inputs,
      replace(outputs, f32('latent', [null, 5])),
      'output "latent" has shape [?, 5], expected [N, 3]',
    ],
    [
      'symbolic T',
      replace(inputs, f32('x', [null, null, 2])),
      outputs,
      'input "x" has shape [?, ?, 2], expected [N, 4, 2]',
    ],
    [
      'dtype',
      [{ ...inputs[0]!, dtype: 'float64' }, inputs[1]!],
      outputs,
      'input "x" has type float64, expected float32',
    ],
    [
      'missing input',
      [f32('input', [null, 4, 2]), inputs[1]!],
      outputs,
      'input "x" is missing; unexpected input "input"',
    ],
    ['missing output', inputs, [outputs[0]!], 'output "recon" is missing'],
    [
      'no shape',
      inputs,
      [outputs[0]!, { name: 'recon', dtype: 'float32', shape: null }],
      'output "recon" has no declared shape',
    ],
  ])('%s', (_what, ins, outs, message) => {
    expect(() => checkMaeModel('m.onnx', props(), ins, outs)).toThrow(message);
  });
});
