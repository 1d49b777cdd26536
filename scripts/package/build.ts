#!/usr/bin/env node
// `npm run build:agent`: the device package dist/redband-agent-<version>-linux-<arch>.tar.gz
// (bundle, the config's model, the config, the systemd unit, install.sh, and the node_modules
// files that architecture needs). Steps: scripts/package/steps.ts; layout: README.md's
// "Deploying an agent on a device".
import { parseArgs } from 'node:util';
import { ARCHES, type Arch } from './modules.ts';
import { isUserError } from '../../shared/errors.ts';
import { buildPackage, PackageError, type BuildOptions } from './steps.ts';

const USAGE =
  'usage: npm run build:agent -- [--arch x64|arm64|arm] [--config firmware-configs/<x>.yaml] ' +
  '[--out DIR] [--sqlite-binary FILE]';

/** Node's name for the host architecture as a package architecture, when it is one. */
function hostArch(): Arch | undefined {
  return (ARCHES as readonly string[]).includes(process.arch) ? (process.arch as Arch) : undefined;
}

function options(argv: string[]): BuildOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        config: { type: 'string', default: 'firmware-configs/sim-vibration.yaml' },
        out: { type: 'string', default: 'dist' },
        'sqlite-binary': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new PackageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const arch = values.arch ?? hostArch();
  if (arch === undefined) {
    throw new PackageError(`this host is ${process.arch}: pass --arch (${ARCHES.join(', ')})`);
  }
  if (!(ARCHES as readonly string[]).includes(arch)) {
    throw new PackageError(`--arch ${arch}: expected one of ${ARCHES.join(', ')}`);
  }
  return {
    arch: arch as Arch,
    config: values.config,
    out: values.out,
    sqliteBinary: values['sqlite-binary'],
    cwd: process.cwd(),
    progress: (line) => process.stdout.write(`${line}\n`),
  };
}

try {
  const result = buildPackage(options(process.argv.slice(2)));
  process.stdout.write(`${result.file}: ${(result.bytes / 2 ** 20).toFixed(1)} MiB\n`);
} catch (e) {
  if (isUserError(e)) {
    process.stderr.write(`build:agent: ${(e as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`build:agent: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
