// The layout of a CSV file, settled once at startup from its first bytes: delimiter, header,
// time column, label columns and channel columns. Everything that would make the whole replay
// meaningless (no header, a configured column that is not there) is a fatal UserError here,
// before any sample flows.
import { UserError } from '../../../shared/errors.ts';
import { detectDelimiter, parseCsvLine } from '../../../shared/csv/line.ts';
import { parseNumberCell } from '../../../shared/csv/cells.ts';

export const AUTO_TIME_COLUMNS = ['datetime', 'timestamp', 'time'] as const;
export const DEFAULT_LABEL_COLUMNS = ['anomaly', 'changepoint'] as const;
/** How many data rows of the head decide which columns are numeric. */
const SNIFF_ROWS = 50;

export interface LayoutRequest {
  path: string;
  delimiter: string;
  columns?: readonly string[] | undefined;
  time_column?: string | false | undefined;
  label_columns?: readonly string[] | undefined;
}

export interface CsvLayout {
  delimiter: string;
  header: readonly string[];
  timeIndex: number | undefined;
  columns: readonly string[];
  columnIndices: readonly number[];
  labelNames: readonly string[];
  labelIndices: readonly number[];
}

export function stripBom(line: string): string {
  return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
}

/** `head`: the first bytes of the file (a trailing partial line is ignored). */
export function resolveLayout(req: LayoutRequest, head: string, complete: boolean): CsvLayout {
  const where = (line: number): string => `${req.path}:${line}`;
  const lines = stripBom(head).split(/\r?\n/);
  if (!complete) lines.pop();
  const headerLine = lines[0] ?? '';
  if (headerLine.trim() === '') {
    throw new UserError(`${where(1)}: empty header row (is the file empty?)`, 'csv-header');
  }
  const dataLines = lines.slice(1).filter((l) => l.trim() !== '');
  const delimiter =
    req.delimiter === 'auto' ? detectDelimiter(headerLine, dataLines[0]) : req.delimiter;
  const parsed = parseCsvLine(headerLine, delimiter);
  if (!parsed.ok) {
    throw new UserError(`${where(1)}: unparseable header: ${parsed.error.message}`, 'csv-header');
  }
  const header = parsed.cells.map((c) => c.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (name !== '' && seen.has(name)) {
      throw new UserError(
        `${where(1)}: column "${name}" appears twice in the header`,
        'csv-header',
      );
    }
    seen.add(name);
  }
  const find = (name: string, role: string): number => {
    const i = header.indexOf(name);
    if (i < 0) {
      throw new UserError(
        `${where(1)}: ${role} "${name}" is not in the header (columns: ${header.join(', ')})`,
        'csv-column',
      );
    }
    return i;
  };

  let timeIndex: number | undefined;
  if (typeof req.time_column === 'string') timeIndex = find(req.time_column, 'time_column');
  else if (req.time_column === undefined) {
    const lower = header.map((h) => h.toLowerCase());
    for (const name of AUTO_TIME_COLUMNS) {
      const i = lower.indexOf(name);
      if (i >= 0) {
        timeIndex = i;
        break;
      }
    }
  }

  const labelNames = req.label_columns
    ? [...req.label_columns]
    : DEFAULT_LABEL_COLUMNS.filter((n) => header.includes(n));
  const labelIndices = labelNames.map((n) => find(n, 'label column'));

  let columns: string[];
  if (req.columns) {
    columns = [...req.columns];
    for (const c of columns) {
      const i = find(c, 'column');
      if (i === timeIndex) {
        throw new UserError(`${where(1)}: column "${c}" is the time column`, 'csv-column');
      }
    }
  } else {
    const rows = dataLines.slice(0, SNIFF_ROWS).flatMap((l) => {
      const r = parseCsvLine(l, delimiter);
      return r.ok && r.cells.length === header.length ? [r.cells] : [];
    });
    // Numeric: most non-empty sniffed cells are numbers, so a stray bad value does not drop a
    // sensor, while text columns (ids, status words) stay out. No rows sniffed: assume numeric.
    const numeric = (i: number): boolean => {
      const cells = rows.map((r) => r[i]!.trim()).filter((c) => c !== '');
      const numbers = cells.filter((c) => !Number.isNaN(parseNumberCell(c))).length;
      return rows.length === 0 || numbers * 2 > cells.length;
    };
    columns = header.filter(
      (name, i) => name !== '' && i !== timeIndex && !labelIndices.includes(i) && numeric(i),
    );
    if (columns.length === 0) {
      throw new UserError(
        `${where(1)}: no numeric columns to replay (header: ${header.join(', ')}); set "columns"`,
        'csv-column',
      );
    }
  }
  return {
    delimiter,
    header,
    timeIndex,
    columns,
    columnIndices: columns.map((c) => header.indexOf(c)),
    labelNames,
    labelIndices,
  };
}
