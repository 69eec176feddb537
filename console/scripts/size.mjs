// The first page's weight: every file a browser loads from signing in to 概览 (the entry
// chunk with the login page, the overview's chunk, every chunk and stylesheet they import),
// gzip-compressed as the server sends them (level 9, as server/build.rs does). Follows Vite's
// manifest, so the figure does not depend on a browser or a network.
// `node scripts/size.mjs [dist]` prints a report; `firstPage(dist)` gives the numbers.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUDGET = 500 * 1024;
/** The pages a first visit opens after index.html: the login is in the entry, 概览 lazy. */
const FIRST = ['index.html', 'src/pages/Overview.vue'];

export function firstPage(dist) {
  const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));
  const files = new Set(['index.html']);
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    (chunk.css || []).forEach((f) => files.add(f));
    (chunk.imports || []).forEach(visit);
  };
  FIRST.forEach(visit);
  const rows = [...files].sort().map((file) => {
    const raw = readFileSync(join(dist, file));
    return { file, raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
  });
  const total = rows.reduce((n, r) => n + r.gzip, 0);
  return { rows, total, budget: BUDGET };
}

export function report({ rows, total, budget }) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const lines = rows.map((r) => `  ${kb(r.gzip).padStart(9)} gzip  ${kb(r.raw).padStart(9)} raw  ${r.file}`);
  return [
    `console first page (login → 概览): ${kb(total)} gzip of ${kb(budget)} budget, ${rows.length} files`,
    ...lines,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] || join(fileURLToPath(new URL('..', import.meta.url)), 'dist');
  const result = firstPage(dist);
  console.log(report(result));
  if (result.total > result.budget) process.exitCode = 1;
}
