/**
 * DeOSS v0.4 gateway protocol (CESSProject/DeOSS node/fileHandler.go, resumeHandler.go,
 * common.go, types.go, err.go, response.go), as the Go gateway answers it: almost every reply
 * is HTTP 200 with the real status in `code`. Differences: docs/gateway-protocols.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { z } from 'zod';

import { hashFile } from '../../cess/fid/index.js';
import { deossExpiry, publicKeyOf, toAddress, verifyDeossSignature } from './auth.js';
import type { UploadRejection } from './backend.js';
import { classify, type RouteContext } from './context.js';
import {
  BodyAbortedError,
  drain,
  envelope,
  errorText,
  headerValue,
  isFid,
  sendJson,
} from './http-util.js';
import { parseMultipart } from './multipart.js';
import { sweepSessions, type Received } from './store.js';
import { fidOf, storeAndDeclare } from './uploads.js';

// node/types.go, node/err.go
export const MSG_OK = 'ok';
export const ERR_SystemErr = 'system error';
export const ERR_NoPermission = 'no permission';
export const ERR_InvalidFid = 'invalid fid';
export const ERR_NotFound = 'Not found';
export const ERR_ReceiveData = 'network error';
export const ERR_InvalidRangeValue = 'invalid range value';
export const ERR_InvalidRangeStart = 'invalid range start';
export const ERR_InvalidRangeEnd = 'invalid range end';
export const ERR_InsufficientTerritorySpace = 'insufficient territory space';
export const ERR_FileNameTooLang = 'The file name length cannot exceed 63 characters';
export const ERR_FileNameTooShort = 'The file name must be at least 3 characters long';
export const ERR_NoTerritory = 'please purchase territory first';
export const ERR_MissingContentRange = 'Content-Range is missing from the request header';
export const ERR_IllegalContentRange = 'Illegal Content-Range content';
export const ERR_RPCConnection = 'Failed to connect to rpc, please try again later.';
export const ERR_EmptyFileName = 'Empty file name';
export const ERR_TerritoryExpiresSoon = 'territory will expire soon';
export const ERR_EmptyFile = 'InvalidBody.EmptyFile';
export const ERR_SysMemNoLeft = 'server unsupported file size';
export const ERR_NotOnChainYet =
  'The file has not been uploaded to the chain yet, please go to the gateway where the file was uploaded to query.';

const SESSION_TTL_MS = 24 * 3600 * 1000;

/** ReturnJSON: always HTTP 200, the status in `code`. */
function ret(
  ctx: RouteContext,
  code: number,
  msg: string,
  data: unknown = null,
  headers?: Record<string, string>,
): void {
  sendJson(ctx.res, 200, envelope(code, msg, data), headers);
}

export async function handleDeoss(ctx: RouteContext): Promise<boolean> {
  const { method, path } = ctx;
  const parts = path.split('/').slice(1);
  if (parts[0] === 'file') {
    if (method === 'PUT' && parts.length === 1) return done(putFile(ctx));
    if (method === 'GET' && parts.length === 3 && parts[1] === 'download')
      return done(downloadFile(ctx, parts[2] ?? ''));
    if (method === 'GET' && parts.length === 3 && parts[1] === 'metadata')
      return done(metadata(ctx, parts[2] ?? ''));
    if (method === 'DELETE' && parts.length === 2) return done(deleteFile(ctx, parts[1] ?? ''));
    return false;
  }
  if (parts[0] === 'resume' && parts.length === 2 && method === 'PUT') {
    let name: string;
    try {
      name = decodeURIComponent(parts[1] ?? '');
    } catch {
      await drain(ctx.body);
      ret(ctx, 400, ERR_IllegalContentRange);
      return true;
    }
    return done(resume(ctx, name));
  }
  return false;
}

async function done(p: Promise<void>): Promise<true> {
  await p;
  return true;
}

// ---------------------------------------------------------------------------------------------
// VerifySignatureMdl: headers Account, Message (an expiry), Signature

const signedHeadersSchema = z.object({
  account: z.string().min(1).max(128),
  message: z.string().min(1).max(128),
  signature: z.string().min(1).max(300),
});

