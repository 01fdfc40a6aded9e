import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCb,
  type ScryptOptions,
} from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyStoreError, type KeyStore } from './types.js';

/**
 * scrypt cost. The default (N = 2^17, r = 8, p = 1: 128 MiB, ~0.3-0.5 s) follows current
 * guidance for interactive logins; the file is read by an attacker offline, so never lower it
 * in production. Tests may use 2^14 (the minimum accepted) to stay fast.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const MIN_N = 2 ** 14;
export const MIN_PASSPHRASE_LENGTH = 8;

const FORMAT = 'cess-sync-keystore';
const VERSION = 1;

interface Header {
  format: typeof FORMAT;
  version: number;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
}
interface FileShape extends Header {
  data: string;
}
interface Payload {
  accounts: Record<string, string>;
}

function scrypt(pass: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 16 * 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scryptCb(pass.normalize('NFKC'), salt, 32, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The authenticated part of the header: changing the KDF parameters or format breaks decryption. */
function aad(h: Pick<Header, 'format' | 'version' | 'kdf'>): Buffer {
  return Buffer.from(JSON.stringify({ format: h.format, version: h.version, kdf: h.kdf }), 'utf8');
}

export interface EncryptedFileKeyStoreOptions {
  /** The key file; its directory is created (mode 0700) when missing. */
  path: string;
  passphrase: string;
  /** Cost for a new file (an existing file keeps its own). */
  scrypt?: ScryptParams;
}

/**
 * Secrets in one file encrypted with AES-256-GCM under a key derived from a passphrase with
 * scrypt, for servers without an OS keychain. The file (mode 0600) is replaced atomically on
 * every change (temporary file, fsync, rename); a wrong passphrase or a modified file fails
 * authentication and is reported, never half-read. Operations of one instance are serialised;
 * two processes must not write the same file at once.
 */
export class EncryptedFileKeyStore implements KeyStore {
  readonly kind = 'file' as const;
  readonly location: string;
  private readonly passphrase: string;
  private readonly params: ScryptParams;
  private key: { salt: string; params: ScryptParams; key: Buffer } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: EncryptedFileKeyStoreOptions) {
    if (opts.passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new KeyStoreError(
        `the key file passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`,
        'weak-passphrase',
      );
    }
    const params = opts.scrypt ?? DEFAULT_SCRYPT;
    if (params.N < MIN_N || (params.N & (params.N - 1)) !== 0 || params.r < 8 || params.p < 1) {
      throw new RangeError(
        `scrypt parameters too weak or invalid: N must be a power of two >= ${MIN_N}, r >= 8, p >= 1`,
      );
    }
    this.location = path.resolve(opts.path);
    this.passphrase = opts.passphrase;
    this.params = params;
  }

  get(account: string): Promise<string | null> {
    return this.serial(async () => (await this.read()).accounts[account] ?? null);
  }

  set(account: string, secret: string): Promise<void> {
    return this.serial(async () => {
      const payload = await this.read();
      payload.accounts[account] = secret;
      await this.write(payload);
    });
  }

  delete(account: string): Promise<boolean> {
    return this.serial(async () => {
      const payload = await this.read();
      if (!(account in payload.accounts)) return false;
      const accounts = Object.fromEntries(
        Object.entries(payload.accounts).filter(([a]) => a !== account),
      );
      await this.write({ accounts });
      return true;
    });
  }

  list(): Promise<string[]> {
    return this.serial(async () => Object.keys((await this.read()).accounts).sort());
  }

  /** Checks the passphrase against an existing file (true when there is no file yet). */
  verify(): Promise<true> {
    return this.serial(async () => {
      await this.read();
      return true as const;
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(fn);
    this.queue = run;
    return run;
  }

  private async keyFor(salt: string, params: ScryptParams): Promise<Buffer> {
    const k = this.key;
    if (
      k &&
      k.salt === salt &&
      k.params.N === params.N &&
      k.params.r === params.r &&
      k.params.p === params.p
    )
      return k.key;
    const key = await scrypt(this.passphrase, Buffer.from(salt, 'base64'), params);
    this.key = { salt, params: { N: params.N, r: params.r, p: params.p }, key };
    return key;
  }

  private async read(): Promise<Payload> {
    let text: string;
    try {
      text = await fs.readFile(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: {} };
      throw new KeyStoreError(
        `cannot read the key file ${this.location}: ${(err as Error).message}`,
        'io',
        { cause: err },
      );
    }
    let file: FileShape;
    try {
      file = JSON.parse(text) as FileShape;
      if (
        file.format !== FORMAT ||
        file.kdf.name !== 'scrypt' ||
        file.cipher.name !== 'aes-256-gcm'
      )
        throw new Error('unknown format');
    } catch (err) {
      throw new KeyStoreError(
        `${this.location} is not a cess-sync key file (or is damaged)`,
        'corrupt',
        { cause: err },
      );
    }
    if (file.version !== VERSION) {
      throw new KeyStoreError(
        `${this.location} has key file version ${file.version}; this program reads version ${VERSION}`,
        'corrupt',
      );
    }
    const key = await this.keyFor(file.kdf.salt, file.kdf);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.cipher.iv, 'base64'));
      decipher.setAAD(aad(file));
      decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(file.data, 'base64')),
        decipher.final(),
      ]);
      const payload = JSON.parse(plain.toString('utf8')) as Payload;
      plain.fill(0);
      return { accounts: { ...payload.accounts } };
    } catch (err) {
      throw new KeyStoreError(
        `cannot open the key file ${this.location}: wrong passphrase, or the file was modified`,
        'wrong-passphrase',
        { cause: err },
      );
    }
  }

  private async write(payload: Payload): Promise<void> {
    // Keep the salt of the current key (same passphrase, no new derivation); a new file gets a new salt.
    const salt = this.key?.salt ?? randomBytes(16).toString('base64');
    const { N, r, p } = this.key?.params ?? this.params;
    const kdf = { name: 'scrypt' as const, N, r, p, salt };
    const key = await this.keyFor(salt, { N, r, p });
    const iv = randomBytes(12);
    const head = { format: FORMAT, version: VERSION, kdf } as const;
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(head));
    const plain = Buffer.from(JSON.stringify(payload), 'utf8');
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    plain.fill(0);
    const file: FileShape = {
      ...head,
      cipher: {
        name: 'aes-256-gcm',
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      },
      data: data.toString('base64'),
    };
    await atomicWrite(this.location, JSON.stringify(file, null, 2) + '\n');
  }
}

/** Writes `text` to `file` (mode 0600) so that readers see the old or the new content, never a mix. */
async function atomicWrite(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(
      dir,
      `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    const fh = await fs.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fs.chmod(file, 0o600);
    const dh = await fs.open(dir, 'r').catch(() => undefined);
    await dh?.sync().catch(() => undefined);
    await dh?.close();
  } catch (err) {
    throw new KeyStoreError(`cannot write the key file ${file}: ${(err as Error).message}`, 'io', {
      cause: err,
    });
  }
}
