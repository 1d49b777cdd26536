import { describe, expect, it } from 'vitest';
import {
  finiteNumber,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
} from '../../shared/cli-args.ts';

describe('numeric command-line values', () => {
  it.each([
    [finiteNumber, '-2.5', -2.5],
    [finiteNumber, ' 3 ', 3],
    [positiveNumber, '0.1', 0.1],
    [positiveNumber, '1e3', 1000],
    [nonNegativeInt, '0', 0],
    [positiveInt, '12', 12],
  ])('%o accepts %j as %d', (make, text, value) => {
    expect(make('--x')(text)).toBe(value);
  });

  it.each([
    [finiteNumber, '', 'a number'],
    [finiteNumber, '10s', 'a number'],
    [finiteNumber, '1e999', 'a number'],
    [positiveNumber, '0', 'a positive number'],
    [positiveNumber, 'NaN', 'a positive number'],
    [nonNegativeInt, '-1', 'a non-negative integer'],
    [nonNegativeInt, '1.5', 'a non-negative integer'],
    [positiveInt, '0', 'a positive integer'],
  ])('%o refuses %j, naming the option', (make, text, what) => {
    expect(() => make('--seconds')(text)).toThrow(`--seconds must be ${what}, got "${text}"`);
  });
});
