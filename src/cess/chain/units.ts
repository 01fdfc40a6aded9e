/** One GiB in bytes (territory space is sold in whole GiB). */
export const GIB = 1024n ** 3n;
export const MIB = 1024n ** 2n;
/** Territory space every 32 MiB segment locks: 12 fragments x 8 MiB (cess-protocol.md). */
export const SPACE_PER_SEGMENT = 96n * MIB;
export const SEGMENT_SIZE = 32 * 1024 * 1024;

/** The first runtime spec that charges `gib * days * UnitPrice` (earlier ones divide by 30). */
export const PRICE_PER_DAY_SPEC = 121;

/**
 * What the runtime charges for `gib` GiB during `days` days at `unitPrice` (planck), as
 * storageHandler computes it: spec < 121 treats UnitPrice as the price of 1 GiB for 30 days
 * (`gib * days * UnitPrice / 30`, integer division of the per-day price first, as the pallet
 * does), later specs as the price of 1 GiB for one day.
 */
export function territoryCost(
  unitPrice: bigint,
  gib: number | bigint,
  days: number | bigint,
  specVersion: number,
): bigint {
  const g = BigInt(gib);
  const d = BigInt(days);
  if (g < 0n || d < 0n) throw new RangeError('gib and days must not be negative');
  if (specVersion < PRICE_PER_DAY_SPEC) return (unitPrice / 30n) * g * d;
  return unitPrice * g * d;
}

/** Days left until `deadline`, rounded up, as the pallet counts them for an expansion. */
export function remainingDays(deadline: number, now: number, blocksPerDay: number): number {
  if (deadline <= now) return 0;
  return Math.ceil((deadline - now) / blocksPerDay);
}

/** Territory space an upload of `size` bytes locks (96 MiB per started 32 MiB segment, at least one). */
export function spaceNeeded(size: number): bigint {
  return SPACE_PER_SEGMENT * BigInt(Math.max(1, Math.ceil(size / SEGMENT_SIZE)));
}

/** `amount` planck as "1.5 TCESS" (trailing zeros dropped, at most `maxFraction` decimals). */
export function formatToken(
  amount: bigint,
  decimals: number,
  symbol: string,
  maxFraction = 4,
): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  let frac = (abs % unit)
    .toString()
    .padStart(decimals, '0')
    .slice(0, maxFraction)
    .replace(/0+$/, '');
  if (frac === '' && abs % unit !== 0n && whole === 0n) frac = '0'.repeat(maxFraction - 1) + '1'; // tiny but not zero
  return `${neg ? '-' : ''}${whole.toString()}${frac ? `.${frac}` : ''} ${symbol}`;
}

/** "1.5 TCESS" or "1.5" -> planck. */
export function parseToken(text: string, decimals: number): bigint {
  const m = /^\s*(\d+)(?:\.(\d+))?\s*(?:[A-Za-z]+)?\s*$/.exec(text);
  if (!m) throw new Error(`not an amount: '${text}'`);
  const frac = (m[2] ?? '').padEnd(decimals, '0');
  if (frac.length > decimals) throw new Error(`'${text}' has more than ${decimals} decimals`);
  return BigInt(m[1] ?? '0') * 10n ** BigInt(decimals) + BigInt(frac || '0');
}

/** Bytes as "96 MiB", "1 GiB", "1.03 GiB", "512 B" (rounded down to 2 decimals). */
export function formatBytes(bytes: bigint | number): string {
  const b = BigInt(bytes);
  const units: [bigint, string][] = [
    [1024n ** 4n, 'TiB'],
    [GIB, 'GiB'],
    [MIB, 'MiB'],
    [1024n, 'KiB'],
  ];
  for (const [size, name] of units) {
    if (b >= size) {
      const hundredths = (b * 100n) / size;
      const frac = (hundredths % 100n).toString().padStart(2, '0').replace(/0+$/, '');
      return `${hundredths / 100n}${frac ? `.${frac}` : ''} ${name}`;
    }
  }
  return `${b} B`;
}
