// Rendering benchmark (reports, never fails): in Node, on the built package, the time to build
// a month's calendar cells (the setData view model) and its SVG, median of many runs, and the
// setData payload of one month. Run: node benches/render.mjs [runs]  (after scripts/build-pkg.sh)
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const zailai = require('../pkg');
const runs = Number(process.argv[2] || 2000);
const DAY = 86_400_000;

// A member with a busy month: 20 check-ins, a make-up, tasks done, at 2026-11-25 12:00 UTC+8.
let now = Date.UTC(2026, 10, 1, 1, 0);
const client = await zailai.createClient({ storage: zailai.memoryStorage(), user: 'bench', now: () => now });
for (let d = 0; d < 24; d++) {
  if (d !== 9 && d !== 15 && d !== 16 && d !== 20) client.checkIn();
  client.track('query');
  client.track('share');
  now += DAY;
}
client.makeUp('2026-11-10');

function measure(name, fn) {
  for (let i = 0; i < 200; i++) fn(); // warm up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(1);
  console.log(`| ${name} | ${q(0.5)} | ${q(0.1)} – ${q(0.9)} |`);
}

console.log(`render benchmark: Node ${process.version}, ${runs} runs each, µs`);
console.log('| what | median µs | p10 – p90 µs |');
console.log('| --- | --- | --- |');
measure('calendar cells (setData view model)', () => client.calendarCells());
measure('calendar view (full grid object)', () => client.calendar());
measure('calendar SVG', () => client.calendarSVG());
measure('cells + SVG', () => (client.calendarCells(), client.calendarSVG()));
measure('progress values', () => client.progress());
measure('poster draw commands', () => client.posterCommands());
const cells = client.calendarCells();
const bytes = (s) => Buffer.byteLength(s, 'utf8');
console.log(`setData payload of one month: ${bytes(JSON.stringify({ cells }))} bytes of JSON (${cells.length} cells); SVG ${bytes(client.calendarSVG())} bytes, as a data URI ${bytes(zailai.svgDataUri(client.calendarSVG()))} bytes`);
