import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../src/shared/database/embedded';
import { createTestDatabase, startTestServer, TEST_JWT_SECRET, type TestDatabase } from './support/server';

const root = path.resolve(__dirname, '..');
let database: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
  }
  await database.drop();
});

/** `npm start` as a newcomer runs it (src/main.ts, default log level), on this port. */
function startMain(port: number): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, DEMO_DATA: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, output: () => ({ stdout, stderr }) };
}

test('given a server on a port, when a second server starts on the same port, then it exits with one line naming the port and PORT', async () => {
  // The first server runs in this process (one ts-node start of src/main.ts is slow enough on a busy machine).
  const port = await freePort();
  const first = await startTestServer(database.url, { port });
  try {
    const second = startMain(port);
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', resolve));

    const { stdout, stderr } = second.output();
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `Gongzhi failed to start: Port ${port} is already in use on 127.0.0.1 (is Gongzhi already running?). Stop that process or pick another port, e.g. PORT=${port + 1} npm start`,
    ]);
    expect(stdout).toBe('');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    await first.stop();
  }
}, 240_000);
