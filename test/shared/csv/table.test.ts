import { describe, expect, it } from 'vitest';
import { parseCsvTable } from '../../../shared/csv/table.ts';

describe('parseCsvTable', () => {
  it.each([
    [
      'comma',
      'a,b\n1,2\n3,4\n',
      {},
      ',',
      ['a', 'b'],
      [
        [2, ['1', '2']],
        [3, ['3', '4']],
      ],
    ],
    [
      'SKAB semicolons, BOM, CRLF',
      '\uFEFFdatetime;x\r\n2020-01-01;1\r\n',
      {},
      ';',
      ['datetime', 'x'],
      [[2, ['2020-01-01', '1']]],
    ],
    ['quoted delimiter', '"a,b",c\n"1,5",2\n', {}, ',', ['a,b', 'c'], [[2, ['1,5', '2']]]],
    ['trailing blank lines', 'a,b\n1,2\n\n\n', {}, ',', ['a', 'b'], [[2, ['1', '2']]]],
    [
      'comments kept apart',
      '# made by hand\na;b\n\n# mid\n1;2\n',
      { comments: true },
      ';',
      ['a', 'b'],
      [[5, ['1', '2']]],
    ],
    [
      'a given delimiter',
      'a|b;c\n1|2;3\n',
      { delimiter: ';' },
      ';',
      ['a|b', 'c'],
      [[2, ['1|2', '3']]],
    ],
  ] as const)('%s', (_, text, opts, delimiter, header, rows) => {
    const t = parseCsvTable('f.csv', text, opts);
    expect(t.delimiter).toBe(delimiter);
    expect(t.header).toEqual(header);
    expect(t.rows.map((r) => [r.line, r.cells])).toEqual(rows);
  });

  it.each([
    ['', 'f.csv: empty file (expected a header row)'],
    ['\n\n', 'f.csv: empty file (expected a header row)'],
    ['a,,b\n1,2,3\n', 'f.csv line 1: column 2 has no name'],
    ['a,b\n1,2\n1,2,3\n', 'f.csv line 3: 3 fields, the header has 2'],
    ['a,b\n1,2\n\n1,2\n', 'f.csv line 3: 1 fields, the header has 2'],
    ['a,b\n"1,2\n', 'f.csv line 2: cell 1'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseCsvTable('f.csv', text)).toThrow(message);
  });
});
