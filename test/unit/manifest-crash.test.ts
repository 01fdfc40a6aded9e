/**
 * Crash safety: a child process runs many manifest transactions and is killed with SIGKILL
 * mid-way; the database must reopen healthy, with every change either fully there or fully
 * absent, and the synced tree agreeing with the journal.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../../src/sync/manifest/index.js';
import { ROOT_ID } from '../../src/sync/model/tree.js';

const FOLDER = 'crash-folder';
const CHILDREN = 200;

let dir: string;
let dbPath: string;
let childPath: string;

const manifestUrl = pathToFileURL(
  nodePath.resolve(import.meta.dirname, '../../src/sync/manifest/index.ts'),
).href;

// Each round: op "create dir d<i> with CHILDREN files" is journaled, the local tree gets the
// subtree in one transaction, then the synced tree gets it and the op completes in another;
// every 7th round deletes an older subtree from both trees the same way. Runs until killed.
const CHILD = `
import { Manifest } from ${JSON.stringify(manifestUrl)};
const ROOT = '${ROOT_ID}';
const m = Manifest.open(process.argv[2]);
m.requeueRunningOps();
if (!m.getFolder('${FOLDER}')) m.addFolder({ id: '${FOLDER}', rootPath: '/crash' });
const hex = (s) => Buffer.from(s).toString('hex').padEnd(32, '0').slice(0, 32);
let i = (m.getState('round') ?? 0);
process.stdout.write('ready\\n');
for (;;) {
  i++;
  const dirId = hex('d' + i);
  const nodes = [{ id: dirId, parentId: ROOT, name: 'd' + i, kind: 'dir' }];
  for (let k = 0; k < ${CHILDREN}; k++)
    nodes.push({ id: hex(i + '/' + k), parentId: dirId, name: 'f' + k, kind: 'file', contentId: 'c' + i + '.' + k, size: k, mtimeMs: k });
  const op = m.transaction(() => {
    m.setState('round', i);
    return m.addOp('${FOLDER}', 'create', { dir: dirId, round: i });
  });
  m.claimOp('${FOLDER}');
  m.applyTreeChanges('${FOLDER}', 'local', nodes, []);
  m.markSynced('${FOLDER}', nodes, { completeOpId: op.id });
  if (i % 7 === 0 && i > 7) {
    const victim = i - 7;
    const vid = hex('d' + victim);
    const ids = [vid];
    for (let k = 0; k < ${CHILDREN}; k++) ids.push(hex(victim + '/' + k));
    const del = m.addOp('${FOLDER}', 'delete', { dir: vid, round: victim });
    m.claimOp('${FOLDER}');
    m.applyTreeChanges('${FOLDER}', 'local', [], ids);
    m.markSynced('${FOLDER}', [], { deletes: ids, completeOpId: del.id });
  }
}
`;

function runAndKill(afterMs: number): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childPath, dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stderr }));
  });
}

function assertConsistent(): { rounds: number; done: number } {
  const m = Manifest.open(dbPath);
  try {
    expect(m.check()).toEqual([]);
    const local = m.loadTree(FOLDER, 'local');
    const synced = m.loadTree(FOLDER, 'synced');
    for (const tree of [local, synced]) {
      // Every subtree is complete or absent: a directory has all its children.
      const childCount = new Map<string, number>();
      for (const n of tree.values()) {
        if (n.parentId === null) continue;
        childCount.set(n.parentId, (childCount.get(n.parentId) ?? 0) + 1);
        expect(tree.has(n.parentId)).toBe(true);
      }
      for (const n of tree.values())
        if (n.kind === 'dir' && n.id !== ROOT_ID) expect(childCount.get(n.id)).toBe(CHILDREN);
    }
    // The journal and the synced tree agree: a create op is done exactly when its subtree was
    // put into synced (unless a later done delete op removed it); a running op has not moved it.
    const ops = m.listOps<{ dir: string; round: number }>(FOLDER);
    const deleted = new Set(
      ops.filter((o) => o.kind === 'delete' && o.state === 'done').map((o) => o.payload.dir),
    );
    for (const o of ops) {
      if (o.kind === 'create') {
        const expectPresent = o.state === 'done' && !deleted.has(o.payload.dir);
        expect(synced.has(o.payload.dir)).toBe(expectPresent);
      } else {
        expect(o.state === 'done').toBe(!synced.has(o.payload.dir));
      }
      expect(['pending', 'running', 'done']).toContain(o.state);
    }
    return {
      rounds: ops.filter((o) => o.kind === 'create').length,
      done: ops.filter((o) => o.state === 'done').length,
    };
  } finally {
    m.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-manifest-crash-'));
  dbPath = nodePath.join(dir, 'manifest.db');
  childPath = nodePath.join(dir, 'child.ts');
  await writeFile(childPath, CHILD);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kill -9 during transactions', () => {
  it('reopens consistent after each of several kills, and resumes', async () => {
    let last = 0;
    for (const delay of [400, 250, 600]) {
      const { signal, stderr } = await runAndKill(delay);
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      const { rounds, done } = assertConsistent();
      expect(rounds).toBeGreaterThan(last); // it made progress, across restarts
      expect(done).toBeGreaterThan(0);
      last = rounds;
    }
  }, 60_000);
});
