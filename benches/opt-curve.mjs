// Prints the size/speed table of scripts/bench-opt-levels.sh (markdown, for docs/package.md)
// from target/bench/opt-<level>.json and opt-<level>-sizes.json.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', 'target', 'bench');
const levels = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(join(bench, f), 'utf8'));
const runs = levels.map((l) => ({ level: l, engines: read(`opt-${l}.json`).engines, sizes: read(`opt-${l}-sizes.json`)['zailai.wasm'] }));
const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);
const figures = Object.keys(runs[0].engines['JSC, no JIT']);
console.log(`| figure, engine | ${levels.map((l) => `\`${l}\``).join(' | ')} |`);
console.log(`| --- |${levels.map(() => ' ---: |').join('')}`);
console.log(`| wasm raw / brotli (KB) | ${runs.map((r) => `${(r.sizes.raw / 1000).toFixed(0)} / ${(r.sizes.brotli / 1000).toFixed(1)}`).join(' | ')} |`);
for (const f of figures) {
  for (const engine of ['JSC, no JIT', 'V8 (Node)']) {
    console.log(`| ${f}, ${engine} | ${runs.map((r) => fmt(r.engines[engine][f].median_us)).join(' | ')} |`);
  }
}
