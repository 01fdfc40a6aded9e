/**
 * What the record vector tools (compaction-vectors.ts, share-record-vectors.ts) share: the
 * record pack written deterministically and listed as the vectors list it, and the file write
 * when a tool runs as a script.
 */
import { writeFileSync } from 'node:fs';

import {
  deriveKeys,
  MemorySink,
  type FormatKeys,
  type PackInfo,
  type PackSink,
} from '../src/sync/format/index.js';
import type { RecordPackOptions } from '../src/sync/remote/record-pack.js';
import { VECTOR_SEED, counterNonces } from './format-vectors.js';

export interface PackVector {
  packId: string;
  name: string;
  hex: string;
  entries: { type: string; id: string; offset: number; length: number }[];
}

/**
 * Writes one record pack with the format vectors' seed and counter nonces and a fixed pack id
 * tail; returns the keys used, the record blob's id and the pack.
 */
export async function recordPackVector(
  packIdTail: Uint8Array,
  write: (
    keys: FormatKeys,
    sink: PackSink,
    opts: RecordPackOptions,
  ) => Promise<PackInfo & { blobId: string }>,
): Promise<{ keys: FormatKeys; blobId: string; pack: PackVector }> {
  const keys = deriveKeys(VECTOR_SEED);
  const sink = new MemorySink();
  const info = await write(keys, sink, { packIdTail, nonce: counterNonces() });
  return {
    keys,
    blobId: info.blobId,
    pack: {
      packId: info.packId,
      name: info.name,
      hex: Buffer.from(sink.bytes()).toString('hex'),
      entries: info.entries.map((e) => ({
        type: e.type,
        id: e.id,
        offset: e.offset,
        length: e.length,
      })),
    },
  };
}

/**
 * When the module at `moduleUrl` is the script being run: builds its vectors and writes them
 * to test/vectors/`file` (then `npx prettier --write` it).
 */
export async function writeVectorsWhenRun(
  moduleUrl: string,
  file: string,
  build: () => Promise<unknown>,
): Promise<void> {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  writeFileSync(
    new URL(`../test/vectors/${file}`, import.meta.url),
    `${JSON.stringify(await build(), null, 2)}\n`,
  );
}
