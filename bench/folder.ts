// What the file-based benchmarks share about their data folder: the folder's entries, sorted,
// or a UserError naming it (the person running the bench has to fix the path).
import { readdirSync, statSync } from 'node:fs';
import { UserError } from '../shared/errors.ts';

export function benchDataError(msg: string): never {
  throw new UserError(msg, 'bench-data');
}

/** The entries of `dir`, sorted by name. */
export function listFolder(dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) benchDataError(`${dir} is not a folder`);
    return readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof UserError) throw e;
    return benchDataError(`${dir}: cannot read the folder (${(e as Error).message})`);
  }
}
