// The reference cache of compaction (src/sync/compaction/state.ts): entries of blobs that no
// listed pack holds any more are forgotten; the rest stay and read back the same.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CompactionState } from '../../src/sync/compaction/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';

let dir: string;
let manifest: Manifest;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-compaction-state-'));
  manifest = Manifest.open(path.join(dir, 'manifest.sqlite'));
});

afterEach(async () => {
  manifest.close();
  await rm(dir, { recursive: true, force: true });
});

it('pruning the reference cache forgets only the blobs no pack holds', () => {
  const st = new CompactionState(manifest);
  const cache = st.refCache();
  cache.putTree('t1', { t: [], f: [['n1', 'n1']] });
  cache.putTree('t2', { t: ['t1'], f: [] });
  cache.putNode('n1', { d: ['d1'] });
  cache.putNode('n2', { d: ['d2', 'd3'] });
  const alive = new Set(['tree:t2', 'filenode:n1']);
  const seen: string[] = [];
  const pruned = st.pruneRefCache((type, id) => {
    seen.push(`${type}:${id}`);
    return alive.has(`${type}:${id}`);
  });
  expect(pruned).toBe(2);
  expect(seen.sort()).toEqual(['filenode:n1', 'filenode:n2', 'tree:t1', 'tree:t2']);
  const after = st.refCache();
  expect(after.tree('t1')).toBeUndefined();
  expect(after.node('n2')).toBeUndefined();
  expect(after.tree('t2')).toEqual({ t: ['t1'], f: [] });
  expect(after.node('n1')).toEqual({ d: ['d1'] });
  expect(st.pruneRefCache(() => true)).toBe(0);
});
