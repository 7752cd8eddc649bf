import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * graphql-ws sends each message and waits for that frame to be flushed before
 * it asks the subscription for its next event: one write syscall and one
 * event-loop turn per event, so a replay of 1,000 events cost about 1,000
 * writes. Here a socket's frames are held (the TCP socket corked) until the
 * end of the current event-loop turn and written together, and `send`
 * reports a frame as sent once queued, so the events of a replayed page go
 * out in a few writes. A client that does not keep up is still bounded by the
 * send-queue check in `onNext` (maxBufferedBytesPerConnection closes the
 * socket); a failed write closes the socket, which ends its subscriptions.
 */
export function sendInBatches(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, callback?: (error?: Error) => void) => void;
  const tcp = tcpOf(socket);
  (socket as unknown as { send: (data: unknown, callback?: (error?: Error) => void) => void }).send = (data, callback) => {
    // Without the TCP socket (never seen) frames are simply sent one by one.
    if (tcp && !tcp.destroyed) hold(tcp);
    send(data);
    if (callback) queueMicrotask(() => callback());
  };
}

/**
 * Sockets holding frames until the end of this event-loop turn, released by
 * one shared setImmediate: an event fanned out to 10,000 sockets would
 * otherwise schedule 10,000 immediates of its own.
 */
const corked = new Set<Socket>();

/** ws keeps the TCP socket in a private field. */
export function tcpOf(socket: WebSocket): Socket | undefined {
  return (socket as unknown as { _socket?: Socket })._socket;
}

/** Corks the socket until the end of this event-loop turn (once per turn, however many frames it gets). */
function hold(tcp: Socket): void {
  if (corked.has(tcp)) return;
  if (corked.size === 0) setImmediate(releaseAll);
  corked.add(tcp);
  tcp.cork();
}

function releaseAll(): void {
  const sockets = [...corked];
  corked.clear();
  for (const tcp of sockets) tcp.uncork();
}

/** ws's sender, whose state says whether it holds frames back (private fields of ws 8). */
interface WsSender {
  _state?: number;
  _queue?: unknown[];
}

/** ws's sender writes straight through in this state; others (compressing, reading a Blob) queue frames. */
const SENDER_WRITES_THROUGH = 0;

/**
 * Sends one text frame made of `parts`, written as they are to the TCP socket.
 *
 * A subscription event fanned out to thousands of sockets carries the same payload bytes to each of them (only
 * the subscription id in front differs). ws.send would first join the parts into a string and encode that into
 * a buffer of the socket's own: two copies of the payload per socket, 60-70 MB of garbage for a 3 KB event at
 * 10,000 subscribers. Writing the frame header and the shared parts instead costs 15-18 µs of server CPU a
 * delivery against 25-38 µs (bench/ws-frames.ts, 2,000 sockets, three runs: 0.42-0.63 of ws.send). The bytes
 * on the wire are the same as ws.send's: a final, unmasked text frame.
 *
 * Only while ws's sender has nothing queued: it queues while compressing (this server never negotiates
 * permessage-deflate) or reading a Blob (never sent here). Otherwise, and if ws ever moves its private fields,
 * the frame goes through ws.send, so frames never overtake one another.
 */
export function sendTextFrame(socket: WebSocket, parts: readonly Buffer[]): void {
  const tcp = tcpOf(socket);
  const sender = (socket as unknown as { _sender?: WsSender })._sender;
  if (!tcp || tcp.destroyed || sender?._state !== SENDER_WRITES_THROUGH || sender._queue?.length !== 0) {
    socket.send(Buffer.concat(parts).toString());
    return;
  }
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  hold(tcp);
  tcp.write(Buffer.concat([textFrameHeader(length), parts[0]]));
  for (let i = 1; i < parts.length; i++) tcp.write(parts[i]);
}

/** RFC 6455 §5.2: FIN and the text opcode, no mask (server to client), then the payload length in 7, 16 or 64 bits. */
function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) {
    const header = Buffer.alloc(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}
