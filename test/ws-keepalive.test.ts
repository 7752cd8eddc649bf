import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from '../src/server/ws-liveness';
import { sleep } from './support/graphql';
import { until } from './support/wait';

/**
 * The server's one keep-alive timer (src/server/ws-liveness.ts) on a bare ws
 * server with a short interval: a socket that answers pings stays, one that
 * stopped answering is cut off after it missed a ping, unless it is still
 * reading what the server sends (its answer waits behind that backlog).
 */
const INTERVAL_MS = 240;

let server: http.Server;
let wsServer: WebSocketServer;
let stop: () => void;
let url: string;
let sending: NodeJS.Timeout | undefined;

beforeEach(async () => {
  server = http.createServer();
  wsServer = new WebSocketServer({ server });
  stop = keepAlive(wsServer, INTERVAL_MS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  clearInterval(sending);
  stop();
  for (const client of wsServer.clients) client.terminate();
  await new Promise((resolve) => wsServer.close(resolve));
  await new Promise((resolve) => server.close(resolve));
});

async function connect(answersPings: boolean): Promise<{ socket: WebSocket; pings: () => number; closed: () => boolean }> {
  const socket = new WebSocket(url, { autoPong: answersPings });
  let pings = 0;
  let closed = false;
  socket.on('ping', () => (pings += 1));
  socket.on('close', () => (closed = true));
  await new Promise((resolve) => socket.once('open', resolve));
  return { socket, pings: () => pings, closed: () => closed };
}

test('given a client that answers pings, when several intervals pass, then it is pinged once per interval and stays connected', async () => {
  const client = await connect(true);
  await sleep(INTERVAL_MS * 4);
  expect(client.closed()).toBe(false);
  expect(client.pings()).toBeGreaterThanOrEqual(2);
  expect(client.pings()).toBeLessThanOrEqual(5);
  client.socket.close();
});

test('given a client that stopped answering pings, then the server cuts it off after one missed ping', async () => {
  const client = await connect(false);
  await sleep(INTERVAL_MS * 3);
  expect(client.pings()).toBeGreaterThanOrEqual(1);
  expect(client.closed()).toBe(true);
});

/** The server writes `bytes` to every socket every 10 ms, as a fan-out in full flow does. */
function keepSending(bytes: number): void {
  const chunk = Buffer.alloc(bytes, 120).toString();
  sending = setInterval(() => {
    for (const socket of wsServer.clients) socket.send(chunk);
  }, 10);
}

test('given a client that answers no ping but keeps reading what the server sends, then it stays connected', async () => {
  const client = await connect(false);
  let received = 0;
  client.socket.on('message', () => (received += 1));
  keepSending(1024);
  await sleep(INTERVAL_MS * 4);
  expect(client.pings()).toBeGreaterThanOrEqual(2);
  expect(received).toBeGreaterThan(0);
  expect(client.closed()).toBe(false);
  client.socket.close();
});

test('given a client that stopped reading while the server keeps sending, then it is cut off once the kernel takes no more', async () => {
  const client = await connect(false);
  (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  keepSending(256 * 1024);
  const serverSide = [...wsServer.clients][0];
  await until(() => serverSide.readyState === serverSide.CLOSED, 15_000);
}, 20_000);
