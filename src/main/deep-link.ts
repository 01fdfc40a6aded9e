import { DEEP_LINK_SCHEME } from './security/origins.js';

const MAX_LINK_LENGTH = 2048;

/**
 * The `cess-sync:` link a launch carries, if any. On Windows and Linux the OS starts the app
 * (or the second instance) with the link among argv; on macOS it arrives through 'open-url'
 * and goes through normalizeDeepLink directly. Returns the normalised href or null.
 */
export function extractDeepLink(argv: readonly string[]): string | null {
  for (const arg of argv) {
    const link = normalizeDeepLink(arg);
    if (link !== null) return link;
  }
  return null;
}

export function normalizeDeepLink(candidate: string): string | null {
  if (candidate.length > MAX_LINK_LENGTH) return null;
  if (!candidate.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`)) return null;
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}
