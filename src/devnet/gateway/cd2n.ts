/**
 * CD²N retriever gateway protocol (CESSProject/CD2N retriever/server/router.go, handles/*.go),
 * as the Go gateway answers it. Differences are listed in docs/gateway-protocols.md.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat, truncate, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { z } from 'zod';

import { hashFile, type FileHashes } from '../../cess/fid/index.js';
import {
  PretError,
  decapsulateReEncrypted,
  decodeCapsuleJson,
  decodeReKeyText,
  encapsulate,
  encodeCapsuleJson,
  reEncrypt,
  type Capsule,
} from '../../cess/pret/index.js';
import { publicKeyOf, ss58PrefixOf, toAddress, verifyCd2nLogin } from './auth.js';
import type { UploadRejection } from './backend.js';
import { classify, type RouteContext } from './context.js';
import { decryptFile, encryptFile } from './encryption.js';
import {
  BodyAbortedError,
  BodyTooLargeError,
  drain,
  envelope,
  errorText,
  headerValue,
  isFid,
  limitStream,
  readSmallBody,
  sendJson,
  sendText,
  streamFileRange,
} from './http-util.js';
import { parseMultipart } from './multipart.js';
import { sweepSessions, type Received } from './store.js';
import { fidOf, storeAndDeclare, validName } from './uploads.js';

// response/response.go
export const CODE_UP_SUCCESS = 10100;
export const CODE_UP_ERROR = 10110;
export const CODE_UP_NOT_AUTH = 10111;
export const CODE_UP_INVALID_NAME = 10112;
export const CODE_UP_INSUFF_SPACE = 10113;
export const CODE_UP_FILE_EXIST = 10114;

const SMALL_BODY = 1024 * 1024;
const SESSION_TTL_MS = 24 * 3600 * 1000;

function reply(
  ctx: RouteContext,
  status: number,
  code: number,
  msg: string,
  data: unknown = null,
  headers?: Record<string, string>,
): void {
  sendJson(ctx.res, status, envelope(code, msg, data), headers);
}

/** task.FileInfo as the Go gateway marshals it (go-sdk retriever.FileInfo). */
interface FileInfoJson {
  fid: string;
  file_name: string;
  base_dir: string;
  file_size: number;
  owner: string | null;
  territory: string;
  segments: string[] | null;
  fragments: string[][] | null;
}

const ZERO_FILE_INFO: FileInfoJson = {
  fid: '',
  file_name: '',
  base_dir: '',
  file_size: 0,
  owner: null,
  territory: '',
  segments: null,
  fragments: null,
};

function batchResp(fid: string, chunkEnd: number, info: FileInfoJson = ZERO_FILE_INFO) {
  return { fid, chunk_end: chunkEnd, file_info: info };
}

export async function handleCd2n(ctx: RouteContext): Promise<boolean> {
  const { method, path } = ctx;
  if (!path.startsWith('/gateway/')) return false;
  const parts = path.split('/').slice(2);
  const route = parts.join('/');
  if (method === 'POST' && route === 'gentoken') return done(genToken(ctx));
  if (method === 'POST' && route === 'upload/file') return done(uploadFile(ctx));
  if (method === 'POST' && route === 'upload/batch/request') return done(batchRequest(ctx));
  if (method === 'POST' && route === 'upload/batch/file') return done(batchFile(ctx));
  if (method === 'POST' && route === 'reencrypt') return done(reencryptRoute(ctx));
  if (
    (method === 'GET' || method === 'HEAD') &&
    parts[0] === 'download' &&
    (parts.length === 2 || parts.length === 3)
  ) {
    return done(download(ctx, parts[1] ?? '', parts[2]));
  }
  if (method === 'GET' && parts[0] === 'capsule' && parts.length === 2)
    return done(capsuleRoute(ctx, parts[1] ?? ''));
  return false;
}

async function done(p: Promise<void>): Promise<true> {
  await p;
  return true;
}

// ---------------------------------------------------------------------------------------------
// auth

