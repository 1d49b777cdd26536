// Checks that need the loaded model and the created source: they cannot run on the file
// alone, but they run before anything starts, and report every problem at once.
import type { ModelInfo } from '../inference/types.ts';
import type { AgentConfig } from './schema.ts';
import type { ConfigIssue } from '../../shared/config/issues.ts';

/** Fewest warm-up snapshots a warm-up band may be derived from (median and MAD need a few). */
export const MIN_WARMUP_SNAPSHOTS = 5;

export function crossCheck(
  c: AgentConfig,
  model: ModelInfo,
  sourceChannels: readonly string[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const modelChannels = model.channels;
  if (sourceChannels.length !== modelChannels.length) {
    issues.push({
      path: 'source',
      message: `gives ${sourceChannels.length} channels (${sourceChannels.join(', ')}) but model ${model.name} takes ${modelChannels.length} (${modelChannels.join(', ')})`,
    });
  } else {
    const differ = modelChannels.flatMap((name, i) =>
      sourceChannels[i] === name ? [] : [`#${i}: source "${sourceChannels[i]}" vs model "${name}"`],
    );
    if (differ.length > 0) {
      issues.push({
        path: 'source',
        message: `channels differ from model ${model.name}'s: ${differ.join(', ')}`,
      });
    }
  }
  if (c.pipeline.hop > model.window) {
    issues.push({
      path: 'pipeline.hop',
      message: `${c.pipeline.hop} exceeds the model's window of ${model.window} samples`,
    });
  }
  if (c.pipeline.queue < c.pipeline.batch) {
    issues.push({
      path: 'pipeline.queue',
      message: `${c.pipeline.queue} is smaller than pipeline.batch (${c.pipeline.batch})`,
    });
  }
  if (c.band_from === 'config' && !c.band) {
    issues.push({ path: 'band_from', message: 'is config, but no band: is set' });
  }
  if (c.band_from === 'model' && !model.band) {
    issues.push({
      path: 'band_from',
      message: `is model, but model ${model.name} has no redband.band metadata`,
    });
  }
  const needsWarmupBand =
    c.band_from === 'warmup' || (c.band_from === 'auto' && !c.band && !model.band);
  const snapshots = Math.floor(c.baseline.warmup_windows / c.publish.period_windows);
  if (needsWarmupBand && snapshots < MIN_WARMUP_SNAPSHOTS) {
    issues.push({
      path: 'baseline.warmup_windows',
      message: `${c.baseline.warmup_windows} windows give ${snapshots} snapshots of publish.period_windows = ${c.publish.period_windows}; deriving a band needs at least ${MIN_WARMUP_SNAPSHOTS} (or set band:)`,
    });
  }
  const unknown = (c.detect.channels ?? []).filter((ch) => !modelChannels.includes(ch));
  if (unknown.length > 0) {
    issues.push({
      path: 'detect.channels',
      message: `not channels of model ${model.name}: ${unknown.join(', ')} (it has ${modelChannels.join(', ')})`,
    });
  }
  return issues;
}
