// The real data sets (SKAB, TEP) for the tests whose subject is the data set itself. They live
// outside the repository: REDBAND_DATA_DIR, else ../shared/datasets beside the repository.
// A test that needs one calls `datasetDir` / `skabFile` in its body, so a clone without the
// data fails exactly those tests, each with one line saying what is missing and how to point
// at it. Every other test writes its own data (test/support/skab-like.ts) or uses the simulator.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));

/** The folder holding skab/ and tep/. */
export const DATA_DIR = resolve(process.env.REDBAND_DATA_DIR || DEFAULT_DATA_DIR);

export type DatasetName = 'skab' | 'tep';

/** `DATA_DIR/<name>`, or an error of one line when that folder is not there. */
export function datasetDir(name: DatasetName): string {
  const dir = join(DATA_DIR, name);
  if (!existsSync(dir)) {
    const how = process.env.REDBAND_DATA_DIR
      ? `REDBAND_DATA_DIR=${process.env.REDBAND_DATA_DIR}`
      : 'REDBAND_DATA_DIR is unset, so ../shared/datasets beside the repository';
    const error = new Error(
      `the ${name.toUpperCase()} data set is missing: no folder ${dir} (${how}); set REDBAND_DATA_DIR to the folder that holds ${name}/`,
    );
    error.stack = `Error: ${error.message}`; // the line is the whole story: no stack under it
    throw error;
  }
  return dir;
}

/** A file of the real SKAB data set, e.g. `skabFile('valve1/1.csv')`. */
export const skabFile = (relative: string): string => join(datasetDir('skab'), relative);
