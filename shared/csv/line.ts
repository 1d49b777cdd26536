// One CSV line at a time: the replay streams files line by line, so a quoted cell cannot span
// lines here (such a line is rejected as an unterminated quote, never silently merged).
// Quoting follows RFC 4180: a cell in double quotes may hold the delimiter, and "" is a quote.

export type CsvLineErrorKind = 'unterminated-quote' | 'text-after-quote';

export interface CsvLineError {
  kind: CsvLineErrorKind;
  /** 1-based cell number where the problem is */
  cell: number;
  message: string;
}

export type CsvLineResult = { ok: true; cells: string[] } | { ok: false; error: CsvLineError };

const QUOTE = 34; // "

export function parseCsvLine(line: string, delimiter: string): CsvLineResult {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`delimiter must be one character other than a quote or newline`);
  }
  const delim = delimiter.charCodeAt(0);
  const cells: string[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    // Leading spaces before an opening quote are tolerated (common in hand-written files).
    let j = i;
    while (j < n && line.charCodeAt(j) === 32 && delim !== 32) j++;
    if (j < n && line.charCodeAt(j) === QUOTE) {
      let cell = '';
      let k = j + 1;
      while (true) {
        const q = line.indexOf('"', k);
        if (q < 0) {
          return fail('unterminated-quote', cells.length + 1, 'quoted cell is not closed');
        }
        cell += line.slice(k, q);
        if (line.charCodeAt(q + 1) === QUOTE) {
          cell += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (k < n && line.charCodeAt(k) === 32 && delim !== 32) k++;
      cells.push(cell);
      if (k >= n) return { ok: true, cells };
      if (line.charCodeAt(k) !== delim) {
        return fail('text-after-quote', cells.length, 'unexpected text after a closing quote');
      }
      i = k + 1;
      continue;
    }
    const d = line.indexOf(delimiter, i);
    if (d < 0) {
      cells.push(line.slice(i));
      return { ok: true, cells };
    }
    cells.push(line.slice(i, d));
    i = d + 1;
  }
}

function fail(kind: CsvLineErrorKind, cell: number, what: string): CsvLineResult {
  return { ok: false, error: { kind, cell, message: `cell ${cell}: ${what}` } };
}

/** The inverse of parseCsvLine: quotes a cell only when it must. */
export function formatCsvLine(cells: readonly string[], delimiter: string): string {
  return cells
    .map((c) =>
      c.includes(delimiter) || c.includes('"') || c.includes('\n') || c.includes('\r')
        ? `"${c.replaceAll('"', '""')}"`
        : c,
    )
    .join(delimiter);
}

const CANDIDATES = [';', ',', '\t', '|'] as const;

/**
 * The delimiter that splits the header into the most cells, preferring one that splits the
 * first data line into the same number; ',' when nothing splits (a one-column file).
 */
export function detectDelimiter(header: string, firstRow?: string): string {
  let best: string = ',';
  let bestScore = -1;
  for (const d of CANDIDATES) {
    const h = parseCsvLine(header, d);
    if (!h.ok || h.cells.length < 2) continue;
    const r = firstRow === undefined ? undefined : parseCsvLine(firstRow, d);
    const consistent = r === undefined || (r.ok && r.cells.length === h.cells.length);
    // Consistency with the data outweighs any number of header cells.
    const score = (consistent ? 1e6 : 0) + h.cells.length;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
