// `redband demo --help` says what each option does, in terms a new user reads correctly.
import { describe, expect, it } from 'vitest';
import { demoCommand } from '../../cli/demo.ts';

describe('redband demo --help', () => {
  const help = demoCommand().helpInformation().replace(/\s+/g, ' ');
  it.each([
    ['--speed', '--speed <n> replay the simulated devices at N× real time (1 = real time;'],
    ['--data', "--data <dir> the SKAB data set's folder for --skab (default: $REDBAND_SKAB_DIR,"],
  ])('%s', (_option, text) => {
    expect(help).toContain(text);
  });
});
