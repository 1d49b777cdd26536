// Knob settings applied the product's way: an agent setting becomes a YAML file derived from
// the base device config and read by the agent's own loader; a rule setting becomes a
// `rules:` entry read by the collector's parseConfig. Both loaders are strict, which is also
// how a knob the schema does not know yet is recognized (and skipped, with a note).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { loadAgentConfig, type AgentOverrides } from '../../agent/config/load.ts';
import { ConfigError } from '../../shared/config/issues.ts';
import { parseConfig, type CollectorConfig } from '../../collector/config.ts';
import { UserError } from '../../shared/errors.ts';
import type { Knob, KnobValue } from './knobs.ts';

/** Knob key → value, for the knobs off their shipped value (an absent key = shipped). */
export type Setting = Record<string, KnobValue>;

export interface ResolvedKnob {
  key: string;
  target: 'agent' | 'collector';
  /** the shipped value, as loaded (agent: after defaults; collector: the parsed rule); null = unset */
  shipped: unknown;
  /** the candidates that differ from the shipped value (the shipped one is always tried too) */
  values: KnobValue[];
}

export interface SkippedKnob {
  key: string;
  note: string;
}

type Raw = Record<string, unknown>;

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function setPath(obj: Raw, path: readonly string[], value: unknown): void {
  let at = obj;
  for (const p of path.slice(0, -1)) {
    if (!isRecord(at[p])) at[p] = {};
    at = at[p] as Raw;
  }
  at[path.at(-1)!] = value;
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let at = obj;
  for (const p of path) at = isRecord(at) ? at[p] : undefined;
  return at;
}

/** `rules.<rule>.<field>` → [rule, field]; null for an agent key. */
function ruleKey(key: string): [string, string] | null {
  const m = /^rules\.([^.]+)\.([^.]+)$/.exec(key);
  if (m) return [m[1]!, m[2]!];
  if (key.startsWith('rules.')) throw new UserError(`knob ${key}: expected rules.<rule>.<field>`);
  return null;
}

export interface BaseConfigs {
  /** the agent device config file the settings derive from */
  agentConfig: string;
  model?: string;
  /** a CSV the bench replays (any: the loader only checks that it exists) */
  replay: string;
  /** the collector config's data (parsed YAML), {} for the defaults */
  collectorRaw: unknown;
  /** a folder for the derived files */
  tmp: string;
}

export class KnobApplier {
  private readonly agentRaw: Raw;
  private readonly agentLoaded: unknown;
  private written = 0;

  constructor(private readonly base: BaseConfigs) {
    const loaded = loadAgentConfig(base.agentConfig, this.overrides());
    const doc = parseDocument(readFileSync(base.agentConfig, 'utf8')).toJS() as unknown;
    this.agentRaw = isRecord(doc) ? doc : {};
    // Paths in a config are relative to its file; the derived file lives elsewhere, so it
    // carries the paths the base config resolved to (the source is always replaced).
    setPath(this.agentRaw, ['model', 'path'], loaded.config.model.path);
    if (loaded.config.baseline.load) {
      setPath(this.agentRaw, ['baseline', 'load'], loaded.config.baseline.load);
    }
    this.agentLoaded = loaded.config;
  }

  /** As the bench runs the agent: a replayed file instead of the configured source. */
  private overrides(): AgentOverrides {
    return {
      replay: this.base.replay,
      ...(this.base.model !== undefined ? { model: this.base.model } : {}),
    };
  }

  /** The agent config file for `setting`'s agent knobs: the base file itself when none. */
  agentConfigFor(setting: Setting): string {
    const own = Object.entries(setting).filter(([k]) => ruleKey(k) === null);
    if (own.length === 0) return this.base.agentConfig;
    const raw = structuredClone(this.agentRaw);
    for (const [k, v] of own) setPath(raw, k.split('.'), v);
    const file = join(this.base.tmp, `agent-${this.written++}.yaml`);
    writeFileSync(file, stringify(raw));
    return file;
  }

  collectorFor(setting: Setting): CollectorConfig {
    const raw = structuredClone(isRecord(this.base.collectorRaw) ? this.base.collectorRaw : {});
    for (const [k, v] of Object.entries(setting)) {
      const rk = ruleKey(k);
      if (rk) setPath(raw, ['rules', ...rk], v);
    }
    return parseConfig(raw, `collector rules with ${JSON.stringify(setting)}`);
  }

  /** Reads each knob's shipped value and tries every candidate through its loader. */
  resolve(knobs: readonly Knob[]): { knobs: ResolvedKnob[]; skipped: SkippedKnob[] } {
    const out: ResolvedKnob[] = [];
    const skipped: SkippedKnob[] = [];
    for (const knob of knobs) {
      const rk = ruleKey(knob.key);
      const shipped = rk
        ? this.shippedRuleField(knob.key, rk)
        : getPath(this.agentLoaded, knob.key.split('.'));
      if (knob.values.some((v) => !this.accepts(knob.key, v, rk))) {
        const schema = rk ? "the collector's rule schema" : "the agent's config schema";
        skipped.push({ key: knob.key, note: `${schema} has no ${knob.key} (yet): not tuned` });
        continue;
      }
      const same = (v: KnobValue): boolean => JSON.stringify(v) === JSON.stringify(shipped);
      out.push({
        key: knob.key,
        target: rk ? 'collector' : 'agent',
        shipped: shipped ?? null,
        values: knob.values.filter((v) => !same(v)),
      });
    }
    return { knobs: out, skipped };
  }

  private shippedRuleField(key: string, [rule, field]: [string, string]): unknown {
    const r = this.collectorFor({}).rules.find((x) => x.name === rule);
    if (!r) throw new UserError(`knob ${key}: the collector rules have no rule ${rule}`, 'config');
    return (r as unknown as Raw)[field];
  }

  /** false when the schema does not know the key; a bad value is the table's error. */
  private accepts(key: string, value: KnobValue, rk: [string, string] | null): boolean {
    try {
      if (rk) this.collectorFor({ [key]: value });
      else loadAgentConfig(this.agentConfigFor({ [key]: value }), this.overrides());
      return true;
    } catch (e) {
      if (e instanceof ConfigError) {
        const unknownKey = e.issues.some(
          (i) => i.message === 'unknown key' && (key === i.path || key.startsWith(`${i.path}.`)),
        );
        if (unknownKey) return false;
      } else if (rk && e instanceof UserError) {
        const line = `rules.${rk[0]}: Unrecognized key: "${rk[1]}"`;
        // one problem is one line after the config's name, several are listed one per line
        if (e.message.split('\n').some((l) => l.trim() === line || l.endsWith(`: ${line}`)))
          return false;
      }
      if (e instanceof UserError) {
        throw new UserError(`knob ${key} = ${JSON.stringify(value)}: ${e.message}`, 'config');
      }
      throw e;
    }
  }
}
