// A whole CSV text as a table: header and rows of cells, the delimiter detected once
// (detectDelimiter) and every line split by the RFC 4180 rules of parseCsvLine. Training
// (mae/csv.ts), `redband measures` and the SKAB bench read files through it; the agent's
// replay streams line by line with the same two functions. Every problem is a UserError
// naming the file and line ("<name> line N: …"), since the person has to fix the file.
import { UserError } from '../errors.ts';
import { detectDelimiter, parseCsvLine } from './line.ts';

/** Columns that are never sensor channels: timestamps and SKAB's label columns. */
export const NON_SENSOR_COLUMNS: ReadonlySet<string> = new Set([
  'datetime',
  'timestamp',
  'time',
  'date',
  't',
  'anomaly',
  'changepoint',
]);

export interface CsvRow {
  /** 1-based line number in the file */
  line: number;
  cells: string[];
}

export interface CsvTable {
  delimiter: string;
  /** the header's names, trimmed */
  header: string[];
  rows: CsvRow[];
}

export interface CsvTableOptions {
  /** a delimiter, or 'auto' (default): the one detectDelimiter picks */
  delimiter?: string;
  /** skip lines that start with '#' (and blank lines anywhere) */
  comments?: boolean;
}

/** Parses `text`; `name` (the file) starts every error message. */
export function parseCsvTable(name: string, text: string, opts: CsvTableOptions = {}): CsvTable {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((content, i) => ({ content, line: i + 1 }))
    .filter(({ content }) =>
      opts.comments ? content.trim() !== '' && !content.trimStart().startsWith('#') : true,
    );
  while (lines.length > 0 && lines[lines.length - 1]!.content.trim() === '') lines.pop();
  const head = lines[0];
  if (head === undefined || head.content.trim() === '')
    throw new UserError(`${name}: empty file (expected a header row)`, 'csv-parse');
  const delimiter =
    opts.delimiter === undefined || opts.delimiter === 'auto'
      ? detectDelimiter(head.content, lines[1]?.content)
      : opts.delimiter;
  const split = ({ content, line }: { content: string; line: number }): string[] => {
    const parsed = parseCsvLine(content, delimiter);
    if (!parsed.ok)
      throw new UserError(`${name} line ${line}: ${parsed.error.message}`, 'csv-parse');
    return parsed.cells;
  };
  const header = split(head).map((h) => h.trim());
  const unnamed = header.findIndex((h) => h === '');
  if (unnamed >= 0)
    throw new UserError(
      `${name} line ${head.line}: column ${unnamed + 1} has no name`,
      'csv-parse',
    );
  const rows = lines.slice(1).map((l) => {
    const cells = split(l);
    if (cells.length !== header.length) {
      throw new UserError(
        `${name} line ${l.line}: ${cells.length} fields, the header has ${header.length}`,
        'csv-shape',
      );
    }
    return { line: l.line, cells };
  });
  return { delimiter, header, rows };
}
