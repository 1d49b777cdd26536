// Every subcommand of `redband`, listed in one place. Each module exports a
// factory that builds its commander Command; importing it has no side effects.
// Actions import their implementation when they run: every start builds every command's options.
import type { Command } from 'commander';
import { calibrateCommand } from './calibrate.ts';
import { trainCommand } from './train.ts';
import { measuresCommand } from './measures.ts';
import { benchCommand } from './bench.ts';
import { agentCommand } from './agent.ts';
import { demoCommand } from './demo.ts';
import { collectorCommand } from './collector.ts';
import { silenceCommand } from './silence.ts';
import { rebaselineCliCommand } from './rebaseline.ts';

export type CommandFactory = () => Command;

export const commandFactories: CommandFactory[] = [
  trainCommand,
  calibrateCommand,
  measuresCommand,
  benchCommand,
  agentCommand,
  demoCommand,
  collectorCommand,
  silenceCommand,
  rebaselineCliCommand,
];
