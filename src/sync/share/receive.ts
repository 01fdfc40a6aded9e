/**
 * Receiving a share (docs/sharing.md "Receiving"): verify the link, check it is for this account
 * and not expired, open the re-encrypted capsule with this account's key, fetch and open the
 * manifest, then each chunk (authenticated under its key, bound to its id), into
 * `<base>/Shared with me/<owner>/<name>`, never outside it.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { decapsulateReEncrypted, PretError } from '../../cess/pret/index.js';
import { FormatError, openBlob } from '../format/index.js';
import { fromHex } from '../format/bytes.js';
import { assertNoSymlinkInPath, resolveInsideRoot } from '../paths/index.js';
import { ShareError } from './errors.js';
import {
  linkCapsule,
  parseShareLink,
  samePublicKey,
  ss58PrefixOf,
  type ShareLink,
} from './link.js';
import { openShareManifest, type ShareManifest } from './share-manifest.js';

export const SHARED_WITH_ME = 'Shared with me';

/** Reads bytes [offset, offset+length) of any CESS object by fid (downloads by fid are public). */
export type RangeReader = (
  fid: string,
  offset: number,
  length: number,
  signal?: AbortSignal,
) => Promise<Uint8Array>;

export interface ShareRecipient {
  address: string;
  secretScalar: Uint8Array;
}

export interface OpenShareOptions {
  link: string | ShareLink;
  recipient: ShareRecipient;
  read: RangeReader;
  /** This network's ss58 format: a link from another network is refused. */
  ss58Format?: number;
  now?: () => number;
  signal?: AbortSignal;
}

export interface OpenedShare {
  link: ShareLink;
  manifest: ShareManifest;
  /** The share key, recovered from the re-encrypted capsule. */
  key: Uint8Array;
  /** Total bytes, number of files: what the dialog shows with link.owner and link.message. */
  size: number;
  fileCount: number;
}

/** Checks who the link is for and whether it is still valid; no network. */
export function checkLinkFor(link: ShareLink, me: string, now: number, ss58Format?: number): void {
  if (ss58Format !== undefined && ss58PrefixOf(link.owner) !== ss58Format)
    throw new ShareError(
      'WRONG_NETWORK',
      `this share comes from another network (owner ${link.owner}); open it with an account of that network`,
    );
  if (!samePublicKey(link.recipient, me))
    throw new ShareError(
      'NOT_FOR_THIS_ACCOUNT',
      `this share is for ${link.recipient}, not for this account (${me})`,
    );
  if (link.expiresAt !== null && now >= link.expiresAt)
    throw new ShareError(
      'EXPIRED',
      `this share expired on ${new Date(link.expiresAt).toISOString()}`,
    );
}

