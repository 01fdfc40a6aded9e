/**
 * GF(2^8) arithmetic and matrices exactly as github.com/klauspost/reedsolomon builds them:
 * field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d, klauspost's `generatingPolynomial = 29`),
 * generator 2, and the default encoding matrix `buildMatrix`: a Vandermonde matrix
 * `vm[r][c] = r^c` (with 0^0 = 1) multiplied by the inverse of its top square, so the top is
 * the identity (systematic code: data shards are stored unchanged).
 */

/** The field polynomial without its x^8 term is 0x1d; with it, 0x11d. */
export const GF_POLYNOMIAL = 0x11d;

/** EXP[i] = 2^i for i in [0, 510): doubled so EXP[LOG[a] + LOG[b]] needs no modulo. */
export const EXP = new Uint8Array(510);
/** LOG[a] = i with 2^i = a, for a != 0 (LOG[0] is unused and left 0). */
export const LOG = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
  EXP.copyWithin(255, 0, 255);
}

// Indexing a typed array out of range gives undefined; `?? 0` satisfies the type checker
// (noUncheckedIndexedAccess) and never triggers for bytes.
const exp = (i: number): number => EXP[i] ?? 0;
const log = (a: number): number => LOG[a] ?? 0;

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return exp(log(a) + log(b));
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('GF(256): 0 has no inverse');
  return exp(255 - log(a));
}

/** a^n as klauspost's galExp: a^0 = 1 (also for a = 0), 0^n = 0 for n > 0. */
export function gfExp(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return exp((log(a) * n) % 255);
}

/** 256-entry table of c * x for every byte x. */
export function mulTable(c: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let x = 1; x < 256; x++) t[x] = gfMul(c, x);
  return t;
}

export type Matrix = number[][];

/** Element (r, c), 0 outside the matrix. */
export const el = (m: readonly (readonly number[])[], r: number, c: number): number =>
  m[r]?.[c] ?? 0;

export function matMul(a: Matrix, b: Matrix): Matrix {
  const cols = b[0]?.length ?? 0;
  return a.map((row) => {
    const out = new Array<number>(cols).fill(0);
    for (let c = 0; c < cols; c++) {
      let s = 0;
      row.forEach((v, k) => (s ^= gfMul(v, el(b, k, c))));
      out[c] = s;
    }
    return out;
  });
}

/** Inverse of a square matrix by Gauss-Jordan elimination; throws if it is singular. */
export function matInvert(m: Matrix): Matrix {
  const n = m.length;
  const a = m.map((row, i) => {
    if (row.length !== n) throw new RangeError('matInvert: not a square matrix');
    const ext = row.concat(new Array<number>(n).fill(0));
    ext[n + i] = 1;
    return ext;
  });
  for (let c = 0; c < n; c++) {
    let p = c;
    while (p < n && el(a, p, c) === 0) p++;
    const pivot = a[p];
    const current = a[c];
    if (!pivot || !current) throw new RangeError('matInvert: singular matrix');
    a[c] = pivot;
    a[p] = current;
    const inv = gfInv(el(a, c, c));
    pivot.forEach((v, k) => (pivot[k] = gfMul(v, inv)));
    a.forEach((row, r) => {
      const f = el(a, r, c);
      if (r === c || f === 0) return;
      row.forEach((v, k) => (row[k] = v ^ gfMul(f, el(a, c, k))));
    });
  }
  return a.map((row) => row.slice(n));
}

/**
 * klauspost/reedsolomon `buildMatrix(dataShards, totalShards)`: the (total x data) encoding
 * matrix of `reedsolomon.New(data, parity)` with default options.
 */
export function buildEncodingMatrix(dataShards: number, totalShards: number): Matrix {
  const vm: Matrix = [];
  for (let r = 0; r < totalShards; r++) {
    const row: number[] = [];
    for (let c = 0; c < dataShards; c++) row.push(gfExp(r & 0xff, c));
    vm.push(row);
  }
  return matMul(vm, matInvert(vm.slice(0, dataShards)));
}