/** Go c.PostForm: urlencoded or multipart body fields (first value wins). */
async function readForm(ctx: RouteContext): Promise<Map<string, string> | null> {
  const ct = headerValue(ctx.req, 'content-type').toLowerCase();
  if (ct.startsWith('multipart/form-data')) {
    const out = await parseMultipart(ctx.req.headers, ctx.body, {
      consume: async (s: Readable) => {
        await drain(s);
      },
    });
    return out.fields;
  }
  const raw = await readSmallBody(ctx.body, 64 * 1024);
  if (!ct.startsWith('application/x-www-form-urlencoded')) return new Map();
  const fields = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(raw.toString('utf8')))
    if (!fields.has(k)) fields.set(k, v);
  return fields;
}

/** Form fields of gentoken (Go: account, message and sign must be non-empty). */
const gentokenSchema = z.object({
  account: z.string().min(1).max(128),
  message: z.string().min(1).max(64),
  sign: z.string().min(1).max(300),
  exp: z.string().max(64).optional(),
});

async function genToken(ctx: RouteContext): Promise<void> {
  const { gw } = ctx;
  let form: Map<string, string> | null;
  try {
    form = await readForm(ctx);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      return reply(ctx, 400, 400, 'login error', 'bad request params');
    return; // connection gone
  }
  const parsed = gentokenSchema.safeParse(Object.fromEntries(form ?? []));
  if (!parsed.success) return reply(ctx, 400, 400, 'login error', 'bad request params');
  const { account: acc, message: msg, sign, exp = '' } = parsed.data;
  const expHours = /^[+-]?\d{1,18}$/.test(exp) ? Number(exp) : 0;
  if (!/^[+-]?\d{1,18}$/.test(msg)) {
    return reply(ctx, 500, 500, 'login error', 'The timestamp format is incorrect');
  }
  // Fixed: the Go check compares seconds with time.Minute in nanoseconds and never fires.
  const nowSec = Math.floor(gw.clock() / 1000);
  if (Math.abs(nowSec - Number(msg)) > gw.loginWindowSeconds) {
    return reply(ctx, 400, 400, 'login error', 'invalid timestamp');
  }
  // ParsingAndVerifyPublickey: the signature's hex first, then the account, then the signature
  const signHex = sign.startsWith('0x') ? sign.slice(2) : sign;
  if (signHex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(signHex)) {
    return reply(
      ctx,
      400,
      400,
      'login error',
      'parsing and verifying account error: encoding/hex: invalid byte',
    );
  }
  const prefix = ss58PrefixOf(acc);
  const isCess = acc.startsWith('ce') || acc.startsWith('cX') || prefix === gw.backend.ss58Format;
  if (!isCess)
    return reply(ctx, 400, 400, 'login error', 'parsing and verifying account error: bad account');
  const pk = publicKeyOf(acc);
  if (!pk) {
    return reply(
      ctx,
      400,
      400,
      'login error',
      'parsing and verifying account error: parse publick key error: invalid address',
    );
  }
  const check = verifyCd2nLogin(pk, msg, sign);
  if (!check.ok) return reply(ctx, 400, 400, 'login error', check.reason);
  const token = await gw.jwt.issue(pk, expHours);
  gw.log('info', `cd2n: token for ${toAddress(pk, gw.backend.ss58Format)}`);
  reply(ctx, 200, 200, 'success', token);
}

/** TokenVerify middleware: the `token` header, "Bearer " prefix optional. */
async function requireUser(ctx: RouteContext): Promise<{ pk: Uint8Array; owner: string } | null> {
  const token = headerValue(ctx.req, 'token').replace(/^Bearer /, '');
  try {
    const pk = await ctx.gw.jwt.verify(token);
    return { pk, owner: toAddress(pk, ctx.gw.backend.ss58Format) };
  } catch (err) {
    await drainQuietly(ctx.body);
    reply(ctx, 403, 403, 'Invalid token', errorText(err));
    return null;
  }
}

async function drainQuietly(body: Readable): Promise<void> {
  await drain(body);
}

// ---------------------------------------------------------------------------------------------
// upload preconditions and replies (handles/upload.go upload, CheckPreconditions)

