/**
 * Creating a share (docs/sharing.md): open each shared version's file node, locate its chunks in
 * the account's packs, write a share manifest sealed under the share key in a pack of its own,
 * have the proxy (a CESS gateway, `/gateway/reencrypt`) re-encrypt the key's capsule for the
 * recipient, and sign the link.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  capsuleFromJsonValue,
  capsuleToJsonValue,
  decapsulate,
  encapsulate,
  encodeCapsuleJson,
  generateReKey,
  publicKeyFromAddress,
  reEncrypt,
  type Capsule,
} from '../../cess/pret/index.js';
import {
  Packer,
  decodeFileNode,
  writableSink,
  type FileEntry,
  type FormatKeys,
} from '../format/index.js';
import { toHex } from '../format/bytes.js';
import type { ObjectStore } from '../remote/object-store.js';
import type { Repository } from '../remote/repository.js';
import { ShareError } from './errors.js';
import {
  MAX_MESSAGE_LENGTH,
  checkRecipientAddress,
  samePublicKey,
  signLink,
  type ManifestLocation,
  type ShareKind,
  type ShareLinkBody,
} from './link.js';
import {
  MAX_SHARE_FILES,
  checkName,
  shareManifestBlob,
  type ShareChunk,
  type ShareFile,
  type ShareManifest,
} from './share-manifest.js';

/** The proxy step: CD²N `POST /gateway/reencrypt` (Cd2nClient.reencrypt) or a local one. */
export interface ReencryptProxy {
  reencrypt(r: { capsule: Capsule; rk: Uint8Array }): Promise<{ capsule: Capsule }>;
}

/** Re-encryption on this device: the owner is the proxy (no one else ever sees rk). */
export const localProxy: ReencryptProxy = {
  reencrypt: (r) => Promise.resolve({ capsule: reEncrypt(r.rk, r.capsule) }),
};

