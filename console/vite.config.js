// The console is served by `zailai serve` under /console/ (server/build.rs embeds dist/).
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json: scripts/size.mjs follows it to measure the first page.
    manifest: true,
    // The server's Content-Security-Policy allows no inline script: keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev` against a running `zailai serve` (scripts/start.sh) on the default port.
    proxy: { '/v1': process.env.ZAILAI_URL || 'http://127.0.0.1:8787' },
  },
});
