// The SKAB data set sits beside the repository (../shared/datasets/skab), wherever it is cloned.
import { fileURLToPath } from 'node:url';

export const SKAB_DIR = fileURLToPath(new URL('../../../shared/datasets/skab/', import.meta.url));
export const skabFile = (relative: string): string => SKAB_DIR + relative;
