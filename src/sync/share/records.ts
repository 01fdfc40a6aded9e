/**
 * The owner's list of shares, kept in the device's manifest (key-value state `shares`). Per
 * device: a share made on the laptop is listed (and revocable) on the laptop.
 */
import { shareInfoSchema, type ShareInfo } from '../api/schema.js';
import type { Manifest } from '../manifest/index.js';
import { ShareError } from './errors.js';

const STATE_KEY = 'shares';

export const shareRecordSchema = shareInfoSchema;
export type ShareRecord = ShareInfo;

export function listShareRecords(m: Manifest): ShareRecord[] {
  const raw = m.getState<unknown[]>(STATE_KEY) ?? [];
  const out: ShareRecord[] = [];
  for (const r of raw) {
    const p = shareRecordSchema.safeParse(r);
    if (p.success) out.push(p.data);
  }
  return out;
}

export function addShareRecord(m: Manifest, r: ShareRecord): void {
  m.setState(STATE_KEY, [...listShareRecords(m), shareRecordSchema.parse(r)]);
}

export function updateShareRecord(
  m: Manifest,
  id: string,
  change: (r: ShareRecord) => ShareRecord,
): ShareRecord {
  const all = listShareRecords(m);
  const i = all.findIndex((r) => r.id === id);
  const cur = all[i];
  if (!cur) throw new ShareError('UNKNOWN_SHARE', `no share with id ${id}`);
  const next = shareRecordSchema.parse(change(cur));
  all[i] = next;
  m.setState(STATE_KEY, all);
  return next;
}
