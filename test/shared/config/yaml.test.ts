// One YAML reader for the agent's and the collector's config files: every problem a
// ConfigError naming the file and where (a line, or the document), nothing thrown raw.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../../collector/config.ts';
import { ConfigError } from '../../../shared/config/issues.ts';
import { parseYamlConfig, readYamlConfig } from '../../../shared/config/yaml.ts';
import { tmpDir } from '../../support/brokers.ts';

const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
].join('\n');

describe('parseYamlConfig', () => {
  it.each([
    ['a: 1\nb: { c: [1, 2] }\n', { a: 1, b: { c: [1, 2] } }],
    ['', {}],
    ['# only a comment\n', {}],
  ])('%j → %j', (text, value) => {
    expect(parseYamlConfig('c.yaml', text)).toEqual(value);
  });

  it.each([
    ['a: 1\n  b: 2\n', /^c\.yaml: line 1: /],
    ['a: [1, 2\n', /^c\.yaml: line \d: /],
    ['- a\n- b\n', /^c\.yaml: \(root\): expected a mapping of keys to values$/],
    ['just text\n', /^c\.yaml: \(root\): expected a mapping/],
    ['a: *nowhere\n', /^c\.yaml: /],
    [BOMB, /^c\.yaml: \(root\): .*alias/i],
  ])('%j is a ConfigError: %s', (text, message) => {
    let thrown: unknown;
    try {
      parseYamlConfig('c.yaml', text);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
    // one line per problem, each naming the file
    for (const line of (thrown as Error).message.split('\n')) expect(line).toMatch(/^c\.yaml: /);
  });

  it('a file that cannot be read names it, for both configs', () => {
    const missing = join(tmpDir(), 'nope.yaml');
    expect(() => readYamlConfig(missing, 'nope.yaml')).toThrow(
      'nope.yaml: cannot read the config file (ENOENT)',
    );
    expect(() => readConfigFile(missing)).toThrow(
      `${missing}: cannot read the config file (ENOENT)`,
    );
  });

  it("the collector's config file reads through it (line numbers, a mapping)", () => {
    const file = join(tmpDir(), 'collector.yaml');
    writeFileSync(file, 'http:\n  port: 8080\n   host: x\n');
    expect(() => readConfigFile(file)).toThrow(new RegExp(`^${file}: line 2: `));
    writeFileSync(file, '- 1\n');
    expect(() => readConfigFile(file)).toThrow(
      `${file}: (root): expected a mapping of keys to values`,
    );
  });
});