function preconditionResp(r: UploadRejection): { code: number; msg: string } {
  switch (r.kind) {
    case 'unauthorized':
      return { code: CODE_UP_NOT_AUTH, msg: 'The user has not authorized the gateway' };
    case 'no-territory':
      return {
        code: CODE_UP_ERROR,
        msg: `query territory error: territory '${r.territory}' not found`,
      };
    case 'territory-inactive':
    case 'no-space':
      return { code: CODE_UP_INSUFF_SPACE, msg: 'Insufficient territory space or not activated' };
  }
}

interface UploadFlags {
  async: boolean;
  noProxy: boolean;
  batch: boolean;
}

/** Replies for a failed CheckPreconditions / ProvideFile, as upload() does. */
function replyUploadError(
  ctx: RouteContext,
  err: unknown,
  fid: string | null,
  flags: UploadFlags,
  stage: 'check' | 'declare',
): void {
  const c = classify(err);
  if (c.kind === 'aborted') return;
  if (c.kind === 'precondition') {
    const { code, msg } = preconditionResp(c.rejection);
    // sync: every failed precondition is HTTP 400; async: 10110 is 500, the others 200
    const status = flags.async ? (code === CODE_UP_ERROR ? 500 : 200) : 400;
    return reply(ctx, status, code, msg, fid);
  }
  if (c.kind === 'chain') {
    ctx.gw.log('warn', `cd2n: chain error: ${c.message}`);
    if (stage === 'declare') return reply(ctx, 500, CODE_UP_ERROR, 'upload file error', c.message);
    return reply(ctx, 500, CODE_UP_ERROR, c.message, fid);
  }
  ctx.gw.log('error', `cd2n: upload failed: ${c.message}`);
  reply(ctx, 500, CODE_UP_ERROR, 'upload file error', c.message);
}

function fileInfoJson(
  fid: string,
  name: string,
  pk: Uint8Array,
  territory: string,
  h: FileHashes,
): FileInfoJson {
  return {
    fid,
    file_name: name,
    base_dir: '',
    file_size: h.size,
    owner: Buffer.from(pk).toString('base64'),
    territory,
    segments: h.segments.map((s) => s.hash),
    fragments: h.segments.map((s) => [...s.fragments]),
  };
}

function replyUploadSuccess(
  ctx: RouteContext,
  fid: string,
  info: FileInfoJson,
  flags: UploadFlags,
): void {
  if (!flags.async) {
    return reply(ctx, 200, 200, 'success', flags.batch ? batchResp(fid, 0) : fid);
  }
  if (!flags.noProxy) return reply(ctx, 200, CODE_UP_SUCCESS, 'success', fid);
  reply(ctx, 200, 200, 'success', flags.batch ? batchResp('', 0, info) : info);
}

interface Finishing {
  owner: string;
  pk: Uint8Array;
  territory: string;
  fileName: string;
  encrypt: boolean;
  flags: UploadFlags;
  /** plaintext as received */
  path: string;
  /** hashes of the plaintext, when already known (single-shot uploads) */
  hashes?: FileHashes;
  /** Keep `path` when the checks fail (a batch session can be retried). */
  keepOnFailure: boolean;
}

interface Prepared {
  fid: string;
  hashes: FileHashes;
  path: string;
  capsule?: Capsule;
}

/** PreprocessFile: optional gateway-side encryption, then segment/fragment hashes and fid. */
async function prepare(ctx: RouteContext, f: Finishing): Promise<Prepared> {
  if (!f.encrypt) {
    const hashes = f.hashes ?? (await hashFile(f.path, { fragments: true }));
    return { fid: fidOf('cd2n', hashes), hashes, path: f.path };
  }
  const { key, capsule } = encapsulate(f.pk);
  const encPath = ctx.gw.store.newTmpPath();
  try {
    await encryptFile(f.path, encPath, key);
    const hashes = await hashFile(encPath, { fragments: true });
    return { fid: fidOf('cd2n', hashes), hashes, path: encPath, capsule };
  } catch (err) {
    await rm(encPath, { force: true });
    throw err;
  }
}

