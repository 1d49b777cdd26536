// Typed errors of the streaming covariance summaries. A summary that throws one of
// these has not been modified: validation happens before any state changes.

export class NonFiniteInputError extends Error {
  override readonly name = 'NonFiniteInputError';
  constructor(
    /** row index within the pushed batch (0 for a single push) */
    readonly row: number,
    /** coordinate index */
    readonly column: number,
    readonly value: number,
  ) {
    super(`non-finite input at row ${row}, column ${column}: ${value}`);
  }
}

export class DimensionMismatchError extends Error {
  override readonly name = 'DimensionMismatchError';
  constructor(
    readonly expected: number,
    readonly got: number,
    what = 'vector length',
  ) {
    super(`${what}: expected ${expected}, got ${got}`);
  }
}

/** Throws unless `x` has length k and every entry is finite. */
export function validateVector(x: ArrayLike<number>, k: number, row = 0): void {
  if (x.length !== k) throw new DimensionMismatchError(k, x.length);
  for (let j = 0; j < k; j++) {
    const v = x[j]!;
    if (!Number.isFinite(v)) throw new NonFiniteInputError(row, j, v);
  }
}

/** Throws unless `rows` holds at least count×k entries, all finite. */
export function validateBatch(rows: ArrayLike<number>, count: number, k: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`batch count must be a non-negative integer, got ${count}`);
  }
  if (rows.length < count * k) {
    throw new DimensionMismatchError(count * k, rows.length, `batch of ${count} rows × ${k}`);
  }
  for (let i = 0; i < count * k; i++) {
    const v = rows[i]!;
    if (!Number.isFinite(v)) throw new NonFiniteInputError(Math.floor(i / k), i % k, v);
  }
}
