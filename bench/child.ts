/**
 * The bench's helper servers (the read floors, the fan-out floor) run as processes of their own, so that their CPU
 * and memory are measured apart from the bench's and the project's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Child {
  process: ChildProcess;
  /** The first capture group of the line by which it said it was ready (e.g. its URL). */
  announced: string;
  stop(): Promise<void>;
}

/** Starts `node <args>` and waits (at most 30 s) for a line of its output matching `ready`. */
export async function startChild(name: string, args: string[], ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const announced = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = ready.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  // A helper that dies mid-run takes its sockets with it, and the bench sees only their errors: say why it ended.
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited during the run: code ${code}, signal ${signal}`);
  });
  return {
    process: child,
    announced,
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

/** SIGTERM, resolved once the process has exited (at once if it already had). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resident memory of a process, in bytes (from /proc). */
export function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * In a helper process: listens on a free loopback port and prints `<label> <url>` (the line startChild waits for);
 * on SIGTERM runs `beforeClose` (e.g. drop WebSocket clients), closes the server and its connections, runs
 * `afterClose` (e.g. end a database pool) and exits.
 */
export function serveAsChild(server: http.Server, label: string, url: (port: number) => string, stop: { beforeClose?: () => void; afterClose?: () => Promise<void> } = {}): void {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${label} ${url((server.address() as AddressInfo).port)}\n`);
  });
  process.on('SIGTERM', () => {
    stop.beforeClose?.();
    server.close(() => void (stop.afterClose?.() ?? Promise.resolve()).then(() => process.exit(0)));
    server.closeAllConnections();
  });
}
