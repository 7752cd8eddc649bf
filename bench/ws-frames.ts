/**
 * Section `frames`: the server's CPU per subscription delivery, ws.send of the joined message (as deliveries
 * were sent before) against sendTextFrame (the frame header and the shared payload bytes written as they are),
 * on real sockets: a WebSocket server in this process, BENCH_FRAME_SOCKETS clients (default 2,000) in a child
 * process so their parsing is not counted. Both ways run with the server's corking (sendInBatches), in
 * alternating rounds, on the same sockets and the same 3 KB `next` message; the child checks that every message
 * arrived whole, as text, and says how many.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { sendInBatches, sendTextFrame } from '../src/server/ws-frames';

const SOCKETS = Number(process.env.BENCH_FRAME_SOCKETS ?? 2000);
const ROUNDS = 12;

/** A `meetingAgenda` event's payload of about the size the fan-out section delivers. */
function agendaPayload(): Buffer {
  const item = { id: 'QWdlbmRhSXRlbTo0YjJmM2M1ZS0xMjM0LTQ1NjctODlhYi1jZGVmMDEyMzQ1Njc=', title: '三板橋社區夜間巡防與治安聯防'.repeat(3), notes: '議程說明：'.repeat(200), position: 3, version: 7 };
  return Buffer.from(JSON.stringify({ data: { meetingAgenda: { cursor: '1234567', type: 'agenda.itemUpdated', moved: false, item } } }));
}

type Way = 'ws.send' | 'sendTextFrame';

export async function benchWsFrames(progress: (line: string) => void): Promise<[string, string][]> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  // Indexed by the number each client socket gives in its URL: sockets are accepted in no set order, and the
  // child checks that socket i receives the messages addressed to `sub-i`.
  const sockets: WebSocket[] = [];
  let connected = 0;
  wss.on('connection', (socket, request) => {
    sendInBatches(socket);
    sockets[Number(new URL(request.url ?? '/', 'http://bench').searchParams.get('i'))] = socket;
    connected += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const child = fork(__filename, ['frames-client', String(port), String(SOCKETS)], { stdio: 'inherit' });
  try {
    progress(`frames: connecting ${SOCKETS} sockets ...`);
    const deadline = Date.now() + 60_000;
    while (connected < SOCKETS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (connected < SOCKETS) throw new Error(`only ${connected} of ${SOCKETS} sockets connected`);
    const payload = agendaPayload();
    const closing = Buffer.from('}');
    // As each way's caller holds them: before, the head and the payload (serialised once per result) as strings;
    // now, the same as bytes.
    const headTexts = sockets.map((_, i) => `{"id":${JSON.stringify(`sub-${i}`)},"type":"next","payload":`);
    const payloadText = payload.toString();
    const heads = headTexts.map((head) => Buffer.from(head));
    const ways: Record<Way, (i: number) => void> = {
      'ws.send': (i) => sockets[i].send(`${headTexts[i]}${payloadText}}`),
      sendTextFrame: (i) => sendTextFrame(sockets[i], [heads[i], payload, closing]),
    };
    const cpu: Record<Way, number[]> = { 'ws.send': [], sendTextFrame: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Way[] = round % 2 ? ['ws.send', 'sendTextFrame'] : ['sendTextFrame', 'ws.send'];
      for (const way of order) {
        const start = process.cpuUsage();
        for (let i = 0; i < sockets.length; i++) ways[way](i);
        // The corked frames go out in the setImmediate that sendInBatches scheduled first.
        await new Promise((resolve) => setImmediate(resolve));
        const used = process.cpuUsage(start);
        cpu[way].push((used.user + used.system) / sockets.length);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const expected = ROUNDS * 2 * SOCKETS;
    const received = await new Promise<{ messages: number; bad: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { messages: number; bad: number }));
      child.send({ expected });
    });
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const [before, after] = [median(cpu['ws.send']), median(cpu.sendTextFrame)];
    return [
      [`frames: server CPU per delivery, ws.send (µs, ${SOCKETS} sockets, ${payload.length} B)`, before.toFixed(1)],
      ['frames: server CPU per delivery, sendTextFrame (µs)', `${after.toFixed(1)} (${(after / before).toFixed(2)} of ws.send)`],
      ['frames: messages received whole, as text', `${received.messages - received.bad} of ${expected}${received.bad ? ` (${received.bad} broken)` : ''}`],
    ];
  } finally {
    child.kill();
    for (const socket of sockets) socket.terminate();
    wss.close();
    server.close();
  }
}

/** The child: opens the sockets, checks every message, and reports the count when the parent asks. */
async function clients(port: number, count: number): Promise<void> {
  let messages = 0;
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/?i=${i}`);
    socket.on('message', (data, isBinary) => {
      messages += 1;
      try {
        const message = JSON.parse(data.toString());
        if (isBinary || message.id !== `sub-${i}` || message.type !== 'next' || !message.payload?.data) bad += 1;
      } catch {
        bad += 1;
      }
    });
    socket.on('error', () => undefined);
  }
  process.on('message', async ({ expected }: { expected: number }) => {
    const deadline = Date.now() + 120_000;
    while (messages < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.send!({ messages, bad });
  });
}

if (process.argv[2] === 'frames-client') void clients(Number(process.argv[3]), Number(process.argv[4]));
