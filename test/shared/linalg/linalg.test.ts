import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { hypot2, symmetricEigenvalues } from '../../../shared/linalg/symmetric-eigen.ts';
import {
  cholesky,
  choleskyLogDet,
  choleskySolve,
  choleskyTraceSolve,
} from '../../../shared/linalg/cholesky.ts';
import { createRng } from '../../../shared/random.ts';

function randomSpd(k: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Matrix(2 * k, k);
  for (let i = 0; i < 2 * k; i++) for (let j = 0; j < k; j++) a.set(i, j, rng.normal());
  return Float64Array.from(a.transpose().mmul(a).to1DArray());
}

describe('symmetricEigenvalues', () => {
  it.each([1, 2, 3, 7, 32, 65])('matches ml-matrix for k = %i', (k) => {
    const m = randomSpd(k, k);
    const expected = new EigenvalueDecomposition(new Matrix([...chunk(m, k)]), {
      assumeSymmetric: true,
    }).realEigenvalues.sort((a, b) => b - a);
    const got = symmetricEigenvalues(m, k);
    for (let i = 0; i < k; i++)
      expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-10 * expected[0]!);
  });

  it('handles repeated and zero eigenvalues', () => {
    expect(Array.from(symmetricEigenvalues(new Float64Array(9), 3))).toEqual([0, 0, 0]);
    const ones = symmetricEigenvalues(new Float64Array(16).fill(1), 4);
    expect(ones[0]).toBeCloseTo(4, 12);
    for (let i = 1; i < 4; i++) expect(Math.abs(ones[i]!)).toBeLessThan(1e-14);
  });
});

describe('cholesky', () => {
  it('solves, takes log det and traces without an explicit inverse', () => {
    const k = 6;
    const a = randomSpd(k, 3);
    const f = cholesky(a, k)!;
    const am = new Matrix([...chunk(a, k)]);
    const b = Array.from({ length: k }, (_, i) => i - 2);
    const x = choleskySolve(f, b);
    const back = am.mmul(Matrix.columnVector(Array.from(x))).to1DArray();
    back.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 10));
    const eig = new EigenvalueDecomposition(am, { assumeSymmetric: true }).realEigenvalues;
    expect(choleskyLogDet(f)).toBeCloseTo(
      eig.reduce((s, l) => s + Math.log(l), 0),
      10,
    );
    expect(choleskyTraceSolve(f, a)).toBeCloseTo(k, 10);
  });

  it('returns null for a singular or indefinite matrix', () => {
    expect(cholesky([1, 1, 1, 1], 2)).toBeNull();
    expect(cholesky([1, 2, 2, 1], 2)).toBeNull();
  });
});

function* chunk(m: Float64Array, k: number): Generator<number[]> {
  for (let i = 0; i < k; i++) yield Array.from(m.subarray(i * k, (i + 1) * k));
}

describe('hypot2', () => {
  it('equals Math.hypot bit for bit, on random and edge inputs', () => {
    const rng = createRng(7);
    const edges = [0, -0, 1, -1, 3, 4, 5e-324, 1e-310, 1e-154, 1e154, 1.7976931348623157e308];
    const specials = [Infinity, -Infinity, NaN];
    const pairs: Array<[number, number]> = [];
    for (const a of [...edges, ...specials])
      for (const b of [...edges, ...specials]) pairs.push([a, b]);
    for (let i = 0; i < 20_000; i++) {
      const scale = () => 10 ** Math.floor(rng.next() * 60 - 30);
      pairs.push([rng.normal() * scale(), rng.normal() * scale()]);
      pairs.push([rng.normal(), rng.normal()]);
    }
    const differing = pairs.filter(([a, b]) => !Object.is(hypot2(a, b), Math.hypot(a, b)));
    expect(differing).toEqual([]);
  });
});
