import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/issues.ts';
import { crossCheck } from '../../../agent/config/cross-check.ts';
import {
  deviceFromHostname,
  loadAgentConfig,
  type AgentOverrides,
} from '../../../agent/config/load.ts';
import type { ModelInfo } from '../../../agent/inference/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'redband-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'm.onnx'), 'not really a model: only existence is checked here');
writeFileSync(join(dir, 'data.csv'), 'time;a\n1;2\n');

const BASE = `fleet: lab
device: d1
source: { kind: sim }
model: { path: m.onnx }
`;

function load(yaml: string, overrides: AgentOverrides = {}, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadAgentConfig(file, overrides, { cwd: dir, env, hostname: () => 'host' });
}

function issuesOf(
  yaml: string,
  overrides: AgentOverrides = {},
  env: NodeJS.ProcessEnv = {},
): string[] {
  try {
    load(yaml, overrides, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('config validation', () => {
  const invalid: Array<[string, string, RegExp[]]> = [
    ['unknown top-level key', `${BASE}colour: red\n`, [/^colour: unknown key$/]],
    ['unknown nested key', `${BASE}pipeline: { hopp: 3 }\n`, [/^pipeline\.hopp: unknown key$/]],
    [
      'source speed',
      `fleet: lab\nsource: { kind: sim, speed: fast }\nmodel: { path: m.onnx }\n`,
      [/^source\.speed: expected 'realtime' \| 'max' \| number$/],
    ],
    [
      'unknown source kind',
      `fleet: lab\nsource: { kind: modbus }\nmodel: { path: m.onnx }\n`,
      [/^source\.kind: /],
    ],
    ['missing model', `fleet: lab\nsource: { kind: sim }\n`, [/^model: /]],
    [
      'model file missing',
      `${BASE.replace('m.onnx', 'nope.onnx')}`,
      [/^model\.path: file not found: .*nope\.onnx$/],
    ],
    [
      'csv file missing',
      `fleet: lab\nsource: { kind: csv, path: gone.csv }\nmodel: { path: m.onnx }\n`,
      [/^source\.path: file not found/],
    ],
    ['beta out of range', `${BASE}sketch: { kind: forgetting, beta: 1.5 }\n`, [/^sketch\.beta: /]],
    ['sliding too small', `${BASE}sketch: { kind: sliding, size: 1 }\n`, [/^sketch\.size: /]],
    ['negative hop', `${BASE}pipeline: { hop: -1 }\n`, [/^pipeline\.hop: /]],
    [
      'bad missing policy',
      `${BASE}pipeline: { missing: { policy: zero } }\n`,
      [/^pipeline\.missing\.policy: /],
    ],
    ['bad broker URL', `${BASE}mqtt: { url: 'http://x' }\n`, [/^mqtt\.url: expected an mqtt/]],
    [
      'broker URL without a host',
      `${BASE}mqtt: { url: 'mqtt://' }\n`,
      [/^mqtt\.url: expected an mqtt/],
    ],
    // the settings shared with the collector (shared/schema/mqtt-connection.ts), less client_id
    [
      'client_id (derived per device)',
      `${BASE}mqtt: { client_id: x }\n`,
      [/^mqtt\.client_id: unknown key$/],
    ],
    [
      'unknown tls key',
      `${BASE}mqtt: { tls: { verify: false } }\n`,
      [/^mqtt\.tls\.verify: unknown key$/],
    ],
    [
      'reject_unauthorized not a boolean',
      `${BASE}mqtt: { tls: { reject_unauthorized: 'no' } }\n`,
      [/^mqtt\.tls\.reject_unauthorized: /],
    ],
    [
      'password env unset',
      `${BASE}mqtt: { password_env: NOPE_PW }\n`,
      [/^mqtt\.password_env: environment variable NOPE_PW is not set$/],
    ],
    [
      'tls file missing',
      `${BASE}mqtt: { tls: { ca: ca.pem } }\n`,
      [/^mqtt\.tls\.ca: file not found/],
    ],
    [
      'band inverted',
      `${BASE}band: { measure: tc, low: 2, center: 1, high: 3 }\n`,
      [/^band: band must satisfy/],
    ],
    ['bad fleet id', `${BASE.replace('fleet: lab', 'fleet: "a/b"')}`, [/^fleet: /]],
    ['yaml syntax', `fleet: [\n`, [/^line \d+: /]],
    [
      'every error at once',
      `fleet: lab\nsource: { kind: sim, speed: fast }\nmodel: { path: m.onnx, runtime: gpu }\nextra: 1\n`,
      [/^source\.speed: /, /^model\.runtime: /, /^extra: unknown key$/],
    ],
  ];
  it.each(invalid)('rejects %s', (_name, yaml, expected) => {
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(issues[i]).toMatch(re));
  });

  it('takes the shared MQTT settings: tls.reject_unauthorized defaults to true', () => {
    writeFileSync(join(dir, 'bench-ca.pem'), 'a CA');
    const tls = (yaml: string) =>
      load(`${BASE}mqtt: { url: 'mqtts://b:8883', tls: { ca: bench-ca.pem${yaml} } }\n`).config.mqtt
        .tls;
    expect(tls('')).toEqual({ ca: join(dir, 'bench-ca.pem'), reject_unauthorized: true });
    expect(tls(', reject_unauthorized: false')?.reject_unauthorized).toBe(false);
  });

  it('prefixes every line of the message with the file name', () => {
    expect(() => load(`${BASE}colour: red\nshape: round\n`)).toThrow(
      /c\w+\.yaml: colour: unknown key\n.*c\w+\.yaml: shape: unknown key$/,
    );
  });

  it('keeps one issue per line when a key holds a newline (found by the fuzzer)', () => {
    try {
      load(`${BASE}? "model\\n hop"\n: 8\n`);
      expect.unreachable('the odd key must be rejected');
    } catch (e) {
      const lines = (e as Error).message.split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/c\w+\.yaml: model\\n hop: unknown key$/);
    }
  });

  it('fills defaults and resolves paths against the config file', () => {
    const { config, device, digest } = load(BASE);
    expect(device).toBe('d1');
    expect(config.model.path).toBe(join(dir, 'm.onnx'));
    expect(config.pipeline).toMatchObject({
      hop: 8,
      batch: 16,
      queue: 64,
      missing: { policy: 'impute', fill: 'last' },
    });
    expect(config.sketch).toEqual({ kind: 'forgetting', beta: 0.01 });
    expect(config.publish).toEqual({ sink: 'mqtt', period_windows: 20 });
    expect(config.outbox.dir).toBe(join(dir, '.redband/outbox'));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  const overrides: Array<
    [string, AgentOverrides, (l: ReturnType<typeof load>) => unknown, unknown]
  > = [
    ['--publish stdout', { publish: 'stdout' }, (l) => l.config.publish.sink, 'stdout'],
    [
      '--publish URL',
      { publish: 'mqtt://b:1884' },
      (l) => [l.config.publish.sink, l.config.mqtt.url],
      ['mqtt', 'mqtt://b:1884'],
    ],
    ['--speed', { speed: 'max' }, (l) => (l.config.source as { speed: unknown }).speed, 'max'],
    [
      '--replay',
      { replay: 'data.csv' },
      (l) => [l.config.source.kind, (l.config.source as { path: string }).path],
      ['csv', join(dir, 'data.csv')],
    ],
    ['--device', { device: 'other' }, (l) => l.device, 'other'],
    ['--fleet', { fleet: 'f2' }, (l) => l.config.fleet, 'f2'],
    ['--model', { model: 'm.onnx' }, (l) => l.config.model.path, join(dir, 'm.onnx')],
  ];
  it.each(overrides)('command line %s overrides the file', (_name, o, read, expected) => {
    expect(read(load(BASE, o))).toEqual(expected);
  });

  it('takes the device from $REDBAND_DEVICE, else the host name', () => {
    const noDevice = BASE.replace('device: d1\n', '');
    expect(load(noDevice, {}, { REDBAND_DEVICE: 'env-dev' }).device).toBe('env-dev');
    expect(load(noDevice).device).toBe('host');
    expect(deviceFromHostname(() => 'My Box (2)')).toBe('My-Box--2-');
  });

  it('changes the digest when the effective config changes', () => {
    expect(load(BASE).digest).toBe(load(BASE).digest);
    expect(load(BASE, { fleet: 'x' }).digest).not.toBe(load(BASE).digest);
  });
});

describe('cross-checks against the model and source', () => {
  const model: ModelInfo = {
    name: 'm.onnx',
    sha256: '0'.repeat(64),
    window: 32,
    channels: ['a', 'b'],
    latentDim: 4,
    normMean: [0, 0],
    normStd: [1, 1],
    maskRatio: 0.5,
    band: null,
  };
  const cases: Array<[string, string, readonly string[], RegExp[]]> = [
    ['consistent', BASE, ['a', 'b'], []],
    ['channel count', BASE, ['a', 'b', 'c'], [/^source: gives 3 channels/]],
    ['channel names', BASE, ['a', 'x'], [/^source: channels differ .*#1: source "x" vs model "b"/]],
    [
      'hop over window',
      `${BASE}pipeline: { hop: 33 }\n`,
      ['a', 'b'],
      [/^pipeline\.hop: 33 exceeds/],
    ],
    [
      'queue under batch',
      `${BASE}pipeline: { batch: 32, queue: 8 }\n`,
      ['a', 'b'],
      [/^pipeline\.queue: /],
    ],
    [
      'warm-up too short for a band',
      `${BASE}baseline: { warmup_windows: 40 }\n`,
      ['a', 'b'],
      [/^baseline\.warmup_windows: .*2 snapshots/],
    ],
    [
      'short warm-up is fine with a band',
      `${BASE}baseline: { warmup_windows: 40 }\nband: { measure: tc, low: 0, center: 1, high: 2 }\n`,
      ['a', 'b'],
      [],
    ],
  ];
  it.each(cases)('%s', (_name, yaml, channels, expected) => {
    const issues = crossCheck(load(yaml).config, model, channels).map(
      (i) => `${i.path}: ${i.message}`,
    );
    expect(issues).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(issues[i]).toMatch(re));
  });
});
