/**
 * The gateway's files on disk, all under dataDir:
 *   tmp/<random>          bodies being received
 *   files/<fid>           stored file contents, content-addressed
 *   meta/<fid>.json       size, segment hashes, and the name each owner gave (for metadata,
 *                         download names and segment downloads)
 *   sessions/<key>        resumable uploads being assembled (CD²N batch, DeOSS resume)
 *   capsules/<fid>.json   PReT capsules of CD²N encrypt=true uploads
 * No path is ever built from client input except a validated 64-hex fid or a key we derived.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { SegmentHasher, type FileHashes } from '../../cess/fid/index.js';
import { FID_RE, limitStream } from './http-util.js';

export interface FileMeta {
  fid: string;
  size: number;
  protocol: 'cd2n' | 'deoss';
  segments: string[];
  /** owner address -> name given at upload */
  names: Record<string, string>;
}

export interface Received {
  tmpPath: string;
  hashes: FileHashes;
}

export class GatewayStore {
  readonly tmpDir: string;
  readonly filesDir: string;
  readonly metaDir: string;
  readonly sessionsDir: string;
  readonly capsulesDir: string;
  private readonly metaLocks = new Map<string, Promise<unknown>>();

  constructor(readonly dataDir: string) {
    this.tmpDir = join(dataDir, 'tmp');
    this.filesDir = join(dataDir, 'files');
    this.metaDir = join(dataDir, 'meta');
    this.sessionsDir = join(dataDir, 'sessions');
    this.capsulesDir = join(dataDir, 'capsules');
  }

  async init(): Promise<void> {
    for (const d of [
      this.tmpDir,
      this.filesDir,
      this.metaDir,
      this.sessionsDir,
      this.capsulesDir,
    ]) {
      await mkdir(d, { recursive: true });
    }
    // Leftovers of a previous run are not resumable (sessions live in memory).
    await rm(this.tmpDir, { recursive: true, force: true });
    await rm(this.sessionsDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.sessionsDir, { recursive: true });
  }

  newTmpPath(): string {
    return join(this.tmpDir, randomBytes(16).toString('hex'));
  }

  sessionPath(key: string): string {
    if (!FID_RE.test(key)) throw new Error('bad session key');
    return join(this.sessionsDir, key);
  }

  filePath(fid: string): string {
    if (!FID_RE.test(fid)) throw new Error('bad fid');
    return join(this.filesDir, fid);
  }

  /**
   * Streams `body` into a new temp file, hashing as it goes (segments and fragments), never
   * holding more than one segment in memory. Rejects (and removes the temp file) if the body
   * errors or exceeds `maxBytes`.
   */
  async receive(body: Readable, maxBytes: number): Promise<Received> {
    const tmpPath = this.newTmpPath();
    const hasher = new SegmentHasher({ fragments: true });
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        try {
          hasher.update(chunk);
          cb(null, chunk);
        } catch (err) {
          cb(err as Error);
        }
      },
    });
    try {
      await pipeline(
        body,
        limitStream(maxBytes),
        hashing,
        createWriteStream(tmpPath, { flags: 'wx' }),
      );
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw err;
    }
    return { tmpPath, hashes: hasher.finish() };
  }

  /** Moves a received temp file to files/<fid> (a file already there has the same bytes). */
  async commit(tmpPath: string, fid: string, keepSource = false): Promise<string> {
    const dest = this.filePath(fid);
    if (!keepSource) {
      await rename(tmpPath, dest);
      return dest;
    }
    try {
      await link(tmpPath, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // same fid, same bytes: already stored
    }
    return dest;
  }

  async discard(path: string | undefined): Promise<void> {
    if (path) await rm(path, { force: true });
  }

  async fileSize(fid: string): Promise<number | null> {
    try {
      const s = await stat(this.filePath(fid));
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  async readMeta(fid: string): Promise<FileMeta | null> {
    if (!FID_RE.test(fid)) return null;
    try {
      return JSON.parse(await readFile(join(this.metaDir, `${fid}.json`), 'utf8')) as FileMeta;
    } catch {
      return null;
    }
  }

  /** Records (or adds an owner's name to) the metadata of a stored file. */
  async recordUpload(meta: Omit<FileMeta, 'names'>, owner: string, name: string): Promise<void> {
    await this.withMetaLock(meta.fid, async () => {
      const prev = await this.readMeta(meta.fid);
      const next: FileMeta = { ...meta, names: { ...(prev?.names ?? {}), [owner]: name } };
      await this.writeJson(join(this.metaDir, `${meta.fid}.json`), next);
    });
  }

  /** Forgets a file entirely (after the chain no longer knows it). */
  async removeFile(fid: string): Promise<void> {
    await this.withMetaLock(fid, async () => {
      await rm(this.filePath(fid), { force: true });
      await rm(join(this.metaDir, `${fid}.json`), { force: true });
      await rm(join(this.capsulesDir, `${fid}.json`), { force: true });
    });
  }

  async saveCapsule(fid: string, capsuleJson: string): Promise<void> {
    await this.writeJson(join(this.capsulesDir, `${fid}.json`), {
      capsule: capsuleJson,
      at: Date.now(),
    });
  }

  async readCapsule(fid: string): Promise<string | null> {
    if (!FID_RE.test(fid)) return null;
    try {
      const v = JSON.parse(await readFile(join(this.capsulesDir, `${fid}.json`), 'utf8')) as {
        capsule?: unknown;
      };
      return typeof v.capsule === 'string' ? v.capsule : null;
    } catch {
      return null;
    }
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  }

  private async withMetaLock<T>(fid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.metaLocks.get(fid) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.metaLocks.set(fid, tail);
    try {
      return await run;
    } finally {
      if (this.metaLocks.get(fid) === tail) this.metaLocks.delete(fid);
    }
  }
}

/** A simple per-key mutex: runs fn after every earlier fn of the same key settled. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Forgets resumable-upload sessions idle for `ttlMs` and removes their files. */
export function sweepSessions<S extends { updated: number; path: string }>(
  sessions: Map<string, S>,
  now: number,
  ttlMs: number,
): void {
  for (const [key, s] of sessions) {
    if (now - s.updated < ttlMs) continue;
    sessions.delete(key);
    rm(s.path, { force: true }).catch(() => undefined);
  }
}
