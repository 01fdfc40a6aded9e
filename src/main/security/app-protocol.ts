import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './origins.js';

/**
 * Maps a request on the app protocol to candidate files, in order, under the given roots
 * (compiled output first, then static sources: dist/renderer, then src/renderer). Returns null
 * for anything that is not `app://cess-sync/<path>` or that would leave the roots (`..`, encoded
 * separators, NUL, absolute paths). The caller serves the first candidate that exists.
 */
export function resolveAppRequest(url: string, roots: readonly string[]): string[] | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host.toLowerCase() !== APP_HOST) return null;
  if (parsed.username !== '' || parsed.password !== '') return null;

  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname === '' || pathname === '/') pathname = '/index.html';
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || /^[A-Za-z]:$/.test(s))) return null;

  return roots.map((root) => {
    const resolved = path.resolve(root, ...segments);
    const base = path.resolve(root);
    if (resolved !== base && !resolved.startsWith(base + path.sep)) {
      throw new Error('unreachable: path escaped its root after segment checks');
    }
    return resolved;
  });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Content-Type for a served file, or null for extensions the UI never serves (refuse them). */
export function contentTypeFor(filePath: string): string | null {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? null;
}
