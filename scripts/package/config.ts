// The device-class config as it goes into a package: checked by the agent's own loader (so a
// bad config fails the build, not the device), with model.path pointing at the packaged model.
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadAgentConfig } from '../../agent/config/load.ts';

/** Where the package installs the agent; install.sh --prefix DIR moves it under DIR. */
export const INSTALL_HOME = '/opt/redband';

export interface PackagedConfig {
  /** the config's text with model.path rewritten */
  text: string;
  runtime: 'node' | 'wasm';
  /** the model file on the build machine */
  modelSrc: string;
  /** the model's file name inside INSTALL_HOME/models */
  modelName: string;
  /** a line for each setting that names a file on this machine which the package does not carry */
  notes: string[];
}

/**
 * Reads `file` (relative to `cwd`). Throws the agent's UserError (one line per problem, with
 * the file and key) when the config is not valid.
 */
export function packagedConfig(file: string, cwd: string): PackagedConfig {
  // The device's broker, TLS files and password variable are the device's business: checking
  // them here against the build machine would reject good configs, so load as for stdout.
  // A CSV source's file is the device's too: the loader checks that it exists, so check the
  // rest with a stand-in that does (the config file itself); the packaged text keeps the path.
  const abs = resolve(cwd, file);
  const read = () => parseDocument(readFileSync(abs, 'utf8'));
  const csv = existsSync(abs) && read().getIn(['source', 'kind']) === 'csv';
  const overrides = { publish: 'stdout', ...(csv ? { replay: abs } : {}) };
  // throws the agent's own one-line-per-problem error for an unreadable or invalid file
  const { config } = loadAgentConfig(file, overrides, { cwd, hostname: () => 'build' });
  const doc = read();
  const modelName = basename(config.model.path);
  doc.setIn(['model', 'path'], `${INSTALL_HOME}/models/${modelName}`);
  doc.commentBefore =
    ` Packaged from ${file} by npm run build:agent; model.path points at the packaged model.` +
    (doc.commentBefore ? `\n${doc.commentBefore}` : '');
  const notes: string[] = [];
  const sourcePath = doc.getIn(['source', 'path']);
  if (csv) {
    notes.push(
      `source.path (${String(sourcePath)}) names a data file, which the package does not carry: ` +
        "point it at the device's data (or use another source) in the installed config",
    );
  }
  if (config.baseline.load !== undefined) {
    notes.push(`baseline.load (${config.baseline.load}) is not packaged: copy it to the device`);
  }
  return {
    text: doc.toString(),
    runtime: config.model.runtime,
    modelSrc: config.model.path,
    modelName,
    notes,
  };
}