async function requireSigned(ctx: RouteContext): Promise<{ pk: Uint8Array; owner: string } | null> {
  const { req, gw } = ctx;
  const account = headerValue(req, 'account');
  const message = headerValue(req, 'message');
  const signature = headerValue(req, 'signature');
  const shape = signedHeadersSchema.safeParse({ account, message, signature });
  const refuse = async (why: string) => {
    gw.log('info', `deoss: refused signature of ${account || '(no account)'}: ${why}`);
    await drain(ctx.body);
    ret(ctx, 403, ERR_NoPermission);
    return null;
  };
  if (!shape.success) return refuse('missing or oversized Account/Message/Signature');
  if (headerValue(req, 'ethacc') !== '') return refuse('EthAcc signatures are not supported');
  const expiry = deossExpiry(message);
  // Real DeOSS lets a Message that is not a time never expire; we refuse it.
  if (expiry === null) return refuse(`Message '${message.slice(0, 40)}' is not an expiry time`);
  if (gw.clock() >= expiry) return refuse('Message (expiry) has passed');
  const pk = publicKeyOf(account);
  if (!pk) return refuse('bad account');
  if (!verifyDeossSignature(pk, message, signature)) return refuse('bad signature');
  return { pk, owner: toAddress(pk, gw.backend.ss58Format) };
}

// ---------------------------------------------------------------------------------------------
// chain errors -> replies (CheckAuthorize, CheckTerritory, space checks, PlaceStorageOrder)

function replyChainFailure(
  ctx: RouteContext,
  err: unknown,
  noSpaceMsg: (r: Extract<UploadRejection, { kind: 'no-space' }>) => string,
  stage: 'check' | 'declare' = 'check',
): void {
  const c = classify(err);
  if (c.kind === 'aborted') return;
  if (c.kind === 'precondition') {
    const r = c.rejection;
    switch (r.kind) {
      case 'unauthorized':
        return ret(ctx, 403, `Please authorize this gateway account: ${ctx.gw.backend.account}`);
      case 'no-territory':
        return ret(ctx, 400, ERR_NoTerritory);
      case 'territory-inactive':
        return ret(ctx, 400, ERR_TerritoryExpiresSoon);
      case 'no-space':
        return ret(ctx, 400, noSpaceMsg(r));
    }
  }
  if (c.kind === 'chain') {
    ctx.gw.log('warn', `deoss: chain error: ${c.message}`);
    // Go: a failed query is ERR_RPCConnection, a failed PlaceStorageOrder ERR_SystemErr
    return ret(ctx, 500, stage === 'declare' ? ERR_SystemErr : ERR_RPCConnection);
  }
  ctx.gw.log('error', `deoss: ${c.message}`);
  ret(ctx, 500, ERR_SystemErr);
}

const putFileNoSpace = (r: { needed: bigint }) =>
  `remaining space in the territory is less than ${r.needed}`;
const resumeNoSpace = () => ERR_InsufficientTerritorySpace;

/** CheckFilename / saveFormFile: url-unescaped when it contains '%', then 3..63 bytes. */
function checkName(raw: string): { name: string } | { error: string } {
  let name = raw;
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Go keeps the raw name when PathUnescape fails
    }
  }
  if (name === '') return { error: ERR_EmptyFileName };
  const n = Buffer.byteLength(name, 'utf8');
  if (n > 63) return { error: ERR_FileNameTooLang };
  if (n < 3) return { error: ERR_FileNameTooShort };
  return { name };
}

// ---------------------------------------------------------------------------------------------
// PUT /file

class NameRefused extends Error {}

