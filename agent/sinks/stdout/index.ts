// The stdout sink plugin: no config sections of its own.
import { z } from 'zod';
import type { SinkFactory } from '../types.ts';
import { createStdoutSink } from './sink.ts';

export const configSchema = z.strictObject({});

export const factory: SinkFactory<'stdout', typeof configSchema> = {
  type: 'stdout',
  configSchema,
  create: (_settings, deps) => createStdoutSink(deps.stdout),
};
