// Parsers of numeric command-line values, one per kind, shared by every command (the CLI,
// the agent bundle, training). Strict: the whole text must be the number ('10s', '' and
// '1e999' are refused, not turned into NaN or ∞), and the error names the option.
import { InvalidArgumentError } from 'commander';

type Parser = (text: string) => number;

function numberFrom(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

function parser(what: string, ok: (n: number) => boolean): (name: string) => Parser {
  return (name) => (text) => {
    const n = numberFrom(text);
    if (!Number.isFinite(n) || !ok(n))
      throw new InvalidArgumentError(`${name} must be ${what}, got "${text}"`);
    return n;
  };
}

/** any finite number */
export const finiteNumber = parser('a number', () => true);
/** a finite number > 0 */
export const positiveNumber = parser('a positive number', (n) => n > 0);
/** an integer ≥ 0 */
export const nonNegativeInt = parser(
  'a non-negative integer',
  (n) => Number.isInteger(n) && n >= 0,
);
/** an integer ≥ 1 */
export const positiveInt = parser('a positive integer', (n) => Number.isInteger(n) && n >= 1);