async function putFile(ctx: RouteContext): Promise<void> {
  const { gw, req } = ctx;
  const user = await requireSigned(ctx);
  if (!user) return;
  const territory = headerValue(req, 'territory');
  try {
    // CheckAuthorize + CheckTerritory happen before the body is read.
    await gw.backend.checkUpload(user.owner, territory, 1);
  } catch (err) {
    await drain(ctx.body);
    return replyChainFailure(ctx, err, putFileNoSpace);
  }
  let fileName = '';
  let out;
  try {
    out = await parseMultipart<Received>(req.headers, ctx.body, {
      beforeFile: async (_fields, filename) => {
        const checked = checkName(headerValue(req, 'filename') || filename);
        if ('error' in checked) throw new NameRefused(checked.error);
        fileName = checked.name;
      },
      consume: (stream) => gw.store.receive(stream, gw.maxUploadSize),
      cleanup: (r) => gw.store.discard(r.tmpPath),
    });
  } catch (err) {
    if (err instanceof BodyAbortedError) return;
    throw err;
  }
  if (!out.isForm) return ret(ctx, 400, "request Content-Type isn't multipart/form-data");
  if (!out.file) {
    return ret(ctx, 400, out.formError ? `multipart: ${out.formError}` : 'http: no such file');
  }
  const received = out.file.result;
  if (!received) {
    const e = out.file.error;
    if (e instanceof NameRefused) return ret(ctx, 400, e.message);
    const c = classify(e);
    if (c.kind === 'aborted') return;
    if (c.kind === 'too-large') return ret(ctx, 400, ERR_SysMemNoLeft);
    return ret(ctx, 400, ERR_ReceiveData);
  }
  if (received.hashes.size === 0) {
    await gw.store.discard(received.tmpPath);
    return ret(ctx, 400, ERR_EmptyFile);
  }
  const fid = fidOf('deoss', received.hashes);
  try {
    await gw.backend.checkUpload(user.owner, territory, received.hashes.size);
  } catch (err) {
    await gw.store.discard(received.tmpPath);
    return replyChainFailure(ctx, err, putFileNoSpace);
  }
  try {
    await storeAndDeclare(gw, {
      protocol: 'deoss',
      owner: user.owner,
      territory,
      fileName,
      fid,
      hashes: received.hashes,
      tmpPath: received.tmpPath,
      declare: true,
    });
  } catch (err) {
    await gw.store.discard(received.tmpPath);
    return replyChainFailure(ctx, err, putFileNoSpace, 'declare');
  }
  ret(ctx, 200, MSG_OK, { fid });
}

// ---------------------------------------------------------------------------------------------
// PUT /resume/:name  (raw body, Content-Range: bytes start-end/total, end inclusive)

interface ResumeSession {
  key: string;
  owner: string;
  name: string;
  territory: string;
  total: number;
  received: number;
  updated: number;
  path: string;
  fid?: string;
}

const resumeSessions = new WeakMap<object, Map<string, ResumeSession>>();

function sessionsOf(ctx: RouteContext): Map<string, ResumeSession> {
  let m = resumeSessions.get(ctx.gw);
  if (!m) {
    m = new Map();
    resumeSessions.set(ctx.gw, m);
  }
  sweepSessions(m, ctx.gw.clock(), SESSION_TTL_MS);
  return m;
}

/** Writes exactly `want` bytes at `start`; counts (and discards) any excess. Returns bytes seen. */
async function receiveChunk(
  ctx: RouteContext,
  path: string,
  start: number,
  want: number,
): Promise<number> {
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const room = want - seen;
      seen += chunk.length;
      if (room <= 0) return cb();
      cb(null, chunk.length > room ? chunk.subarray(0, room) : chunk);
    },
  });
  await pipeline(ctx.body, cap, createWriteStream(path, { flags: 'r+', start }));
  return seen;
}

