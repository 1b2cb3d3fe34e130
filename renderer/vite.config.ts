import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.TIDEMARK_API ?? 'http://127.0.0.1:8080';

// Relative asset URLs: the bundle works wherever `tidemark serve` (or Electron) mounts it.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    port: 5173,
    // The API refuses cross-origin callers: keep the browser's Host so the Origin matches.
    proxy: { '/v1': { target: api, changeOrigin: false }, '/version': { target: api, changeOrigin: false } },
  },
});
