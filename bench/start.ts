import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../src/shared/database/embedded';
import { BENCH_JWT_SECRET } from './server';

export interface StartResult {
  /** Milliseconds from `npm start` until /readyz answers 200, one per start. */
  readyMs: number[];
}

async function untilReady(url: string, deadline: number, exited: () => boolean): Promise<void> {
  while (Date.now() < deadline) {
    if (exited()) throw new Error('npm start exited before it was ready');
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('npm start was not ready in 120 s');
}

/**
 * `npm start` on this already built checkout, as a developer runs it (the TypeScript and console builds are
 * checked and skipped, then the server starts), against the bench's migrated database: the time until
 * /readyz answers. The console is built once first, untimed, so every timed start finds a built checkout.
 */
export async function benchStart(databaseUrl: string, runs: number): Promise<StartResult> {
  const root = path.resolve(__dirname, '..', '..');
  const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: root, stdio: 'ignore' });
  if (built.status !== 0) throw new Error('the console build failed');
  const readyMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const port = await freePort();
    const started = Date.now();
    // A process group of its own, so stopping it stops npm's shell and the server alike.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: root,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'warn', JWT_SECRET: BENCH_JWT_SECRET },
    });
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    try {
      await untilReady(`http://127.0.0.1:${port}/readyz`, started + 120_000, () => exited);
      readyMs.push(Date.now() - started);
    } finally {
      if (!exited) process.kill(-child.pid!, 'SIGTERM');
      await exit;
    }
  }
  return { readyMs };
}