async function resume(ctx: RouteContext, rawName: string): Promise<void> {
  const { gw, req } = ctx;
  const user = await requireSigned(ctx);
  if (!user) return;
  const fail = async (code: number, msg: string, data: unknown = null) => {
    await drain(ctx.body);
    ret(ctx, code, msg, data);
  };
  const rangeHeader = headerValue(req, 'content-range');
  if (rangeHeader === '') return fail(400, ERR_MissingContentRange);
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(rangeHeader);
  if (!m) return fail(400, ERR_IllegalContentRange);
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = Number(m[3]);
  // Go: end > total is refused; end == total would write one byte past the file: refused too.
  if (end < start || end >= total) return fail(400, ERR_IllegalContentRange);
  const checked = checkName(rawName);
  if ('error' in checked) return fail(400, checked.error);
  const name = checked.name;
  if (total > gw.maxUploadSize) return fail(400, ERR_SysMemNoLeft);
  const territory = headerValue(req, 'territory');
  const key = createHash('sha256').update(`${user.owner}\n${name}\n${total}`).digest('hex');
  const all = sessionsOf(ctx);

  await gw.locks.run(`resume:${key}`, async () => {
    let s = all.get(key);
    if (s && gw.clock() - s.updated >= SESSION_TTL_MS) {
      all.delete(key);
      await rm(s.path, { force: true });
      s = undefined;
    }
    if (s && s.received === s.total && start === 0) {
      // A complete session and a chunk at 0: a new upload under the same name and size (or a
      // one-chunk upload sent again). Start over rather than answer for the old bytes.
      all.delete(key);
      await rm(s.path, { force: true });
      s = undefined;
    }
    if (s?.fid !== undefined) {
      await drain(ctx.body); // a later chunk of a stored and declared upload: same answer again
      return ret(ctx, 200, MSG_OK, { fid: s.fid });
    }
    if (!s) {
      if (start !== 0) return fail(400, ERR_IllegalContentRange, { received: 0 });
      try {
        await gw.backend.checkUpload(user.owner, territory, total);
      } catch (err) {
        await drain(ctx.body);
        return replyChainFailure(ctx, err, resumeNoSpace);
      }
      s = {
        key,
        owner: user.owner,
        name,
        territory,
        total,
        received: 0,
        updated: gw.clock(),
        path: gw.store.sessionPath(key),
      };
      await writeFile(s.path, '');
      all.set(key, s);
    }
    const session = s;
    if (session.received < session.total) {
      // Real DeOSS appends whatever arrives (O_APPEND): a re-sent chunk corrupts the file.
      // We accept only the next chunk in order and say how far we are.
      if (start !== session.received) {
        return fail(400, ERR_IllegalContentRange, { received: session.received });
      }
      const want = end - start + 1;
      let seen: number;
      try {
        seen = await receiveChunk(ctx, session.path, start, want);
      } catch (err) {
        await truncate(session.path, session.received);
        if (classify(err).kind === 'aborted' || err instanceof BodyAbortedError) return;
        gw.log('error', `deoss: resume write failed: ${errorText(err)}`);
        return ret(ctx, 400, ERR_ReceiveData);
      }
      if (seen !== want) {
        await truncate(session.path, session.received);
        return ret(
          ctx,
          400,
          seen > want ? 'received more file content' : 'received less file content',
        );
      }
      session.received = end + 1;
      session.updated = gw.clock();
      if (session.received < session.total) {
        sendJson(ctx.res, 308, null, { 'Content-Range': rangeHeader });
        return;
      }
    } else {
      await drain(ctx.body); // complete but the last attempt failed: process again
    }
    await completeResume(ctx, session, territory || session.territory);
  });
}

async function completeResume(
  ctx: RouteContext,
  s: ResumeSession,
  territory: string,
): Promise<void> {
  const { gw } = ctx;
  let fid: string;
  let hashes;
  try {
    hashes = await hashFile(s.path, { fragments: true });
    fid = fidOf('deoss', hashes);
  } catch (err) {
    gw.log('error', `deoss: hashing ${s.path} failed: ${errorText(err)}`);
    return ret(ctx, 500, ERR_SystemErr);
  }
  try {
    await gw.backend.checkUpload(s.owner, territory, s.total);
  } catch (err) {
    return replyChainFailure(ctx, err, resumeNoSpace);
  }
  try {
    await storeAndDeclare(gw, {
      protocol: 'deoss',
      owner: s.owner,
      territory,
      fileName: s.name,
      fid,
      hashes,
      tmpPath: s.path,
      link: true,
      declare: true,
    });
  } catch (err) {
    return replyChainFailure(ctx, err, resumeNoSpace, 'declare');
  }
  s.fid = fid;
  s.updated = gw.clock();
  await rm(s.path, { force: true });
  ret(ctx, 200, MSG_OK, { fid });
}

// ---------------------------------------------------------------------------------------------
// GET /file/download/:fid

