export * from './line.ts';
export * from './cells.ts';
export * from './table.ts';
