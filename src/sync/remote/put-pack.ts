/**
 * Uploads one pack written on the spot (a record pack, a repacked pack): to a temp file first,
 * since the object store uploads files, then to CESS, noted in the manifest as pending until
 * the chain says it is stored.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writableSink, type PackInfo, type PackSink } from '../format/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ObjectStore } from './object-store.js';

export interface PutPackContext {
  manifest: Pick<Manifest, 'addPendingObject'>;
  store: ObjectStore;
  /** Where the pack is written before its upload (removed after). */
  tmpDir: string;
  signal?: AbortSignal | undefined;
}

/**
 * Writes a pack to a temp file with `write`, uploads it and records it as a pending object;
 * returns its fid. `tag` names the writer in the temp file's name.
 */
export async function writeAndPutPack(
  ctx: PutPackContext,
  tag: string,
  write: (sink: PackSink) => Promise<PackInfo>,
): Promise<string> {
  await mkdir(ctx.tmpDir, { recursive: true });
  // 'pack-<pid>-' temp names are swept by folder-sync when this process is gone.
  const file = path.join(
    ctx.tmpDir,
    `pack-${process.pid}-${tag}-${randomBytes(6).toString('hex')}`,
  );
  const stream = createWriteStream(file, { mode: 0o600 });
  try {
    const info = await write(writableSink(stream));
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
    const fid = await ctx.store.put(file, info.name, ctx.signal);
    ctx.manifest.addPendingObject({ fid, name: info.name, size: info.size });
    return fid;
  } finally {
    stream.destroy();
    await rm(file, { force: true });
  }
}
