import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { HttpDrain, untilWokenOrGrace } from '../../src/server/drain';

/**
 * Shutdown draining on a real HTTP server (no database): what runs is
 * answered, what arrives afterwards is refused before it runs, and the drain
 * ends when the last answer is sent. The full server's shutdown order is
 * tested in test/shutdown.test.ts; these are the rules inside the drain.
 */

interface Rig {
  server: http.Server;
  drain: HttpDrain;
  url: string;
  /** Requests the handler started (the work a refused request must never reach). */
  started: string[];
  /** Ends the held request with this path. */
  release(path: string): void;
}

async function startRig(): Promise<Rig> {
  const started: string[] = [];
  const held = new Map<string, () => void>();
  let drain!: HttpDrain;
  const server = http.createServer((req, res) => {
    drain.middleware(req as Request, res as unknown as Response, (() => {
      started.push(req.url!);
      if (req.url!.startsWith('/stream')) {
        // Headers and a first part already sent: draining must not try to change them.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part 1;');
        held.set(req.url!, () => res.end('part 2'));
      } else if (req.url!.startsWith('/hold')) {
        held.set(req.url!, () => res.end('held done'));
      } else {
        res.end('ok');
      }
    }) as NextFunction);
  });
  drain = new HttpDrain(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    drain,
    url: `http://127.0.0.1:${port}`,
    started,
    release: (path) => held.get(path)?.(),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, agent?: http.Agent): { done: Promise<Answer>; abort(): void } {
  let req!: http.ClientRequest;
  const done = new Promise<Answer>((resolve, reject) => {
    req = http.get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  return { done, abort: () => req.destroy() };
}

const waitFor = async (check: () => boolean, ms = 2_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  rig.server.closeAllConnections();
  await new Promise((resolve) => rig.server.close(resolve));
});

describe('draining', () => {
  test('given a request in flight, when draining starts, then the drain ends only once it is answered, and the answer closes its connection', async () => {
    const inFlight = request(`${rig.url}/hold-1`);
    await waitFor(() => rig.started.length === 1);
    expect(rig.drain.activeRequests()).toBe(1);

    let drained = false;
    const draining = rig.drain.drain(5_000).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 100));
    const drainedBeforeAnswer = drained;
    rig.release('/hold-1');
    const answer = await inFlight.done;
    await draining;

    expect(rig.drain.isDraining).toBe(true);
    expect(drainedBeforeAnswer).toBe(false);
    expect(answer.body).toBe('held done');
    expect(answer.headers.connection).toBe('close');
    expect(rig.drain.activeRequests()).toBe(0);
  });

  test('given an answer already streaming, when draining starts, then the drain waits for its end without touching its headers', async () => {
    const streaming = request(`${rig.url}/stream-1`);
    await waitFor(() => rig.started.length === 1);
    const draining = rig.drain.drain(5_000);
    rig.release('/stream-1');
    const answer = await streaming.done;
    await expect(draining).resolves.toBeUndefined();
    expect(answer.body).toBe('part 1;part 2');
  });

  test('given draining, when a request arrives on a kept-alive socket, then it gets 503 with Retry-After and never runs', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = request(`${rig.url}/hold-2`, agent);
    await waitFor(() => rig.started.length === 1);
    // Queued on the same socket: it reaches the server after draining began.
    const late = request(`${rig.url}/late`, agent);
    const draining = rig.drain.drain(5_000);
    rig.release('/hold-2');
    await first.done;
    await draining;
    const refused = await late.done.catch(() => null);
    agent.destroy();

    expect(rig.started).toEqual(['/hold-2']);
    if (refused) {
      // Either refused with 503 or, if the socket was already closed, never sent: both leave the work undone.
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers.connection).toBe('close');
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    }
  });

  test('given draining, when a request is handed to the middleware, then it is refused with 503 SERVICE_UNAVAILABLE and not counted', async () => {
    await rig.drain.drain(1_000);
    const headers: Record<string, string> = {};
    let status = 0;
    let body: unknown;
    let ran = false;
    const res = {
      setHeader: (name: string, value: string) => (headers[name] = value),
      status: (code: number) => ((status = code), res),
      json: (value: unknown) => (body = value),
    };
    rig.drain.middleware({} as Request, res as unknown as Response, (() => (ran = true)) as NextFunction);

    expect(ran).toBe(false);
    expect(status).toBe(503);
    expect(headers).toEqual({ connection: 'close', 'retry-after': '1' });
    expect(body).toEqual({ errors: [{ message: 'The server is shutting down; retry the request.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    expect(rig.drain.activeRequests()).toBe(0);
  });

  test('given no request running, when draining starts, then it ends at once and the server takes no new connection', async () => {
    const started = Date.now();
    await rig.drain.drain(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(request(`${rig.url}/after`).done).rejects.toThrow();
    expect(rig.started).toEqual([]);
  });

  test('given a request that never ends, when draining, then the drain gives up after the grace period', async () => {
    request(`${rig.url}/hold-forever`).done.catch(() => {});
    await waitFor(() => rig.started.length === 1);
    const started = Date.now();
    await rig.drain.drain(300);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3_000);
    expect(rig.drain.activeRequests()).toBe(1);
  });

  test('given a client that hangs up, when its request is still running, then it no longer counts and the drain does not wait for it', async () => {
    const gone = request(`${rig.url}/hold-3`);
    gone.done.catch(() => {});
    await waitFor(() => rig.started.length === 1);
    gone.abort();
    await waitFor(() => rig.drain.activeRequests() === 0);
    const started = Date.now();
    await rig.drain.drain(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('given two requests in flight, when the first is answered, then the drain still waits for the second', async () => {
    const a = request(`${rig.url}/hold-a`);
    const b = request(`${rig.url}/hold-b`);
    await waitFor(() => rig.started.length === 2);
    let drained = false;
    const draining = rig.drain.drain(5_000).then(() => (drained = true));
    rig.release('/hold-a');
    await a.done;
    await new Promise((r) => setTimeout(r, 100));
    expect(drained).toBe(false);
    rig.release('/hold-b');
    await b.done;
    await draining;
    expect(drained).toBe(true);
  });

  test('given drain hooks, when draining starts twice, then each hook runs once, at the first start', async () => {
    const calls: string[] = [];
    rig.drain.onDrain(() => calls.push('streams'));
    rig.drain.onDrain(() => calls.push('sockets'));
    expect(calls).toEqual([]);
    await rig.drain.drain(1_000);
    await rig.drain.drain(1_000);
    expect(calls).toEqual(['streams', 'sockets']);
  });
});

describe('untilWokenOrGrace', () => {
  test('given a waiter list, when woken before the grace period, then it resolves at once', async () => {
    const waiters: (() => void)[] = [];
    const started = Date.now();
    const waiting = untilWokenOrGrace(waiters, 5_000);
    expect(waiters).toHaveLength(1);
    waiters[0]();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('given nobody wakes it, when the grace period passes, then it resolves', async () => {
    const started = Date.now();
    await untilWokenOrGrace([], 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
