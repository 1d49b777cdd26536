#!/usr/bin/env node
// Entry for `npx redband`: runs the TypeScript CLI through tsx's loader so the
// repository needs no build step. Devices use the esbuild bundle (npm run build:agent).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
