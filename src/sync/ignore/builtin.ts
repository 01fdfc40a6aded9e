/**
 * Built-in ignore rules, in gitignore syntax.
 *
 * MANDATORY_PATTERNS cannot be overridden: they protect the engine's own files. Our metadata
 * directory and the root marker are ignored at any depth, not only at the root: a synced
 * folder moved inside another one must not upload its marker or database to the outer root
 * (where another device would take them for its own).
 *
 * DEFAULT_PATTERNS are editor, OS and browser temporary or system files. A `.cessignore`
 * negation ('!*.tmp') re-includes them; the user's rules come after these.
 */

export const METADATA_DIR_NAME = '.cess-sync';
export const ROOT_MARKER_NAME = '.cess-sync-root';
export const IGNORE_FILE_NAME = '.cessignore';

export const MANDATORY_PATTERNS: readonly string[] = [`${METADATA_DIR_NAME}/`, ROOT_MARKER_NAME];

export const DEFAULT_PATTERNS: readonly string[] = [
  // macOS
  '.DS_Store',
  '._*', // AppleDouble resource forks on non-HFS volumes
  '.Spotlight-V100/',
  '.Trashes/',
  '.fseventsd/',
  '.TemporaryItems/',
  // Windows
  'Thumbs.db',
  'ehthumbs.db',
  'desktop.ini',
  '$RECYCLE.BIN/',
  'System Volume Information/',
  // Office owner/lock files
  '~$*',
  // LibreOffice lock files
  '.~lock.*#',
  // vim swap files (*.swp, *.swx, and .name.swo ...)
  '*.swp',
  '*.swx',
  '.*.sw?',
  // backup files of emacs, gedit, ...
  '*~',
  // emacs lock files
  '.#*',
  // generic temporary and partial downloads (Firefox .part, Chrome .crdownload)
  '*.tmp',
  '*.part',
  '*.crdownload',
];

/**
 * Names matched exactly, outside gitignore syntax. macOS's custom-folder-icon file is named
 * "Icon\r"; the `ignore` package trims a trailing '\r' from patterns (it would ignore every
 * "Icon"), so this one is compared as a string.
 */
export const DEFAULT_EXACT_NAMES: readonly string[] = ['Icon\r'];
