// Builds the UI into dist/renderer (docs/ui.md): tsc -p tsconfig.renderer.json compiles
// src/renderer/** and the contract it imports (src/sync/api/schema.ts, src/daemon/protocol.ts)
// to browser ES modules under dist/renderer/{renderer,sync,daemon}/; the zod ES modules those
// import are copied to dist/renderer/vendor/zod/ (only the files reachable from zod's entry) and
// the bare `'zod'` specifier is rewritten to that relative path, since a page with a strict CSP
// (no inline import map) cannot resolve bare specifiers. Then index.html and styles.css are
// copied. No bundler: every file served is the compiler's output or zod's own published code.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'dist', 'renderer');
const src = path.join(repo, 'src', 'renderer');

rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    path.join(repo, 'tsconfig.renderer.json'),
  ],
  {
    stdio: 'inherit',
  },
);

// zod: copy the closure of relative imports from its ES entry.
const zodRoot = path.join(repo, 'node_modules', 'zod');
const vendor = path.join(out, 'vendor', 'zod');
// Static import/export statements (at the start of a line, so comments and strings are skipped).
const importRe = /^\s*(?:(?:import|export)\b[^'";]*?\bfrom\s*|import\s*)(['"])([^'"]+)\1/gm;
const seen = new Set();
const queue = ['index.js'];
while (queue.length > 0) {
  const rel = queue.pop();
  if (seen.has(rel)) continue;
  seen.add(rel);
  const text = readFileSync(path.join(zodRoot, rel), 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[2];
    if (!spec.startsWith('.')) throw new Error(`zod/${rel} imports ${spec}: not a relative module`);
    queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)));
  }
  mkdirSync(path.dirname(path.join(vendor, rel)), { recursive: true });
  writeFileSync(path.join(vendor, rel), text);
}

// Rewrite `from 'zod'` in the compiled files to the vendored copy.
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (p === path.join(out, 'vendor')) continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js')) {
      const text = readFileSync(p, 'utf8');
      const target = path
        .relative(path.dirname(p), path.join(vendor, 'index.js'))
        .split(path.sep)
        .join('/');
      const rewritten = text.replace(
        /(\bfrom\s*)(['"])zod\2/g,
        `$1'${target.startsWith('.') ? target : `./${target}`}'`,
      );
      if (/\bfrom\s*['"](?![./])/.test(rewritten))
        throw new Error(`${path.relative(repo, p)} still imports a bare specifier`);
      if (rewritten !== text) writeFileSync(p, rewritten);
    }
  }
}
walk(out);

// index.html loads ./app.js (as in the sources, for Electron's fallback to src/renderer): a
// one-line entry that imports the compiled module tree.
writeFileSync(path.join(out, 'app.js'), "import './renderer/app.js';\n");
// onboarding.html (setup mode, docs/ui.md "Onboarding") likewise loads ./onboarding.js.
writeFileSync(path.join(out, 'onboarding.js'), "import './renderer/onboarding/main.js';\n");

for (const name of ['index.html', 'onboarding.html', 'styles.css']) {
  const from = path.join(src, name);
  if (existsSync(from)) copyFileSync(from, path.join(out, name));
}
console.log(`renderer built into ${path.relative(repo, out)} (zod: ${seen.size} modules)`);
