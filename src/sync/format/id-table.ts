/**
 * A map from 32-byte blob ids to small integers, without a string or an object per id.
 *
 * A repository of 100,000 files indexes over 200,000 blobs; keyed by `type:hex` strings with an
 * entry object each, that index alone held about 75 MiB for the life of the daemon. Here the
 * key is the id's first 30 bits (a small integer V8 stores inline, pointer compression or not) and the full id is compared
 * on lookup through `idOf`, which reads it from where the caller already keeps it (the pack
 * header). Ids are keyed hashes, so the prefixes are evenly spread; prefixes that two ids share
 * (a handful among 200,000) chain in a second, mostly empty map.
 */
export class IdTable {
  private readonly first = new Map<number, number>();
  private readonly more = new Map<number, number[]>();
  private count = 0;

  /** `idOf(value)`: the 32-byte id stored under `value`. */
  constructor(private readonly idOf: (value: number) => Uint8Array) {}

  get size(): number {
    return this.count;
  }

  get(id: Uint8Array): number | undefined {
    const k = prefixOf(id);
    const v = this.first.get(k);
    if (v === undefined) return undefined;
    if (sameId(this.idOf(v), id)) return v;
    for (const w of this.more.get(k) ?? []) if (sameId(this.idOf(w), id)) return w;
    return undefined;
  }

  /** Stores `value` under `id`, replacing the value of an equal id. */
  set(id: Uint8Array, value: number): void {
    const k = prefixOf(id);
    const v = this.first.get(k);
    if (v === undefined) {
      this.first.set(k, value);
      this.count++;
      return;
    }
    if (sameId(this.idOf(v), id)) {
      this.first.set(k, value);
      return;
    }
    const list = this.more.get(k);
    if (list === undefined) {
      this.more.set(k, [value]);
      this.count++;
      return;
    }
    const i = list.findIndex((w) => sameId(this.idOf(w), id));
    if (i >= 0) list[i] = value;
    else {
      list.push(value);
      this.count++;
    }
  }

  *values(): IterableIterator<number> {
    yield* this.first.values();
    for (const list of this.more.values()) yield* list;
  }

  clear(): void {
    this.first.clear();
    this.more.clear();
    this.count = 0;
  }
}

function prefixOf(id: Uint8Array): number {
  return (
    ((id[0] as number) << 22) |
    ((id[1] as number) << 14) |
    ((id[2] as number) << 6) |
    ((id[3] as number) >>> 2)
  );
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