export interface ShareOwner {
  address: string;
  publicKey: Uint8Array;
  secretScalar: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** One file version to share, with its path inside the share ('name' for a file share). */
export interface ShareItem {
  path: string;
  entry: FileEntry;
}

export interface CreateShareOptions {
  keys: FormatKeys;
  owner: ShareOwner;
  /** The owner's repository, refreshed (chunk locations come from its pack index). */
  repo: Repository;
  /** Where the manifest pack is uploaded. */
  store: ObjectStore;
  proxy: ReencryptProxy;
  /** The chain's ss58 format: the recipient address must be of this network. */
  ss58Format: number;
  recipient: string;
  kind: ShareKind;
  /** The shared file's or folder's name (a single path segment). */
  name: string;
  items: readonly ShareItem[];
  message?: string | null;
  expiresAt?: number | null;
  /** Where the manifest pack is written before its upload. */
  tmpDir: string;
  now?: () => number;
  /** Called once the manifest pack is uploaded (the engine records it as a pending object). */
  onPack?: (p: { fid: string; name: string; size: number }) => void;
  signal?: AbortSignal;
}

export interface CreatedShare {
  link: string;
  body: ShareLinkBody;
  manifest: ShareManifest;
  location: ManifestLocation;
  /** Total plaintext bytes shared. */
  size: number;
}

export function checkShareOptions(
  o: { message?: string | null; expiresAt?: number | null },
  now: number,
): void {
  if (o.message != null && o.message.length > MAX_MESSAGE_LENGTH)
    throw new ShareError(
      'BAD_ARGUMENT',
      `the message is ${o.message.length} characters; at most ${MAX_MESSAGE_LENGTH}`,
    );
  if (o.expiresAt != null && (!Number.isSafeInteger(o.expiresAt) || o.expiresAt <= now))
    throw new ShareError('BAD_ARGUMENT', 'the expiry must be in the future');
}

export async function createShare(o: CreateShareOptions): Promise<CreatedShare> {
  const now = (o.now ?? Date.now)();
  const recipient = o.recipient.trim();
  checkRecipientAddress(recipient, o.ss58Format);
  if (samePublicKey(recipient, o.owner.address))
    throw new ShareError('BAD_RECIPIENT', 'that is your own account: share with another account');
  checkShareOptions(o, now);
  checkName(o.name);
  if (o.items.length === 0)
    throw new ShareError('NOT_FOUND', `${o.name}: there is no synced file to share`);
  if (o.items.length > MAX_SHARE_FILES)
    throw new ShareError(
      'TOO_LARGE',
      `${o.items.length} files: one share holds at most ${MAX_SHARE_FILES}`,
    );
  if (o.kind === 'file' && (o.items.length !== 1 || o.items[0]?.path !== o.name))
    throw new ShareError('BAD_ARGUMENT', 'a file share holds exactly one file, under its name');
  const recipientPk = publicKeyFromAddress(recipient);

  // The share key: a file share uses the version's own K_f (its capsule is the tree entry's);
  // a folder share gets a fresh key, encapsulated to the owner like any K_f.
  let key: Uint8Array;
  let capsule: Capsule;
  const first = o.items[0] as ShareItem;
  if (o.kind === 'file') {
    capsule = capsuleFromJsonValue(first.entry.fileNode.capsule);
    key = decapsulate(o.owner.secretScalar, capsule);
  } else {
    const enc = encapsulate(o.owner.publicKey);
    key = enc.key;
    capsule = enc.capsule;
  }

  const shareId = randomBytes(16).toString('hex');
  const files: ShareFile[] = [];
  let size = 0;
  for (const item of o.items) {
    const e = item.entry;
    const kf =
      o.kind === 'file'
        ? key
        : decapsulate(o.owner.secretScalar, capsuleFromJsonValue(e.fileNode.capsule));
    if (!o.repo.has('filenode', e.fileNode.blobId))
      throw new ShareError(
        'NOT_FOUND',
        `${item.path}: its file node is in no known pack (not uploaded yet?)`,
      );
    const node = decodeFileNode(await o.repo.readBlob('filenode', e.fileNode.blobId, kf));
    if (node.size !== e.size)
      throw new ShareError(
        'BAD_MANIFEST',
        `${item.path}: the file node's size does not match the tree`,
      );
    const chunks: ShareChunk[] = node.chunks.map((c) => {
      const at = o.repo.locate('data', c.id);
      if (!at)
        throw new ShareError(
          'NOT_FOUND',
          `${item.path}: chunk ${c.id.slice(0, 12)}… is in no known pack`,
        );
      return {
        fid: at.fid,
        offset: at.entry.offset,
        length: at.entry.length,
        id: c.id,
        key: toHex(c.key),
        size: c.length,
      };
    });
    files.push({
      path: item.path,
      size: e.size,
      mtimeMs: Math.max(0, Math.floor(e.mtimeMs)),
      mode: e.mode,
      contentId: e.contentId,
      chunks,
    });
    size += e.size;
  }
  const manifest: ShareManifest = { v: 1, shareId, kind: o.kind, name: o.name, files };
  const blob = shareManifestBlob(o.keys, manifest, key);

  // Re-encrypt first: a proxy that fails or cheats costs no upload.
  const { rk, X } = generateReKey(o.owner.secretScalar, recipientPk);
  const proxied = await o.proxy.reencrypt({ capsule, rk });
  // The owner can compute the same capsule; a proxy that answers anything else is refused
  // (the recipient would get a link that never opens).
  if (encodeCapsuleJson(proxied.capsule) !== encodeCapsuleJson(reEncrypt(rk, capsule)))
    throw new ShareError(
      'PROXY_MISMATCH',
      'the gateway returned a wrong re-encrypted capsule; nothing was shared',
    );

  const location = await uploadManifestPack(o, blob, key);
  const body: ShareLinkBody = {
    v: 1,
    id: shareId,
    kind: o.kind,
    owner: o.owner.address,
    recipient,
    manifest: location,
    capsule: capsuleToJsonValue(proxied.capsule),
    X: Buffer.from(X).toString('base64'),
    expiresAt: o.expiresAt ?? null,
    message: o.message ?? null,
    createdAt: now,
  };
  const link = signLink(body, { address: o.owner.address, sign: (m) => o.owner.sign(m) });
  return { link, body, manifest, location, size };
}

async function uploadManifestPack(
  o: CreateShareOptions,
  blob: { id: string; idBytes: Uint8Array; plaintext: Uint8Array },
  key: Uint8Array,
): Promise<ManifestLocation> {
  await mkdir(o.tmpDir, { recursive: true });
  let location: ManifestLocation | undefined;
  // 'pack-<pid>-' names are cleaned up by folder-sync's stale-temp sweep if we crash.
  const file = path.join(o.tmpDir, `pack-${process.pid}-share-${randomBytes(6).toString('hex')}`);
  const stream = createWriteStream(file, { mode: 0o600 });
  const packer = new Packer(o.keys, {
    openSink: () => writableSink(stream),
    onPack: async (info) => {
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
      const fid = await o.store.put(file, info.name, o.signal);
      o.onPack?.({ fid, name: info.name, size: info.size });
      const e = info.entries.find((x) => x.id === blob.id);
      if (!e) throw new ShareError('NOT_FOUND', 'the manifest blob is missing from its own pack');
      location = { fid, offset: e.offset, length: e.length, blobId: blob.id };
    },
  });
  try {
    await packer.add('filenode', blob.id, key, blob.plaintext, blob.idBytes);
    await packer.flush();
  } finally {
    stream.destroy();
    await rm(file, { force: true });
  }
  if (!location) throw new ShareError('NOT_FOUND', 'the manifest pack was not uploaded');
  return location;
}
