// Reading a config file: YAML → command-line overrides → defaults and strict schema → the
// checks that need the file system. Paths in the file are relative to the file (else to the
// repository root, so the shipped configs work from any working directory); paths given on
// the command line are relative to the working directory.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { topicIdSchema } from '../../shared/schema/common.ts';
import { agentConfigSchema, DEFAULT_OUTBOX_DIR, type AgentConfig } from './schema.ts';
import { ConfigError, configIssues, type ConfigIssue } from '../../shared/config/issues.ts';
import { mappingAt, setIn } from '../../shared/config/overrides.ts';
import { readYamlConfig } from '../../shared/config/yaml.ts';

export interface AgentOverrides {
  model?: string;
  /** a CSV file to replay instead of the configured source */
  replay?: string;
  speed?: 'max' | 'realtime' | number;
  /** 'stdout' or a broker URL */
  publish?: string;
  device?: string;
  fleet?: string;
}

export interface LoadedConfig {
  /** as given, for messages */
  file: string;
  config: AgentConfig;
  device: string;
  /** sha256 of the effective config, so the collector can tell which config a device runs */
  digest: string;
}

export interface LoadEnv {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  hostname?: () => string;
}

type Raw = Record<string, unknown>;

export function loadAgentConfig(
  file: string,
  overrides: AgentOverrides = {},
  envIn: LoadEnv = {},
): LoadedConfig {
  const cwd = envIn.cwd ?? process.cwd();
  const env = envIn.env ?? process.env;
  const abs = resolve(cwd, file);
  const raw = readYamlConfig(abs, file);
  const base = new PathBase(dirname(abs), cwd);
  applyOverrides(raw, overrides, cwd);
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, configIssues(parsed.error));
  const config = resolvePaths(parsed.data, base);
  const issues = fileChecks(config, env);
  const device =
    overrides.device ?? config.device ?? env.REDBAND_DEVICE ?? deviceFromHostname(envIn.hostname);
  if (!topicIdSchema.safeParse(device).success) {
    issues.push({
      path: 'device',
      message: `"${device}" is not a valid device id (letters, digits, ".", "_", "-")`,
    });
  }
  if (issues.length > 0) throw new ConfigError(file, issues);
  config.device = device;
  const digest = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  return { file, config, device, digest };
}

function applyOverrides(raw: Raw, o: AgentOverrides, cwd: string): void {
  if (o.model !== undefined) setIn(raw, ['model', 'path'], resolve(cwd, o.model));
  if (o.replay !== undefined) {
    // Keep the CSV settings of a CSV config (delimiter, columns…); replace any other source.
    if (mappingAt(raw, ['source']).kind === 'csv')
      setIn(raw, ['source', 'path'], resolve(cwd, o.replay));
    else raw.source = { kind: 'csv', path: resolve(cwd, o.replay) };
  }
  if (o.speed !== undefined) setIn(raw, ['source', 'speed'], o.speed);
  if (o.publish !== undefined) {
    setIn(raw, ['publish', 'sink'], o.publish === 'stdout' ? 'stdout' : 'mqtt');
    if (o.publish !== 'stdout') setIn(raw, ['mqtt', 'url'], o.publish);
  }
  if (o.device !== undefined) setIn(raw, ['device'], o.device);
  if (o.fleet !== undefined) setIn(raw, ['fleet'], o.fleet);
}

/** Resolves a relative path against the config file's directory, else the repository root. */
class PathBase {
  private readonly repo: string | null;
  constructor(
    readonly dir: string,
    readonly cwd: string,
  ) {
    this.repo = findRepoRoot(dir);
  }
  resolve(p: string): string {
    if (isAbsolute(p)) return p;
    const local = resolve(this.dir, p);
    if (existsSync(local) || !this.repo) return local;
    const fromRepo = resolve(this.repo, p);
    return existsSync(fromRepo) ? fromRepo : local;
  }
}

function findRepoRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'redband') return dir;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) return null;
  }
}

function resolvePaths(c: AgentConfig, base: PathBase): AgentConfig {
  const out = structuredClone(c);
  out.model.path = base.resolve(out.model.path);
  const source = out.source as { path?: unknown };
  if (typeof source.path === 'string') source.path = base.resolve(source.path);
  if (out.baseline.load) out.baseline.load = base.resolve(out.baseline.load);
  if (out.baseline.save) out.baseline.save = resolve(base.dir, out.baseline.save);
  const tls = out.mqtt.tls;
  if (tls)
    for (const k of ['ca', 'cert', 'key'] as const) if (tls[k]) tls[k] = base.resolve(tls[k]);
  out.outbox.dir = out.outbox.dir
    ? resolve(base.dir, out.outbox.dir)
    : resolve(base.cwd, DEFAULT_OUTBOX_DIR);
  return out;
}

function fileChecks(c: AgentConfig, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mustExist = (path: string, value: string | undefined): void => {
    if (value !== undefined && !existsSync(value))
      issues.push({ path, message: `file not found: ${value}` });
  };
  mustExist('model.path', c.model.path);
  mustExist('source.path', (c.source as { path?: string }).path);
  mustExist('baseline.load', c.baseline.load);
  if (c.publish.sink === 'mqtt') {
    mustExist('mqtt.tls.ca', c.mqtt.tls?.ca);
    mustExist('mqtt.tls.cert', c.mqtt.tls?.cert);
    mustExist('mqtt.tls.key', c.mqtt.tls?.key);
    if (c.mqtt.password_env && env[c.mqtt.password_env] === undefined) {
      issues.push({
        path: 'mqtt.password_env',
        message: `environment variable ${c.mqtt.password_env} is not set`,
      });
    }
    if (Boolean(c.mqtt.tls?.cert) !== Boolean(c.mqtt.tls?.key)) {
      issues.push({ path: 'mqtt.tls', message: 'cert and key go together: give both or neither' });
    }
  }
  return issues;
}

/** The host name as a device id: invalid characters become "-", at most 64 characters. */
export function deviceFromHostname(get: () => string = hostname): string {
  const cleaned = get()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return cleaned || 'device';
}
