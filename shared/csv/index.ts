export * from './line.ts';
export * from './cells.ts';