/** The end of every CD²N upload: prepare, CheckPreconditions, store, declare, reply. Returns the fid on success. */
async function finish(ctx: RouteContext, f: Finishing): Promise<string | null> {
  const { gw } = ctx;
  let prep: Prepared;
  try {
    prep = await prepare(ctx, f);
  } catch (err) {
    if (!f.keepOnFailure) await gw.store.discard(f.path);
    const msg =
      err instanceof PretError ? `pre process file error: ${err.message}` : errorText(err);
    reply(ctx, 500, 500, f.flags.batch ? 'batch upload error' : 'upload user file error', msg);
    return null;
  }
  const dropAll = async () => {
    if (prep.path !== f.path) await gw.store.discard(prep.path);
    if (!f.keepOnFailure) await gw.store.discard(f.path);
  };
  try {
    await gw.backend.checkUpload(f.owner, f.territory, prep.hashes.size);
  } catch (err) {
    await dropAll();
    replyUploadError(ctx, err, prep.fid, f.flags, 'check');
    return null;
  }
  const declare = !(f.flags.async && f.flags.noProxy);
  try {
    await storeAndDeclare(gw, {
      protocol: 'cd2n',
      owner: f.owner,
      territory: f.territory,
      fileName: f.fileName,
      fid: prep.fid,
      hashes: prep.hashes,
      tmpPath: prep.path,
      // a batch session keeps its bytes until the declaration went through (retry)
      link: f.keepOnFailure && prep.path === f.path,
      declare: false,
    });
    if (prep.path !== f.path && !f.keepOnFailure) await gw.store.discard(f.path);
    if (prep.capsule) await gw.store.saveCapsule(prep.fid, encodeCapsuleJson(prep.capsule));
  } catch (err) {
    await dropAll();
    replyUploadError(ctx, err, prep.fid, f.flags, 'declare');
    return null;
  }
  if (declare) {
    try {
      await gw.backend.declare({
        owner: f.owner,
        territory: f.territory,
        fileName: f.fileName,
        fid: prep.fid,
        size: prep.hashes.size,
        segments: prep.hashes.segments.map((s) => ({ hash: s.hash, fragments: [...s.fragments] })),
      });
      gw.log('info', `cd2n: declared ${prep.fid} (${prep.hashes.size} bytes) for ${f.owner}`);
    } catch (err) {
      replyUploadError(ctx, err, prep.fid, f.flags, 'declare');
      return null;
    }
  }
  if (f.keepOnFailure) await gw.store.discard(f.path);
  replyUploadSuccess(
    ctx,
    prep.fid,
    fileInfoJson(prep.fid, f.fileName, f.pk, f.territory, prep.hashes),
    f.flags,
  );
  return prep.fid;
}

// ---------------------------------------------------------------------------------------------
// POST /gateway/upload/file

async function uploadFile(ctx: RouteContext): Promise<void> {
  const { gw } = ctx;
  const user = await requireUser(ctx);
  if (!user) return;
  let precheck: unknown;
  let out;
  try {
    out = await parseMultipart<Received>(ctx.req.headers, ctx.body, {
      beforeFile: async (fields) => {
        const territory = fields.get('territory') ?? '';
        if (territory === '') return; // reported after the body, as Go does
        try {
          // Before taking any data: authorization, territory, room for at least one segment.
          await gw.backend.checkUpload(user.owner, territory, 1);
        } catch (err) {
          precheck = err;
          throw err;
        }
      },
      consume: (stream) => gw.store.receive(stream, gw.maxUploadSize),
      cleanup: (r) => gw.store.discard(r.tmpPath),
    });
  } catch (err) {
    if (err instanceof BodyAbortedError) return; // nothing to answer on a dead connection
    throw err;
  }
  const fields = out.fields;
  const received = out.file?.result;
  const territory = fields.get('territory') ?? '';
  const flags: UploadFlags = {
    async: fields.get('async') === 'true',
    noProxy: fields.get('noProxy') === 'true',
    batch: false,
  };
  const fail = async (status: number, code: number, msg: string, data: unknown) => {
    await gw.store.discard(received?.tmpPath);
    reply(ctx, status, code, msg, data);
  };
  if (territory === '') return fail(400, 400, 'upload user file error', 'bad file params');
  if (!out.file) return fail(400, 400, 'upload user file error', 'http: no such file');
  if (precheck !== undefined) {
    await gw.store.discard(received?.tmpPath);
    return replyUploadError(ctx, precheck, null, flags, 'check');
  }
  if (!received) {
    const c = classify(out.file.error);
    if (c.kind === 'aborted') return;
    if (c.kind === 'too-large') return fail(413, 413, 'upload user file error', c.message);
    return fail(400, 400, 'upload user file error', out.formError ?? c.message);
  }
  const fileName = out.file.filename;
  if (!validName(fileName))
    return fail(400, CODE_UP_INVALID_NAME, 'upload user file error', 'invalid file name');
  if (received.hashes.size === 0) return fail(400, 400, 'upload user file error', 'empty file');
  await finish(ctx, {
    owner: user.owner,
    pk: user.pk,
    territory,
    fileName,
    encrypt: fields.get('encrypt') === 'true',
    flags,
    path: received.tmpPath,
    hashes: received.hashes,
    keepOnFailure: false,
  });
}

