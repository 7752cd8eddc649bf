import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from '../src/server/ws-liveness';
import { sleep } from './support/graphql';

/**
 * The server's one keep-alive timer (src/server/ws-liveness.ts) on a bare ws
 * server with a short interval: a socket that answers pings stays, one that
 * stopped answering is cut off after it missed a ping.
 */
const INTERVAL_MS = 240;

let server: http.Server;
let wsServer: WebSocketServer;
let stop: () => void;
let url: string;

beforeEach(async () => {
  server = http.createServer();
  wsServer = new WebSocketServer({ server });
  stop = keepAlive(wsServer, INTERVAL_MS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
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
