/**
 * The deterministic test content of tools/fid-vectors/main.go: byte i is (i*31 + 7) mod 251.
 * The sequence repeats every 251 bytes, so it is built by tiling one period.
 */
export function patternByte(i: number): number {
  return (i * 31 + 7) % 251;
}

/** Bytes [offset, offset + length) of the pattern. */
export function patternBytes(length: number, offset = 0): Uint8Array {
  const out = new Uint8Array(length);
  const first = Math.min(length, 251);
  for (let i = 0; i < first; i++) out[i] = patternByte(offset + i);
  for (let filled = first; filled < length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, length - filled));
  }
  return out;
}