// ---------------------------------------------------------------------------------------------
// POST /gateway/upload/batch/request, /gateway/upload/batch/file

interface BatchSession {
  hash: string;
  ownerPk: Uint8Array;
  owner: string;
  fileName: string;
  territory: string;
  total: number;
  uploaded: number;
  encrypt: boolean;
  asyncUpload: boolean;
  noTxProxy: boolean;
  updated: number;
  /** Set once the file is stored and declared: re-sent chunks get the same answer. */
  fid?: string;
  path: string;
}

const sessions = new WeakMap<object, Map<string, BatchSession>>();

function sessionsOf(ctx: RouteContext): Map<string, BatchSession> {
  let m = sessions.get(ctx.gw);
  if (!m) {
    m = new Map();
    sessions.set(ctx.gw, m);
  }
  sweepSessions(m, ctx.gw.clock(), SESSION_TTL_MS);
  return m;
}

const batchRequestSchema = z.object({
  file_name: z.string().optional(),
  territory: z.string().optional(),
  total_size: z.number().int().safe().optional(),
  encrypt: z.boolean().optional(),
  async_upload: z.boolean().optional(),
  no_tx_proxy: z.boolean().optional(),
});

async function batchRequest(ctx: RouteContext): Promise<void> {
  const { gw } = ctx;
  const user = await requireUser(ctx);
  if (!user) return;
  let raw: Buffer;
  try {
    raw = await readSmallBody(ctx.body, SMALL_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      return reply(ctx, 400, 500, 'request batch upload error', err.message);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    // gin's BindJSON writes 400 before the handler's c.JSON(500): status 400, code 500
    return reply(ctx, 400, 500, 'request batch upload error', errorText(err));
  }
  const parsed = batchRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reply(
      ctx,
      400,
      500,
      'request batch upload error',
      `json: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const info = parsed.data;
  const fileName = info.file_name ?? '';
  const territory = info.territory ?? '';
  const total = info.total_size ?? 0;
  if (fileName === '' || territory === '' || total <= 0) {
    return reply(ctx, 500, 500, 'request batch upload error', 'bad request params');
  }
  if (!validName(fileName))
    return reply(ctx, 400, CODE_UP_INVALID_NAME, 'request batch upload error', 'invalid file name');
  if (total > gw.maxUploadSize) {
    return reply(
      ctx,
      413,
      413,
      'request batch upload error',
      `total_size larger than ${gw.maxUploadSize} bytes`,
    );
  }
  const flags: UploadFlags = {
    async: info.async_upload ?? false,
    noProxy: info.no_tx_proxy ?? false,
    batch: true,
  };
  try {
    await gw.backend.checkUpload(user.owner, territory, total);
  } catch (err) {
    return replyUploadError(ctx, err, null, flags, 'check');
  }
  const hash = randomBytes(32).toString('hex');
  const path = gw.store.sessionPath(hash);
  await writeFile(path, '', { flag: 'wx' });
  sessionsOf(ctx).set(hash, {
    hash,
    ownerPk: user.pk,
    owner: user.owner,
    fileName,
    territory,
    total,
    uploaded: 0,
    encrypt: info.encrypt ?? false,
    asyncUpload: flags.async,
    noTxProxy: flags.noProxy,
    updated: gw.clock(),
    path,
  });
  reply(ctx, 200, 200, 'success', hash, { hash });
}

/** utils.ParseFileRange: "bytes=start-end", end optional (0). */
function parseBatchRange(v: string): { start: number; end: number } | null {
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(v);
  if (!m) return null;
  return { start: Number(m[1]), end: m[2] === '' ? 0 : Number(m[2]) };
}

async function batchFile(ctx: RouteContext): Promise<void> {
  const { gw } = ctx;
  const user = await requireUser(ctx);
  if (!user) return;
  const hash = headerValue(ctx.req, 'hash');
  const err500 = async (data: string, status = 500) => {
    await drainQuietly(ctx.body);
    reply(ctx, status, status === 500 ? 500 : status, 'batch upload error', data);
  };
  const all = sessionsOf(ctx);
  const s = isFid(hash) ? all.get(hash) : undefined;
  if (!s) return err500('redis: nil (no upload session with this hash, or it expired)');
  if (gw.clock() - s.updated >= SESSION_TTL_MS) {
    all.delete(hash);
    await rm(s.path, { force: true });
    return err500('the data has expired.');
  }
  const rangeHeader = headerValue(ctx.req, 'range');
  const range = parseBatchRange(rangeHeader);
  if (!range) return err500('parse file range error: invalid range');
  if ((range.start === 0 && range.end === 0) || (range.end !== 0 && range.end <= range.start)) {
    return err500('bad data range');
  }
  if (Buffer.compare(Buffer.from(s.ownerPk), Buffer.from(user.pk)) !== 0)
    return err500('unauthorized access');
  const start = range.start;
  const end = range.end === 0 ? s.total : range.end;

  await gw.locks.run(`batch:${hash}`, async () => {
    if (s.fid !== undefined) {
      // Already stored and declared: the answer of the last chunk, again (idempotent).
      await drainQuietly(ctx.body);
      const flags: UploadFlags = { async: s.asyncUpload, noProxy: s.noTxProxy, batch: true };
      return replyUploadSuccess(ctx, s.fid, { ...ZERO_FILE_INFO, fid: s.fid }, flags);
    }
    if (s.uploaded < s.total) {
      if (end > s.total)
        return err500(`bad data range: end ${end} is past total_size ${s.total}`, 400);
      if (start < s.uploaded) {
        return err500(
          `duplicate range bytes=${start}-${end}: bytes 0-${s.uploaded} (end exclusive) are already received; send bytes=${s.uploaded}-...`,
          400,
        );
      }
      if (start > s.uploaded) {
        return err500(
          `out-of-order range bytes=${start}-${end}: only bytes 0-${s.uploaded} (end exclusive) are received; send bytes=${s.uploaded}-...`,
          400,
        );
      }
      const want = end - start;
      let out;
      try {
        out = await parseMultipart<number>(ctx.req.headers, ctx.body, {
          consume: async (stream) => {
            const counter = limitStream(want);
            await pipeline(stream, counter, createWriteStream(s.path, { flags: 'r+', start }));
            return counter.bytes();
          },
        });
      } catch (err) {
        await truncate(s.path, s.uploaded);
        if (err instanceof BodyAbortedError) return;
        throw err;
      }
      if (!out.file) {
        await truncate(s.path, s.uploaded);
        return reply(
          ctx,
          500,
          500,
          'batch upload error',
          out.isForm ? 'http: no such file' : "request Content-Type isn't multipart/form-data",
        );
      }
      if (out.file.result !== want) {
        await truncate(s.path, s.uploaded);
        if (classify(out.file.error).kind === 'aborted') return;
        return reply(ctx, 500, 500, 'batch upload error', 'bad data');
      }
      s.uploaded = end;
      s.updated = gw.clock();
      if (s.uploaded < s.total) {
        return reply(ctx, 308, 200, 'success', batchResp('', s.uploaded));
      }
    } else {
      await drainQuietly(ctx.body); // complete, but the last attempt failed: process again
    }
    const fid = await finish(ctx, {
      owner: s.owner,
      pk: s.ownerPk,
      territory: s.territory,
      fileName: s.fileName,
      encrypt: s.encrypt,
      flags: { async: s.asyncUpload, noProxy: s.noTxProxy, batch: true },
      path: s.path,
      keepOnFailure: true,
    });
    if (fid !== null) {
      s.fid = fid;
      s.updated = gw.clock();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// GET|HEAD /gateway/download/:fid[/:segment]

async function download(
  ctx: RouteContext,
  fid: string,
  segment: string | undefined,
): Promise<void> {
  const { gw, req } = ctx;
  const dlErr = (status: number, data: string) =>
    reply(ctx, status, status, 'download file error', data);
  if (!isFid(fid) || (segment !== undefined && !isFid(segment))) return dlErr(400, 'bad file id');
  const size = await gw.store.fileSize(fid);
  const meta = await gw.store.readMeta(fid);
  if (size === null) return dlErr(500, 'download data error: data not found');
  let path = gw.store.filePath(fid);
  let base = 0;
  let length = size;
  const name = (meta && Object.values(meta.names)[0]) ?? fid;

  const rkb = headerValue(req, 'rkb');
  const pkx = headerValue(req, 'pkx');
  let decrypted: string | undefined;
  try {
    if (rkb !== '' && pkx !== '') {
      const pkX = publicKeyOf(pkx);
      if (!pkX) return dlErr(500, 'parse publick key error: invalid address');
      const capsuleText = headerValue(req, 'capsule') || (await gw.store.readCapsule(fid));
      if (!capsuleText)
        return dlErr(
          500,
          'decrypt data error: decrypt file error: re-encrypt pre key error: capsule not found',
        );
      let key: Uint8Array;
      try {
        const reCapsule = reEncrypt(decodeReKeyText(rkb), decodeCapsuleJson(capsuleText));
        key = decapsulateReEncrypted(gw.pret.secret, pkX, reCapsule);
      } catch (err) {
        return dlErr(500, `decrypt data error: decrypt file error: ${errorText(err)}`);
      }
      decrypted = gw.store.newTmpPath();
      try {
        await decryptFile(path, decrypted, key);
      } catch (err) {
        return dlErr(500, `decrypt data error: decrypt file error: ${errorText(err)}`);
      }
      path = decrypted;
      length = (await stat(decrypted)).size;
    }
    if (segment !== undefined) {
      const idx = meta?.segments.indexOf(segment) ?? -1;
      if (idx < 0 || decrypted) return dlErr(500, 'download data error: segment not found');
      const SEG = 32 * 1024 * 1024;
      base = idx * SEG;
      length = Math.max(0, Math.min(SEG, size - base));
    }
    await serveRange(ctx, path, base, length, name);
  } finally {
    if (decrypted) await rm(decrypted, { force: true });
  }
}

/**
 * ServeFileWithDataInfo: "bytes=S-E" with E > S is the gateway's own RangeResponse, which
 * treats E as EXCLUSIVE (E-S bytes, "Content-Range: bytes S-E/size"); anything else with a
 * Range header goes through Go's http.ServeContent (RFC 7233, inclusive end).
 */
async function serveRange(
  ctx: RouteContext,
  path: string,
  base: number,
  size: number,
  name: string,
): Promise<void> {
  const { req, res } = ctx;
  const range = headerValue(req, 'range');
  const attach = /^[\x20-\x7e]*$/.test(name)
    ? `attachment; filename="${name.replace(/"/g, '\\"')}"`
    : `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
  const common = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  if (range === '') {
    return streamFileRange(req, res, path, 200, base, base + size, {
      ...common,
      'Content-Disposition': attach,
    });
  }
  const unsatisfiable = (why: string) =>
    sendText(res, 416, `invalid range: ${why}`, { 'Content-Range': `bytes */${size}` });
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(range);
  if (!m) return unsatisfiable('failed to parse'); // Go: 500 "parse file range error"
  const start = Number(m[1]);
  const end = m[2] === '' ? 0 : Number(m[2]);
  if (end - start > 0) {
    // RangeResponse (exclusive end)
    const e = end > size ? size : end;
    if (start >= size) return unsatisfiable('failed to overlap');
    return streamFileRange(req, res, path, 206, base + start, base + e, {
      ...common,
      'Content-Range': `bytes ${start}-${e}/${size}`,
      'Content-Disposition': /^[\x20-\x7e]*$/.test(name) ? `attachment; filename=${name}` : attach,
    });
  }
  // http.ServeContent: inclusive end, open end allowed
  if (m[2] !== '' && end < start) return unsatisfiable('invalid range');
  if (start >= size) return unsatisfiable('failed to overlap');
  const last = m[2] === '' ? size - 1 : Math.min(end, size - 1);
  return streamFileRange(req, res, path, 206, base + start, base + last + 1, {
    ...common,
    'Content-Range': `bytes ${start}-${last}/${size}`,
    'Content-Disposition': attach,
  });
}

// ---------------------------------------------------------------------------------------------
// GET /gateway/capsule/:fid, POST /gateway/reencrypt

async function capsuleRoute(ctx: RouteContext, fid: string): Promise<void> {
  const text = isFid(fid) ? await ctx.gw.store.readCapsule(fid) : null;
  if (!text) {
    return reply(
      ctx,
      400,
      400,
      'get proxy re-encryption capsule error',
      'get capsule error: capsule not found',
    );
  }
  reply(ctx, 200, 200, 'success', {
    capsule: Buffer.from(text, 'utf8').toString('base64'),
    pubkey: Buffer.from(ctx.gw.pret.publicKey).toString('base64'),
  });
}

/** Go encoding/json []byte: padded standard base64 (or null). */
const goBytes = z.union([
  z.null(),
  z
    .string()
    .max(16 * 1024)
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/),
]);
const reencryptSchema = z.object({
  did: z.union([z.string().max(1024), z.null()]).optional(),
  capsule: goBytes.optional(),
  rk: goBytes.optional(),
});

async function reencryptRoute(ctx: RouteContext): Promise<void> {
  const { gw } = ctx;
  const bad = () => reply(ctx, 400, 400, 're-encrypt key error', 'bad request params');
  let raw: Buffer;
  try {
    raw = await readSmallBody(ctx.body, 64 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return bad();
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return bad();
  }
  const parsed = reencryptSchema.safeParse(json);
  if (!parsed.success) return bad();
  const did = parsed.data.did ?? '';
  const capsuleBytes = Buffer.from(parsed.data.capsule ?? '', 'base64');
  const rkText = Buffer.from(parsed.data.rk ?? '', 'base64').toString('utf8');
  const prefix = 're-encrypt key error: re-encrypt pre key error: ';
  let capsule: Capsule;
  try {
    if (capsuleBytes.length === 0 && did !== '') {
      const stored = isFid(did) ? await gw.store.readCapsule(did) : null;
      if (!stored)
        return reply(
          ctx,
          400,
          400,
          're-encrypt key error',
          `${prefix}get capsule error: capsule not found`,
        );
      capsule = decodeCapsuleJson(stored);
    } else {
      capsule = decodeCapsuleJson(capsuleBytes.toString('utf8'));
    }
  } catch (err) {
    return reply(ctx, 400, 400, 're-encrypt key error', prefix + errorText(err));
  }
  let rk: Uint8Array;
  try {
    rk = decodeReKeyText(rkText);
  } catch (err) {
    return reply(ctx, 400, 400, 're-encrypt key error', prefix + errorText(err));
  }
  let out: Capsule;
  try {
    out = reEncrypt(rk, capsule);
  } catch (err) {
    const detail =
      err instanceof PretError && err.code === 'CAPSULE_CHECK_FAILED'
        ? 're-encrypt key error: invalid params'
        : errorText(err);
    return reply(ctx, 400, 400, 're-encrypt key error', prefix + detail);
  }
  reply(ctx, 200, 200, 'success', Buffer.from(encodeCapsuleJson(out), 'utf8').toString('base64'));
}
