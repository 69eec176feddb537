// Assembles the web preview served by `zailai serve --web`: the page (js/preview/) and the
// browser build of the package (pkg/dist/web/) as zailai/. Run after build.mjs.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const js = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(js);
const out = join(root, 'target', 'web-preview');
const web = join(root, 'pkg', 'dist', 'web');
if (!existsSync(web)) throw new Error('pkg/dist/web is missing: run scripts/build-pkg.sh first');
rmSync(out, { recursive: true, force: true });
cpSync(join(js, 'preview'), out, { recursive: true });
cpSync(web, join(out, 'zailai'), { recursive: true });
console.log(`web preview: ${out}`);