/** Everything but the file bytes: verify, decapsulate, fetch and open the manifest. */
export async function openShare(o: OpenShareOptions): Promise<OpenedShare> {
  const link = typeof o.link === 'string' ? parseShareLink(o.link) : o.link;
  checkLinkFor(link, o.recipient.address, (o.now ?? Date.now)(), o.ss58Format);
  let key: Uint8Array;
  try {
    key = decapsulateReEncrypted(
      o.recipient.secretScalar,
      Buffer.from(link.X, 'base64'),
      linkCapsule(link),
    );
  } catch (e) {
    if (e instanceof PretError)
      throw new ShareError('BAD_LINK', `the share's key capsule is invalid: ${e.message}`, {
        cause: e,
      });
    throw e;
  }
  let sealed: Uint8Array;
  try {
    sealed = await o.read(link.manifest.fid, link.manifest.offset, link.manifest.length, o.signal);
  } catch (e) {
    throw new ShareError(
      'NOT_FOUND',
      `the share's data is not available from the gateway (revoked, or not stored yet?): ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (sealed.length !== link.manifest.length)
    throw new ShareError('NOT_FOUND', 'the share manifest came back short');
  const manifest = openShareManifest(key, link.manifest.blobId, sealed);
  if (manifest.shareId !== link.id || manifest.kind !== link.kind)
    throw new ShareError('BAD_MANIFEST', 'the share manifest belongs to another share');
  return {
    link,
    manifest,
    key,
    size: manifest.files.reduce((s, f) => s + f.size, 0),
    fileCount: manifest.files.length,
  };
}

export interface ReceiveShareOptions extends OpenShareOptions {
  /** The base directory: files go to `<base>/Shared with me/<owner>/<name>`. */
  baseDir: string;
  onBytes?: (n: number) => void;
}

export interface ReceivedShare extends Omit<OpenedShare, 'key'> {
  /** Absolute path of the received file or folder. */
  path: string;
  files: { path: string; size: number }[];
}

/** The owner's directory name under "Shared with me": the start of the address (base58: safe). */
export function ownerDirName(owner: string): string {
  return owner.slice(0, 12);
}

export async function receiveShare(o: ReceiveShareOptions): Promise<ReceivedShare> {
  const opened = await openShare(o);
  const { link, manifest } = opened;
  const base = path.resolve(o.baseDir);
  // Everything below `root` is created by us and checked: no symlink, no name leaving it.
  const root = path.join(base, SHARED_WITH_ME, ownerDirName(link.owner));
  await mkdir(root, { recursive: true });
  const s = await lstat(root);
  if (!s.isDirectory()) throw new ShareError('BAD_PATH', `${root} is not a directory`);
  const top = await freeName(root, manifest.name);
  const tmpDir = path.join(root, `.receiving-${randomBytes(6).toString('hex')}`);
  await mkdir(tmpDir, { recursive: true });
  const files: { path: string; size: number }[] = [];
  try {
    // Build the whole share in a temp dir, then rename it into place: a failed receive leaves
    // nothing half-written under its name.
    const staged = manifest.kind === 'file' ? path.join(tmpDir, 'file') : path.join(tmpDir, 'dir');
    if (manifest.kind === 'folder') await mkdir(staged);
    for (const f of manifest.files) {
      const dest = manifest.kind === 'file' ? staged : resolveInsideRoot(staged, f.path);
      if (manifest.kind === 'folder') {
        await assertNoSymlinkInPath(staged, f.path, { checkLeaf: true });
        await mkdir(path.dirname(dest), { recursive: true });
      }
      const fh = await open(dest, 'wx', f.mode !== null ? f.mode & 0o777 : 0o644);
      try {
        let written = 0;
        for (const c of f.chunks) {
          const sealed = await o.read(c.fid, c.offset, c.length, o.signal);
          let plain: Uint8Array;
          try {
            plain = openBlob(
              fromHex(c.key, 32, 'chunk key'),
              'data',
              fromHex(c.id, 32, 'chunk id'),
              sealed,
            );
          } catch (e) {
            if (e instanceof FormatError)
              throw new ShareError(
                'AUTH_FAILED',
                `${f.path}: a chunk does not authenticate (${e.code}); nothing was saved`,
                { cause: e },
              );
            throw e;
          }
          if (plain.length !== c.size)
            throw new ShareError('AUTH_FAILED', `${f.path}: a chunk has the wrong length`);
          await fh.write(plain);
          written += plain.length;
          o.onBytes?.(plain.length);
        }
        if (written !== f.size)
          throw new ShareError(
            'AUTH_FAILED',
            `${f.path}: ${written} bytes received, ${f.size} expected`,
          );
        await fh.sync();
      } finally {
        await fh.close();
      }
      files.push({ path: f.path, size: f.size });
    }
    const final = path.join(root, top);
    await rename(staged, final);
    return { link, manifest, size: opened.size, fileCount: opened.fileCount, path: final, files };
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** `name`, or `name (2).ext`, ... : the first that does not exist in dir. */
async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  for (let i = 1; i < 10_000; i++) {
    const candidate = i === 1 ? name : `${stem} (${i})${ext && ext !== name ? ext : ''}`;
    resolveInsideRoot(dir, candidate);
    try {
      await lstat(path.join(dir, candidate));
    } catch {
      return candidate;
    }
  }
  throw new ShareError('BAD_PATH', `too many copies of ${name} in ${dir}`);
}
