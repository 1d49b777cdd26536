import { describe, expect, it } from 'vitest';
import { parseSensorCsv } from '../../mae/csv.ts';
import { UserError } from '../../shared/errors.ts';

const skab = [
  'datetime;A;B;anomaly;changepoint',
  '2020-02-08 13:30:47;1.5;2;0;0',
  '2020-02-08 13:30:48;1.25;-3e-1;1;1',
].join('\n');

describe('parseSensorCsv', () => {
  it('reads the SKAB layout, skipping the time and label columns', () => {
    const t = parseSensorCsv('s.csv', skab + '\n\n');
    expect(t.channels).toEqual(['A', 'B']);
    expect(t.rows).toBe(2);
    expect(Array.from(t.data)).toEqual([1.5, 2, 1.25, -0.3]);
  });

  it('reads a comma CSV and selects columns by name', () => {
    const t = parseSensorCsv('c.csv', 'timestamp,x,y,z\r\n1,1,2,3\r\n2,4,5,6\r\n', ['z', 'x']);
    expect(t.channels).toEqual(['z', 'x']);
    expect(Array.from(t.data)).toEqual([3, 1, 6, 4]);
  });

  it.each([
    ['', 'e.csv: empty file (expected a header row)'],
    ['t,a\n1,2\n2,3,4\n', 'e.csv line 3: 3 fields, the header has 2'],
    ['t,a,b\n1,2,\n', 'e.csv line 2, column "b": empty cell'],
    ['t,a\n1,2\n2,NaN\n', 'e.csv line 3, column "a": "NaN" is not a finite number'],
    ['t,a\n1,oops\n', 'e.csv line 2, column "a": "oops" is not a finite number'],
    ['datetime;anomaly\nx;0\n', 'e.csv: no sensor columns in the header'],
    ['t,,b\n1,2,3\n', 'e.csv line 1: column 2 has no name'],
  ])('%j → %s', (text, message) => {
    const run = () => parseSensorCsv('e.csv', text);
    expect(run).toThrow(UserError);
    expect(run).toThrow(message);
  });

  it('names an unknown column and lists the header', () => {
    expect(() => parseSensorCsv('s.csv', skab, ['A', 'Pressure'])).toThrow(
      's.csv: unknown column "Pressure" (the header has "datetime", "A", "B", "anomaly", "changepoint")',
    );
  });
});
