// Property-based fuzzing of the agent's config loader (agent/config/load.ts, loadAgentConfig):
// mutations of a real firmware config at every depth, arbitrary objects, YAML-ish text and
// command-line overrides. The contract: a config comes back, or a UserError (a ConfigError
// listing every problem with its key path) — never any other exception.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ConfigError } from '../../shared/config/issues.ts';
import { loadAgentConfig, type AgentOverrides } from '../../agent/config/load.ts';
import { isUserError } from '../../shared/errors.ts';
import { REPO } from '../agent/harness.ts';
import { tmpDir } from '../support/brokers.ts';
import { mutated } from './fuzz-helpers.ts';

const dir = tmpDir('redband-fuzz-config-');
const file = join(dir, 'device.yaml');
const env = { REDBAND_MQTT_PASSWORD: 'pw' };
let runs = 0;

/** The shipped sim-vibration config with an absolute model path, so it loads from a temp dir. */
function baseConfig(): Record<string, unknown> {
  const raw = parseYaml(
    readFileSync(join(REPO, 'firmware-configs', 'sim-vibration.yaml'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  raw.model!.path = join(REPO, 'models', 'sim-vibration.onnx');
  raw.mqtt = { ...raw.mqtt, username: 'dev', password_env: 'REDBAND_MQTT_PASSWORD' };
  (raw as Record<string, unknown>).device = 'pump-1';
  return raw;
}

type Outcome = { ok: true; device: string } | { ok: false; error: ConfigError | Error };

/** Plain checks in the hot loop: `expect` per check costs more than the loader itself. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Loads `text` as the config file; fails the property on anything but a config or UserError. */
function load(text: string, overrides: AgentOverrides = {}): Outcome {
  runs++;
  writeFileSync(file, text);
  try {
    const r = loadAgentConfig(file, overrides, { env, cwd: dir, hostname: () => 'host-1' });
    check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(r.device), `bad device ${r.device}`);
    check(/^[0-9a-f]{64}$/.test(r.digest), `bad digest ${r.digest}`);
    check(r.config.device === r.device, 'config.device differs');
    return { ok: true, device: r.device };
  } catch (e) {
    if (!isUserError(e)) {
      throw new Error(
        `loadAgentConfig threw ${(e as Error)?.name}: ${(e as Error)?.message} for:\n${text.slice(0, 400)}`,
      );
    }
    if (e instanceof ConfigError) {
      check(e.issues.length > 0, 'ConfigError without issues');
      for (const i of e.issues)
        check(typeof i.path === 'string' && typeof i.message === 'string', JSON.stringify(i));
      for (const line of e.message.split('\n'))
        check(line.startsWith(`${file}: `), `line without the file: ${line}`);
    }
    return { ok: false, error: e };
  }
}

afterAll(() => {
  // the file's own accounting of generated cases (≥ 10,000)
  expect(runs).toBeGreaterThanOrEqual(10_000);
});

describe('agent config loader (fuzz)', () => {
  const base = baseConfig();

  it('the base config loads', () => {
    expect(load(toYaml(base))).toEqual({ ok: true, device: 'pump-1' });
  });

  it('mutations of a real firmware config at every depth (3000)', () => {
    fc.assert(
      fc.property(mutated(base), fc.nat(3), (m, style) => {
        // JSON is YAML too (flow style), and cheaper to parse than block style
        load(style === 0 ? toYaml(m) : JSON.stringify(m));
      }),
      { numRuns: 3000 },
    );
  });

  it('a misspelt or unknown key anywhere is reported with its path (800)', () => {
    const sections = Object.keys(base).filter(
      (k) => typeof base[k] === 'object' && base[k] !== null,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...sections),
        fc.stringMatching(/^[a-z][a-z_]{0,10}$/),
        (section, key) => {
          fc.pre(!(key in (base[section] as object)));
          const m = structuredClone(base) as Record<string, Record<string, unknown>>;
          m[section]![key] = 1;
          const r = load(JSON.stringify(m));
          expect(r.ok).toBe(false);
          if (!r.ok)
            expect((r.error as ConfigError).issues).toContainEqual({
              path: `${section}.${key}`,
              message: 'unknown key',
            });
        },
      ),
      { numRuns: 800 },
    );
  });

  it('arbitrary objects and JSON values as the whole file (2500)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.dictionary(
            fc.constantFrom(...Object.keys(base), 'extra'),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        ),
        (v) => {
          load(JSON.stringify(v) ?? '');
        },
      ),
      { numRuns: 2500 },
    );
  });

  // YAML-ish text: the tokens YAML gives meaning to, keys of the real config, no aliases
  // (aliases have their own test below).
  const token = fc.constantFrom(
    ...[': ', '- ', ' ', '  ', '\n', '[', ']', '{', '}', ',', "'", '"', '#', '|', '>', '? '],
    ...['&a ', '!!str ', '!!int ', '!!binary ', '!!map ', '!x ', '<<: ', '---\n', '...\n'],
    ...['source', 'kind', 'sim', 'csv', 'model', 'path', 'mqtt', 'tls', 'url', 'pipeline'],
    ...['hop', '8', '-1', '1e999', '.nan', '.inf', 'null', '~', 'true', 'yes', '0x1F', '\t'],
  );
  it('YAML-ish text (2700)', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (ts) => {
        load(ts.join(''));
      }),
      { numRuns: 2700 },
    );
  });

  it('a valid config followed by YAML-ish garbage (500)', () => {
    const text = toYaml(base);
    fc.assert(
      fc.property(fc.array(token, { maxLength: 20 }), fc.nat(text.length), (ts, at) => {
        load(text.slice(0, at) + ts.join('') + text.slice(at));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary command-line overrides (600)', () => {
    const baseText = JSON.stringify(base);
    const override = fc.record(
      {
        device: fc.string({ maxLength: 70 }),
        fleet: fc.string({ maxLength: 70 }),
        publish: fc.oneof(
          fc.constantFrom('stdout', 'mqtt://b:1883', 'mqtts://[::1]:8883', 'http://x', 'mqtt:/'),
          fc.string(),
        ),
        speed: fc.oneof(fc.constantFrom('max' as const, 'realtime' as const), fc.double()),
        model: fc.constantFrom('/nonexistent.onnx', join(REPO, 'models', 'sim-vibration.onnx')),
        replay: fc.constantFrom('/nonexistent.csv', file),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(override, (o) => {
        const r = load(baseText, o);
        if (r.ok && o.device !== undefined) expect(r.device).toBe(o.device);
      }),
      { numRuns: 600 },
    );
  });

  // `: x` (a stray colon) is a key that YAML reads as null, i.e. an empty key name: the issue
  // must still show the user where it is, not `file: : unknown key`.
  it('an empty key is reported with a visible path', () => {
    const r = load(`${toYaml(base)}: 1\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect((r.error as ConfigError).issues.map((i) => i.path)).not.toContain('');
      expect(r.error.message).not.toContain(`${file}: : `);
    }
  });

  // A typo in an alias (`*defaults` for `*default`) and an alias bomb are ordinary mistakes
  // and attacks on a config file; both must be reported as config errors like any other.
  it('YAML anchors and aliases: unresolved aliases and alias bombs are config errors (500)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '',
    ].join('\n');
    expect(load(bomb).ok).toBe(false);
    expect(load(`${toYaml(base)}\nextra: *missing\n`).ok).toBe(false);
    const aliasToken = fc.constantFrom('&a ', '*a', '*b', '&b ', ': ', '- ', '[', ']', '\n', 'x');
    fc.assert(
      fc.property(fc.array(aliasToken, { maxLength: 30 }), (ts) => {
        load(ts.join(''));
      }),
      { numRuns: 500 },
    );
  });
});