async function downloadFile(ctx: RouteContext, fid: string): Promise<void> {
  const { gw, req, res } = ctx;
  const size = isFid(fid) ? await gw.store.fileSize(fid) : null;
  if (size === null || size === 0) return ret(ctx, 404, ERR_NotFound);
  const path = gw.store.filePath(fid);
  const range = headerValue(req, 'range');
  let start = 0;
  let endIncl = size - 1;
  let status = 200;
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range !== '') {
    // As ReturnFileRangeStream (/file/open): errors are code 416 in an HTTP 200 envelope.
    const eq = range.split('=');
    if (eq.length !== 2 || eq[0] !== 'bytes') return ret(ctx, 416, ERR_InvalidRangeValue);
    const se = (eq[1] ?? '').split('-');
    if (se.length !== 2) return ret(ctx, 416, ERR_InvalidRangeValue);
    if (!/^\d{1,15}$/.test(se[0] ?? '')) return ret(ctx, 416, ERR_InvalidRangeStart);
    start = Number(se[0]);
    if (se[1] !== '') {
      if (!/^\d{1,15}$/.test(se[1] ?? '')) return ret(ctx, 416, ERR_InvalidRangeEnd);
      endIncl = Number(se[1]);
      if (endIncl < start || endIncl >= size) return ret(ctx, 416, ERR_InvalidRangeEnd);
    }
    if (start >= size) return ret(ctx, 416, ERR_InvalidRangeStart);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${endIncl}/${size}`;
  }
  const length = endIncl - start + 1;
  res.writeHead(status, { ...headers, 'Content-Length': String(length) });
  try {
    await pipeline(createReadStream(path, { start, end: endIncl }), res as unknown as Writable);
  } catch {
    if (!res.destroyed) res.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// GET /file/metadata/:fid

async function metadata(ctx: RouteContext, fid: string): Promise<void> {
  const { gw } = ctx;
  if (!isFid(fid)) return ret(ctx, 400, ERR_InvalidFid);
  let info;
  try {
    info = await gw.backend.fileInfo(fid);
  } catch (err) {
    return replyChainFailure(ctx, err, resumeNoSpace);
  }
  const meta = await gw.store.readMeta(fid);
  if (info) {
    return ret(ctx, 200, MSG_OK, {
      fid,
      size: info.size,
      owner: info.owners.map((u) => ({ user: u, file_name: meta?.names[u] ?? '' })),
    });
  }
  if (meta) {
    // Stored here but not (or no longer) on chain: DeOSS answers from its trace file.
    return ret(ctx, 200, MSG_OK, {
      fid,
      size: meta.size,
      owner: Object.entries(meta.names).map(([user, file_name]) => ({ user, file_name })),
    });
  }
  ret(ctx, 403, ERR_NotOnChainYet);
}

// ---------------------------------------------------------------------------------------------
// DELETE /file/:fid

async function deleteFile(ctx: RouteContext, fid: string): Promise<void> {
  const { gw } = ctx;
  const user = await requireSigned(ctx);
  if (!user) return;
  await drain(ctx.body);
  if (!isFid(fid)) return ret(ctx, 400, ERR_InvalidFid);
  try {
    await gw.backend.deleteFile(user.owner, fid);
  } catch (err) {
    const c = classify(err);
    if (c.kind === 'precondition') return replyChainFailure(ctx, err, resumeNoSpace);
    // Any DeleteFile failure (the chain refused: not an owner, still pending; or the RPC): Go
    // writes c.JSON(400, err.Error()) and then a second JSON body; we send one envelope, HTTP
    // 400, with the reason in data.
    gw.log('info', `deoss: delete ${fid} refused: ${c.message}`);
    return sendJson(ctx.res, 400, envelope(400, ERR_SystemErr, c.message));
  }
  try {
    // As DeOSS: the local copy goes once the chain no longer knows the file (no owner left).
    if ((await gw.backend.fileInfo(fid)) === null) await gw.store.removeFile(fid);
  } catch (err) {
    gw.log('warn', `deoss: after delete of ${fid}: ${errorText(err)}`);
  }
  ret(ctx, 200, MSG_OK, { 'block hash': '' });
}
