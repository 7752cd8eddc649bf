import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { residentBytes, stopChild } from './child';

export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export interface BenchServer {
  url: string;
  wsUrl: string;
  pid: number;
  /** Resident memory of the server process, in bytes (from /proc). */
  rss(): number;
  /**
   * After a full garbage collection forced through the server's inspector: its live JavaScript heap plus the memory
   * its objects hold outside it (buffers), in bytes. Unlike `rss()`, no garbage the next collection would free.
   */
  heldBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Runs the built server (dist/src/main.js) as its own process, so its memory is measured alone. */
export async function startBenchServer(databaseUrl: string, env: Record<string, string> = {}): Promise<BenchServer> {
  // BENCH_SERVER_ROOT=<checkout> runs that checkout's build instead (e.g. the code before a change, built elsewhere),
  // so before and after are measured by the same bench client.
  const root = process.env.BENCH_SERVER_ROOT ? path.resolve(process.env.BENCH_SERVER_ROOT) : path.resolve(__dirname, '..', '..');
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the server to <dir> when it stops.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // The flags `npm start` and the Dockerfile run the server with, unless BENCH_NODE_FLAGS says otherwise.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
  // The inspector on a free local port, for heldBytes(); with no session attached it costs nothing.
  const child: ChildProcess = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...nodeFlags, ...profile, 'dist/src/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      EXPOSE_SQL_COUNT: 'true',
      JWT_SECRET: BENCH_JWT_SECRET,
      // The bench mints its tokens once (TokenService, 1 h) and runs for up to half an hour; the server refuses
      // tokens that live longer than its own maximum, so it must allow the same hour.
      JWT_TTL_SECONDS: '3600',
      WS_MAX_SUBSCRIPTIONS: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const inspectorUrl = new Promise<string>((resolve) => {
    let seen: string | null = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (seen !== null) {
        seen += text;
        const match = /Debugger listening on (ws:\/\/\S+)/.exec(seen);
        if (match) {
          resolve(match[1]);
          seen = null;
        }
      }
      // The inspector's own lines are noise in the bench's output; everything else the server says is passed on.
      const rest = text
        .split('\n')
        .filter((line) => !/^(Debugger listening on|Debugger attached|Debugger ending on|For help, see: https:\/\/nodejs.org\/en\/docs\/inspector)/.test(line))
        .join('\n');
      if (rest.trim()) process.stderr.write(rest);
    });
  });
  // BENCH_SERVER_LOG=<file> keeps the server's log lines (stdout) for a look afterwards.
  if (process.env.BENCH_SERVER_LOG) child.stdout!.pipe(fs.createWriteStream(process.env.BENCH_SERVER_LOG, { flags: 'a' }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /(http:\/\/\S+\/graphql)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('localhost', '127.0.0.1'));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  /** One call to the server's inspector (a session per call: attached only while the bench asks). */
  async function inspect(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const socket = new WebSocket(await inspectorUrl);
    try {
      return await new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ id: 1, method, params })));
        socket.on('message', (data) => {
          const message = JSON.parse(data.toString());
          if (message.id === 1) resolve(message.result);
        });
      });
    } finally {
      socket.close();
    }
  }
  return {
    url,
    wsUrl: url.replace('http://', 'ws://'),
    pid: child.pid!,
    rss: () => residentBytes(child.pid!),
    async heldBytes() {
      await inspect('HeapProfiler.collectGarbage');
      const answer = await inspect('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const usage = JSON.parse(answer.result.value) as NodeJS.MemoryUsage;
      return usage.heapUsed + usage.external;
    },
    stop: () => stopChild(child),
  };
}
