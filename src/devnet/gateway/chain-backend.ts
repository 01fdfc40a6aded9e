import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToString, isHex } from '@polkadot/util';
import { queryOf, txOf } from '../../cess/chain/metadata.js';
import { ChainTxError, signAndWait } from '../../cess/chain/tx.js';
import type { DevRpc } from '../chain/dev-storage.js';
import { completeDeal, SPACE_PER_SEGMENT } from '../chain/miner-sim.js';
import { readJson } from '../chain/storage-codec.js';
import {
  ChainError,
  PreconditionError,
  type ChainFileInfo,
  type DeclareRequest,
  type GatewayBackend,
} from './backend.js';

const SEGMENT_SIZE = 32 * 1024 * 1024;

/** When the simulated miners report a declared file as stored. */
export type MinerDelay = number | 'never';

/** spec < 126 needs a bucket in every UserBrief; the gateway files everything in one. */
export const DEVNET_BUCKET = 'cess-sync';

export interface ChainBackendOptions {
  api: ApiPromise;
  rpc: DevRpc;
  gateway: KeyringPair;
  miner: KeyringPair;
  minerDelay: MinerDelay;
  log?: (msg: string) => void;
}

function text(v: string): string {
  return isHex(v) ? hexToString(v) : v;
}

export function segmentsFor(size: number): number {
  return Math.max(1, Math.ceil(size / SEGMENT_SIZE));
}

/** The gateway's chain side on the real CESS runtime under chopsticks. */
export class ChainBackend implements GatewayBackend {
  readonly account: string;
  readonly publicKey: Uint8Array;
  readonly ss58Format: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private minerDelay: MinerDelay;
  /** The tail of the chain writes queued so far (see serial). */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ChainBackendOptions) {
    this.account = opts.gateway.address;
    this.publicKey = opts.gateway.publicKey;
    this.ss58Format = opts.api.registry.chainSS58 ?? 42;
    this.minerDelay = opts.minerDelay;
  }

  setMinerDelay(delay: MinerDelay): void {
    this.minerDelay = delay;
  }

  async checkUpload(owner: string, territory: string, size: number): Promise<void> {
    const { api } = this.opts;
    const [auth, terr] = await Promise.all([
      queryOf(api, 'oss', 'authorityList')(owner),
      readJson<{ state: string; remainingSpace: string | number }>(
        api,
        'storageHandler',
        'territory',
        owner,
        territory,
      ),
    ]);
    const operators = (auth.toJSON() as string[] | null) ?? [];
    if (!operators.includes(this.account)) {
      throw new PreconditionError({ kind: 'unauthorized', owner, gateway: this.account });
    }
    if (!terr) throw new PreconditionError({ kind: 'no-territory', owner, territory });
    if (terr.state !== 'Active' && terr.state !== 'active') {
      throw new PreconditionError({
        kind: 'territory-inactive',
        owner,
        territory,
        state: terr.state,
      });
    }
    const needed = SPACE_PER_SEGMENT * BigInt(segmentsFor(size));
    const remaining = BigInt(terr.remainingSpace);
    if (remaining < needed) {
      throw new PreconditionError({ kind: 'no-space', owner, territory, remaining, needed });
    }
  }

  /**
   * Chain writes one at a time. A simulated deal completion reads the territory, the hold list
   * and the miner, then sets them (miner-sim.ts): a declaration, a delete or another completion
   * landing in between would be overwritten, and a stored file would be left out of the owner's
   * hold list or its space counted wrong. Two uploads in a row made that race under load.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.catch(() => undefined).then(fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  declare(req: DeclareRequest): Promise<void> {
    return this.serial(() => this.declareNow(req));
  }

  private async declareNow(req: DeclareRequest): Promise<void> {
    const { api, gateway } = this.opts;
    const existing = await this.fileInfo(req.fid);
    if (existing?.owners.includes(req.owner)) return; // already theirs: nothing to declare
    const brief = api.createType('PalletFileBankUserBrief').toJSON() as Record<string, unknown>;
    const userBrief: Record<string, unknown> = {
      user: req.owner,
      fileName: req.fileName,
      territoryName: req.territory,
      ...('bucketName' in brief ? { bucketName: DEVNET_BUCKET } : {}),
    };
    const dealInfo = req.segments.map((s) => ({ hash_: s.hash, fragmentList: s.fragments }));
    try {
      await signAndWait(
        api,
        txOf(api, 'fileBank', 'uploadDeclaration')(req.fid, dealInfo, userBrief, req.size),
        gateway,
      );
    } catch (err) {
      if (err instanceof ChainTxError)
        throw new ChainError(`uploadDeclaration failed: ${err.message}`);
      throw err;
    }
    if (!existing) this.scheduleCompletion(req.fid);
  }

  /** Completes every pending deal now (e.g. after a restart lost the timers, or in tests). */
  async completePending(): Promise<string[]> {
    const { api } = this.opts;
    const entries = await queryOf(api, 'fileBank', 'dealMap').keys();
    const done: string[] = [];
    for (const key of entries) {
      const arg = key.args[0];
      if (!arg) continue;
      const fid = text(arg.toHex());
      if (await this.completeNow(fid)) done.push(fid);
    }
    return done;
  }

  completeNow(fid: string): Promise<boolean> {
    return this.serial(() =>
      completeDeal(this.opts.api, this.opts.rpc, fid, this.opts.miner.address),
    );
  }

  private scheduleCompletion(fid: string): void {
    const delay = this.minerDelay;
    if (delay === 'never') return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.completeNow(fid).then(
        (ok) => this.opts.log?.(ok ? `miners stored ${fid}` : `no pending deal for ${fid}`),
        (err: unknown) => this.opts.log?.(`miner simulation failed for ${fid}: ${String(err)}`),
      );
    }, delay);
    this.timers.add(timer);
  }

  deleteFile(owner: string, fid: string): Promise<void> {
    const { api, gateway } = this.opts;
    return this.serial(async () => {
      try {
        await signAndWait(api, txOf(api, 'fileBank', 'deleteFile')(owner, fid), gateway);
      } catch (err) {
        if (err instanceof ChainTxError) throw new ChainError(`deleteFile failed: ${err.message}`);
        throw err;
      }
    });
  }

  async fileInfo(fid: string): Promise<ChainFileInfo | null> {
    const { api } = this.opts;
    const file = await readJson<{ fileSize: string | number; owner: { user: string }[] }>(
      api,
      'fileBank',
      'file',
      fid,
    );
    if (file)
      return {
        fid,
        size: Number(file.fileSize),
        owners: file.owner.map((o) => o.user),
        state: 'stored',
      };
    const deal = await readJson<{ fileSize: string | number; user: { user: string } }>(
      api,
      'fileBank',
      'dealMap',
      fid,
    );
    if (deal)
      return { fid, size: Number(deal.fileSize), owners: [deal.user.user], state: 'pending' };
    return null;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
