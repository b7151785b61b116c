import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The panel lives in web/; the daemon serves web/dist (see server/http/panel.ts). */
const webDir = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: webDir,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The daemon answers with a strict CSP (script-src 'self'): nothing may be inlined.
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // locales/zh-CN/panel.json → assets/locale-zh-CN-panel-<hash>.js
        chunkFileNames(chunk) {
          const catalog = /locales\/([^/]+)\/([\w-]+)\.json$/.exec(chunk.facadeModuleId ?? '');
          return catalog ? `assets/locale-${catalog[1]}-${catalog[2]}-[hash].js` : 'assets/[name]-[hash].js';
        },
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` against a daemon on :8080 for development.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
