// Vite builds web/ into web/dist (a static bundle for any static host). Configuration comes from
// VITE_* variables (web/.env.example); the local stack points envDir at its own generated file.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { host: '127.0.0.1', strictPort: true },
});
