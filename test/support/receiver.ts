import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** The status this receiver answered with. */
  answered: number;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Decides the answer to each request; 200 by default. */
  answer: (request: Received) => { status: number; headers?: Record<string, string>; body?: string };
  /** Resolves once `predicate` holds over what arrived; rejects after `timeoutMs`. */
  waitUntil(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server standing in for a partner's webhook receiver. */
export async function startReceiver(host = '127.0.0.2'): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    answer: () => ({ status: 200, body: 'ok' }),
    waitUntil(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.received)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met after ${timeoutMs} ms; got ${receiver.received.length} requests: ${JSON.stringify(receiver.received.map((r) => [r.headers['webhook-id'], r.answered]))}`));
        }, timeoutMs);
        timer.unref();
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), answered: 0, at: Date.now() };
      const reply = receiver.answer(request);
      request.answered = reply.status;
      receiver.received.push(request);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
      for (const waiter of [...waiters]) waiter();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://${host}:${receiver.port}/hooks`;
  return receiver;
}
