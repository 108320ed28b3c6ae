/**
 * Builds the dashboard into dist/dashboard/, beside the compiled server, which serves it.
 * `vite build --config web/vite.config.ts`; `vite --config web/vite.config.ts` runs a dev server
 * that forwards the API to a Clickpath server on port 8080 (or CLICKPATH_URL).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: here('../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The chart library is one lazy chunk loaded with the first chart.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/v1': process.env.CLICKPATH_URL ?? 'http://127.0.0.1:8080' },
  },
});
