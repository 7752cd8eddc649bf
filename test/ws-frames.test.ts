import http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { sendInBatches, sendTextFrame } from '../src/server/ws-frames';

/**
 * Subscription deliveries are written as frames of their own (sendTextFrame): the frame header, then the
 * payload bytes shared by every subscriber. What a client receives must be what ws.send would have sent: one
 * text message per frame, whole, in order with whatever else the socket sends, for every length encoding.
 */
let server: http.Server;
let wss: WebSocketServer;
let serverSocket: WebSocket;
let client: WebSocket;
const received: { text: string; binary: boolean }[] = [];

beforeAll(async () => {
  server = http.createServer();
  wss = new WebSocketServer({ server });
  const connected = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  client.on('message', (data, binary) => received.push({ text: data.toString(), binary }));
  serverSocket = await connected;
  sendInBatches(serverSocket);
});

afterAll(async () => {
  client.terminate();
  await new Promise((resolve) => wss.close(resolve));
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

async function receive(count: number): Promise<typeof received> {
  const deadline = Date.now() + 5000;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return [...received];
}

const parts = (text: string) => [Buffer.from('{"id":"1","type":"next","payload":'), Buffer.from(text), Buffer.from('}')];

test.each([
  ['a short message (7-bit length)', 100],
  ['a medium message (16-bit length)', 3_000],
  ['a message of exactly 65,535 bytes (the last 16-bit length)', 65_535],
  ['a long message (64-bit length)', 70_000],
])('given %s with multi-byte characters, when sent as a frame, then the client receives it whole, as text', async (_, size) => {
  const head = '{"id":"1","type":"next","payload":';
  // JSON of the wanted byte length: a string of 巡 (3 bytes in UTF-8) padded with ASCII.
  const inner = size - head.length - 1 - 2;
  const text = `"${'巡'.repeat(Math.floor(inner / 3))}${'x'.repeat(inner % 3)}"`;
  sendTextFrame(serverSocket, parts(text));
  const [message] = await receive(1);
  expect(Buffer.byteLength(message.text)).toBe(size);
  expect(message).toEqual({ text: `${head}${text}}`, binary: false });
});

test('given frames and ws.send messages mixed on one socket, then they arrive in the order sent', async () => {
  serverSocket.send('{"n":1}');
  sendTextFrame(serverSocket, parts('2'));
  serverSocket.send('{"n":3}');
  sendTextFrame(serverSocket, parts('4'));
  expect((await receive(4)).map((m) => m.text)).toEqual(['{"n":1}', '{"id":"1","type":"next","payload":2}', '{"n":3}', '{"id":"1","type":"next","payload":4}']);
});

test('given ws still reading a Blob it was asked to send, when a frame follows, then the frame waits its turn behind it', async () => {
  serverSocket.send(new Blob(['{"n":"blob"}']) as unknown as Buffer);
  sendTextFrame(serverSocket, parts('"after the blob"'));
  expect((await receive(2)).map((m) => m.text)).toEqual(['{"n":"blob"}', '{"id":"1","type":"next","payload":"after the blob"}']);
});
