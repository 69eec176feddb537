// Writes dist/THIRD-PARTY-NOTICES.txt: the licence and notice files of every package the
// console ships (package-lock.json's non-dev packages), as their licences ask of copies
// (MIT, BSD: the copyright and licence text; Apache-2.0, ECharts: its NOTICE too). The server
// embeds it with the rest of dist/ and serves it at /console/THIRD-PARTY-NOTICES.txt.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const legal = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/** The licence files of the package in `dir`: its own, then those under `licenses/`. */
function legalFiles(dir) {
  const own = readdirSync(dir).filter((f) => legal.test(f) && statSync(join(dir, f)).isFile());
  const bundled = existsSync(join(dir, 'licenses'))
    ? readdirSync(join(dir, 'licenses')).map((f) => join('licenses', f))
    : [];
  return [...own.sort(), ...bundled.sort()];
}

const parts = [
  'Third-party software in the zailai operator console (运营后台 所含第三方软件的许可)\n' +
    'Each package below is shipped, in part, in the console\'s scripts and styles.\n',
];
let missing = 0;
for (const [path, info] of Object.entries(lock.packages).sort()) {
  if (!path || info.dev) continue;
  const dir = join(here, path);
  const name = path.replace(/^.*node_modules\//, '');
  const files = existsSync(dir) ? legalFiles(dir) : [];
  let text = `${'='.repeat(78)}\n${name} ${info.version} (${info.license || 'no licence declared'})\n`;
  if (files.length === 0) {
    missing += 1;
    text += `(the package carries no licence file; its declared licence is ${info.license})\n`;
  }
  for (const f of files) text += `\n--- ${f}\n\n${readFileSync(join(dir, f), 'utf8').trim()}\n`;
  parts.push(text);
}
writeFileSync(join(here, 'dist', 'THIRD-PARTY-NOTICES.txt'), parts.join('\n'));
if (missing > 0 && process.stdout.isTTY) console.log(`notices: ${missing} package(s) carry no licence file`);
