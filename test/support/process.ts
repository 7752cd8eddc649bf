import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from './server';

export interface ServerProcess {
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** Starts test/support/second-server.ts as its own OS process against `databaseUrl`. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const root = path.resolve(__dirname, '..', '..');
  const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/support/second-server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, DEMO_DATA: 'false', EVENT_POLL_MS: '200', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`second server did not start: ${stderr}`)), 180_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`second server exited with ${code}: ${stderr}`)));
  });
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Whether a Redis server answers at `url`; checked synchronously so a test can be declared skipped. */
export function redisAvailable(url: string): boolean {
  const probe = `const s=require('net').connect(${JSON.stringify(new URL(url).port || '6379')},${JSON.stringify(new URL(url).hostname)});s.on('connect',()=>{s.write('PING\\r\\n')});s.on('data',d=>{process.exit(String(d).includes('PONG')?0:1)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),1000)`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 3000 }).status === 0;
}
