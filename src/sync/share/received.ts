/**
 * The list of shares received on this device ("Shared with me"), kept in the device's manifest
 * (key-value state `sharesReceived`), newest first and bounded: it only helps the UI find what
 * was saved where; the files themselves are the record.
 */
import { receivedShareEntrySchema, type ReceivedShareEntry } from '../api/schema.js';
import type { Manifest } from '../manifest/index.js';

const STATE_KEY = 'sharesReceived';
/** Entries kept; older ones drop off the list (their files stay where they were saved). */
export const MAX_RECEIVED_RECORDS = 200;

export function listReceivedRecords(m: Manifest): ReceivedShareEntry[] {
  const raw = m.getState<unknown[]>(STATE_KEY) ?? [];
  const out: ReceivedShareEntry[] = [];
  for (const r of raw) {
    const p = receivedShareEntrySchema.safeParse(r);
    if (p.success) out.push(p.data);
  }
  return out;
}

export function addReceivedRecord(m: Manifest, r: ReceivedShareEntry): void {
  const next = [receivedShareEntrySchema.parse(r), ...listReceivedRecords(m)];
  m.setState(STATE_KEY, next.slice(0, MAX_RECEIVED_RECORDS));
}
