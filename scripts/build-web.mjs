#!/usr/bin/env node
// Builds the console (web/) into dist/web with Vite, unless the last build
// came from exactly the same sources: `npm start` runs this every time, so an
// up-to-date console must cost milliseconds, not a bundler run.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const outDir = path.join(root, 'dist', 'web');
const stampFile = path.join(outDir, '.sources-hash');

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

export function sourcesHash() {
  const hash = createHash('sha256');
  const inputs = [...files(webDir), path.join(root, 'package-lock.json'), fileURLToPath(import.meta.url)];
  for (const file of inputs) {
    hash.update(path.relative(root, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

async function main() {
  const force = process.argv.includes('--force');
  const hash = sourcesHash();
  const fresh = !force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash && fs.existsSync(path.join(outDir, 'index.html'));
  if (fresh) return;
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.mjs'), logLevel: 'warn' });
  fs.writeFileSync(stampFile, hash);
  process.stdout.write(`console built into dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error) => {
  console.error(`Console build failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
