import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webDir = path.dirname(fileURLToPath(import.meta.url));

// Two pages: the console (index.html) and the GraphQL explorer (explorer.html),
// which the API process serves from dist/web. No plugin is needed: Vite's own
// transformer handles TSX with the automatic JSX runtime set in web/tsconfig.json.
export default defineConfig({
  root: webDir,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: path.join(webDir, '..', 'dist', 'web'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: { index: path.join(webDir, 'index.html'), explorer: path.join(webDir, 'explorer.html') },
      // GraphiQL's dependencies carry React "use client" directives, meaningless in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
