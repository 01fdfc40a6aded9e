/**
 * The engine as a service (what the daemon runs): watcher-driven passes, pause/resume, held
 * mass deletes confirmed by the user, status and activity — two engines of one account on the
 * local CESS network.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusSchema, type DaemonEvent } from '../../src/sync/api/schema.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { makeEngineNode, type EngineNode } from '../support/engine-node.js';
import { fundSyncAccount } from '../support/sync-device.js';

interface Node extends EngineNode {
  events: DaemonEvent[];
}

let net: TestDevnet;
let work: string;
let mnemonic: string;
let laptop: Node;
let desktop: Node;

async function node(name: string, watch: boolean): Promise<Node> {
  const n = await makeEngineNode(net, mnemonic, work, name, { watch, batchMs: 200 });
  const events: DaemonEvent[] = [];
  n.engine.subscribe((e) => events.push(e));
  await n.engine.start();
  await n.engine.addFolder({ root: n.root });
  return { ...n, events };
}

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-engine-'));
  ({ mnemonic } = await fundSyncAccount(net, 20));
  laptop = await node('laptop', true);
  desktop = await node('desktop', false);
});

afterAll(async () => {
  for (const n of [laptop, desktop]) {
    if (!n) continue;
    await n.engine.stop();
    await n.close();
  }
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('sync engine service', () => {
  it('both devices join the same folder and report a valid status', async () => {
    await laptop.engine.syncNow();
    await desktop.engine.syncNow();
    const s = statusSchema.parse(laptop.engine.status());
    expect(s.folders).toHaveLength(1);
    expect(s.folders[0]!.id).toBe(desktop.engine.status().folders[0]!.id);
    expect(s.account).toMatch(/^cX/);
    expect(['idle', 'syncing']).toContain(s.state);
  });

  it('a file saved on the laptop is uploaded by the watcher-driven pass and reaches the desktop', async () => {
    await writeFile(path.join(laptop.root, 'notes.txt'), 'saved while watched\n');
    await eventually(
      async () =>
        laptop.engine
          .recentActivity(50)
          .some((a) => a.kind === 'uploaded' && a.path === 'notes.txt')
          ? true
          : undefined,
      20_000,
      'the watcher to trigger an upload',
    );
    await desktop.engine.syncNow();
    expect(await readFile(path.join(desktop.root, 'notes.txt'), 'utf8')).toBe(
      'saved while watched\n',
    );
    expect(
      desktop.events.some((e) => e.type === 'activity' && e.activity.kind === 'downloaded'),
    ).toBe(true);
    expect(laptop.events.some((e) => e.type === 'status' && e.status.state === 'syncing')).toBe(
      true,
    );
  });

  it('a paused folder does not sync until resumed', async () => {
    await desktop.engine.pause();
    expect(desktop.engine.status().state).toBe('paused');
    await writeFile(path.join(laptop.root, 'while-paused.txt'), 'x');
    await laptop.engine.syncNow();
    await desktop.engine.syncNow();
    expect(existsSync(path.join(desktop.root, 'while-paused.txt'))).toBe(false);
    await desktop.engine.resume();
    await desktop.engine.syncNow();
    expect(existsSync(path.join(desktop.root, 'while-paused.txt'))).toBe(true);
  });

  /** n files made on the laptop and synced to the desktop (cap 3), then deleted on the laptop
   * and a pass run on each side: the desktop then holds the deletes. */
  async function deleteManyOnTheLaptop(prefix: string, n: number): Promise<void> {
    await desktop.engine.setSettings({ ...desktop.engine.getSettings(), maxDeletesPerPass: 3 });
    await laptop.engine.pause();
    for (let i = 0; i < n; i++)
      await writeFile(path.join(laptop.root, `${prefix}-${i}.txt`), `file ${i}`);
    await laptop.engine.resume();
    await laptop.engine.syncNow();
    await desktop.engine.syncNow();
    expect(existsSync(path.join(desktop.root, `${prefix}-${n - 1}.txt`))).toBe(true);
    await laptop.engine.pause();
    for (let i = 0; i < n; i++) await unlink(path.join(laptop.root, `${prefix}-${i}.txt`));
    await laptop.engine.resume();
    await laptop.engine.syncNow();
    await desktop.engine.syncNow();
  }

  it('a mass delete above the cap is held until the user confirms it', async () => {
    await deleteManyOnTheLaptop('bulk', 6);
    // The laptop's cap is the default (1000): it deleted remotely; the desktop's cap is 3.
    const held = desktop.engine.status().problems.find((p) => p.kind === 'heldDeletes');
    expect(held, JSON.stringify(desktop.engine.status().problems)).toBeDefined();
    expect(held!.actions).toEqual(['confirmDeletes', 'refuseDeletes']);
    expect(existsSync(path.join(desktop.root, 'bulk-0.txt'))).toBe(true);

    await desktop.engine.resolveProblem({ problemId: held!.id, action: 'confirmDeletes' });
    expect(existsSync(path.join(desktop.root, 'bulk-0.txt'))).toBe(false);
    expect(desktop.engine.status().problems.some((p) => p.kind === 'heldDeletes')).toBe(false);
    // Deleted by sync means moved to the local trash first.
    expect(existsSync(path.join(desktop.root, '.cess-sync', 'trash'))).toBe(true);
  });

  it('a confirmation given while a pass is already running is not lost', async () => {
    await deleteManyOnTheLaptop('race', 5);
    const held = desktop.engine.status().problems.find((p) => p.kind === 'heldDeletes');
    expect(held, JSON.stringify(desktop.engine.status().problems)).toBeDefined();

    // Confirm once the next pass has planned (its cap already read): the UI's click racing
    // a rescan or a watcher batch. That pass holds them again; the one after must delete.
    let syncingEvents = 0;
    let confirmed: Promise<void> | undefined;
    const off = desktop.engine.subscribe((e) => {
      if (e.type !== 'status' || e.status.state !== 'syncing' || confirmed) return;
      if (++syncingEvents === 2)
        confirmed = desktop.engine.resolveProblem({
          problemId: held!.id,
          action: 'confirmDeletes',
        });
    });
    await desktop.engine.syncNow();
    off();
    expect(confirmed, 'the pass emitted no planned status').toBeDefined();
    await confirmed;
    expect(existsSync(path.join(desktop.root, 'race-0.txt'))).toBe(false);
    expect(existsSync(path.join(desktop.root, 'race-4.txt'))).toBe(false);
    expect(desktop.engine.status().problems.some((p) => p.kind === 'heldDeletes')).toBe(false);
  });

  it("a file's earlier versions are listed and one can be restored", async () => {
    const file = path.join(laptop.root, 'draft.md');
    await laptop.engine.pause();
    await writeFile(file, 'version one\n');
    await laptop.engine.resume();
    await laptop.engine.syncNow();
    await laptop.engine.pause();
    await writeFile(file, 'version two\n');
    await laptop.engine.resume();
    await laptop.engine.syncNow();
    const folderId = laptop.engine.status().folders[0]!.id;
    const versions = await laptop.engine.versions({ folderId, path: 'draft.md' });
    expect(versions.map((v) => v.size)).toEqual([12, 12]);
    expect(versions[0]!.current).toBe(true);
    expect(versions[1]!.current).toBe(false);

    await laptop.engine.pause();
    await laptop.engine.restoreVersion({
      folderId,
      path: 'draft.md',
      snapshotId: versions[1]!.snapshotId,
    });
    expect(await readFile(file, 'utf8')).toBe('version one\n');
    await laptop.engine.resume();
    await laptop.engine.syncNow();
    // The restored content is now the newest version everywhere; the replaced one is in the trash.
    await desktop.engine.syncNow();
    expect(await readFile(path.join(desktop.root, 'draft.md'), 'utf8')).toBe('version one\n');
    const after = await laptop.engine.versions({ folderId, path: 'draft.md' });
    expect(after[0]!.current).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(2);
    await expect(laptop.engine.versions({ folderId, path: 'nope.md' })).rejects.toThrow(
      /not a synced file/,
    );
  });

  it('settings persist in the manifest', async () => {
    expect(desktop.engine.getSettings().maxDeletesPerPass).toBe(3);
    expect(
      desktop.manifest.getState<{ maxDeletesPerPass: number }>('settings')?.maxDeletesPerPass,
    ).toBe(3);
  });
});
