// Where `redband demo --skab` finds the SKAB data set: --data DIR, else $REDBAND_SKAB_DIR,
// else the folder beside the repository. Light: the CLI checks it before starting anything.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../shared/errors.ts';

/** The variable naming SKAB's folder (--data wins over it). */
export const SKAB_DIR_ENV = 'REDBAND_SKAB_DIR';
/** SKAB's folder when neither names one: the data set beside the repository. */
export const DEFAULT_SKAB_DIR = fileURLToPath(
  new URL('../../shared/datasets/skab', import.meta.url),
);
/** The run the SKAB device replays, inside SKAB's folder: a closed valve. */
export const SKAB_RUN = 'valve1/1.csv';

/** SKAB's folder and what named it, for the message when it is missing. */
export interface SkabData {
  dir: string;
  from: string;
}

/** --data DIR, else $REDBAND_SKAB_DIR, else the default; relative to the working directory. */
export function skabData(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): SkabData {
  if (flag !== undefined) return { dir: resolve(cwd, flag), from: '--data' };
  const named = env[SKAB_DIR_ENV];
  if (named) return { dir: resolve(cwd, named), from: SKAB_DIR_ENV };
  return { dir: DEFAULT_SKAB_DIR, from: `the default: neither --data nor ${SKAB_DIR_ENV} is set` };
}

/** The SKAB run to replay; a missing folder or run is one line saying how to point at it. */
export function skabReplayFile(data: SkabData): string {
  if (!existsSync(data.dir)) {
    throw new UserError(
      `--skab: the SKAB data folder ${data.dir} is missing (${data.from}); point at it with --data DIR or ${SKAB_DIR_ENV}=DIR`,
    );
  }
  const file = join(data.dir, SKAB_RUN);
  if (!existsSync(file)) {
    throw new UserError(
      `--skab: ${SKAB_RUN} is missing from the SKAB data folder ${data.dir} (${data.from})`,
    );
  }
  return file;
}
