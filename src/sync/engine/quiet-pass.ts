/**
 * The quiet pass: a folder where nothing changed since a pass that left both sides agreeing
 * needs no plan. Planning loads three whole trees and decodes every tree blob of the newest
 * snapshot: at 100,000 files that was 28 s and a 1.65 GiB peak at each daemon start, to learn
 * that there is nothing to do (docs/benchmarks.md, "whole engine").
 *
 * A pass whose outcome is agreement records a marker: the rules in force. The snapshot both
 * sides then matched is the one the stored remote tree is (manifest key
 * `remote-tree-snapshot:<folder>`, written only by passes that plan, which clear the marker
 * first). The next pass skips planning when its scan changed nothing in the local tree, CESS's
 * newest snapshot is still that one, and the rules are the same. The plan is a function of the
 * three trees and the rules; with all of them as they were when it came out empty, it comes out
 * empty again. Every pass that plans clears the marker before it changes
 * anything, so a pass that fails half-way leaves none.
 */
import type { IgnoreMatcher } from '../ignore/index.js';
import type { Manifest } from '../manifest/index.js';
import { isLocalOp, type Op, type Plan } from '../planner/index.js';
import { folderCreatedMs } from './folder-runtime.js';

/** Bumped when the planner's inputs change meaning (built-in rules, tree fields). */
const QUIET_VERSION = 1;

interface QuietMarker {
  /** The rules the plan was made under (rulesFingerprint). */
  rules: string;
  /**
   * When the folder was added: a folder removed and added again (same id, trees reset to their
   * roots) is not the folder the marker speaks of, even before its first scan finds anything.
   */
  folderCreatedMs: number | null;
}

export function quietKey(folderId: string): string {
  return `quiet-pass:${folderId}`;
}

/** The ignore file's text and the exclusions: everything that hides items from the plan. */
export function rulesFingerprint(ignore: IgnoreMatcher): string {
  return JSON.stringify([QUIET_VERSION, ignore.ignoreFileText, ignore.exclusions]);
}

/**
 * Whether a pass can stop after its scan. `latest` is asked only when the cheap checks pass
 * (it reads the repository's snapshot list).
 */
export async function isQuiet(o: {
  manifest: Manifest;
  folderId: string;
  ignore: IgnoreMatcher;
  /** The scan changed the recorded local tree, or left files to rescan. */
  localChanged: boolean;
  /** The snapshot the stored remote tree is (undefined: none stored). */
  remoteTreeSnapshot: string | null | undefined;
  latest: () => Promise<string | null>;
}): Promise<boolean> {
  const m = o.manifest.getState<QuietMarker | null>(quietKey(o.folderId)) ?? null;
  if (m === null || o.localChanged || m.rules !== rulesFingerprint(o.ignore)) return false;
  if (m.folderCreatedMs !== folderCreatedMs(o.manifest, o.folderId)) return false;
  if (o.remoteTreeSnapshot === undefined) return false;
  if (!o.manifest.hasTree(o.folderId, 'synced') || !o.manifest.hasTree(o.folderId, 'remote'))
    return false;
  return (await o.latest()) === o.remoteTreeSnapshot;
}

/** Ops that change this device's disk or its record of it: after them the next scan differs. */
function touchesLocal(op: Op): boolean {
  return isLocalOp(op) || (op.type === 'markSynced' && op.localId !== undefined);
}

/**
 * Whether a finished pass left both sides agreeing, as far as the next plan can tell: nothing
 * held back, in conflict or withheld, the base its own, and no op that changed the local side
 * (the next scan must see those effects first; it then plans once more and finds quiet).
 */
export function leftAgreement(o: {
  plan: Plan;
  remoteProblems: number;
  scanRetry: number;
  baseIsStored: boolean;
}): boolean {
  const p = o.plan;
  return (
    o.baseIsStored &&
    o.remoteProblems === 0 &&
    o.scanRetry === 0 &&
    p.conflicts.length === 0 &&
    p.held.length === 0 &&
    p.problems.length === 0 &&
    !p.ops.some(touchesLocal)
  );
}

export function clearQuiet(manifest: Manifest, folderId: string): void {
  if ((manifest.getState<QuietMarker | null>(quietKey(folderId)) ?? null) !== null)
    manifest.setState(quietKey(folderId), null);
}

/** Call after the pass stored its remote tree and its snapshot key. */
export function markQuiet(manifest: Manifest, folderId: string, ignore: IgnoreMatcher): void {
  const m: QuietMarker = {
    rules: rulesFingerprint(ignore),
    folderCreatedMs: folderCreatedMs(manifest, folderId),
  };
  manifest.setState(quietKey(folderId), m);
}
