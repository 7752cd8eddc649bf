import type { WebSocket, WebSocketServer } from 'ws';
import type { AppServices } from '../shared/context';
import { subscriptionEnds } from '../shared/metrics';
import { tcpOf } from './ws-frames';

/**
 * graphql-ws waits for each message to be written before it sends the next,
 * so a client that stops reading does not grow our buffers: it stalls its own
 * subscriptions, and holds their resources for as long as TCP keeps the
 * connection. A connection with bytes waiting and no write progress for the
 * stall timeout is cut off (terminate: it would not read a close frame).
 */
export function watchForStalledClients(wsServer: WebSocketServer, stallTimeoutMs: number, log: AppServices['log']): () => void {
  const progress = new WeakMap<WebSocket, { written: number; since: number }>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const client of wsServer.clients) {
      const written = tcpOf(client)?.bytesWritten ?? 0;
      const last = progress.get(client);
      if (client.bufferedAmount === 0 || !last || last.written !== written) {
        progress.set(client, { written, since: now });
      } else if (now - last.since >= stallTimeoutMs) {
        log.warn({ bufferedBytes: client.bufferedAmount }, 'WebSocket client stopped reading; disconnected');
        subscriptionEnds.inc({ reason: 'stalled' });
        client.terminate();
      }
    }
  }, Math.max(100, Math.floor(stallTimeoutMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}

/** Slices of the keep-alive interval: each tick pings 1/KEEP_ALIVE_TICKS of the sockets. */
const KEEP_ALIVE_TICKS = 12;

/** A ping frame without payload, server to client: two bytes. */
const PING_FRAME_BYTES = 2;

/** Bytes the kernel has taken for this socket: those written, less those still waiting in Node's buffer. */
function bytesTaken(socket: WebSocket): number {
  const tcp = tcpOf(socket);
  return tcp ? tcp.bytesWritten - tcp.writableLength : 0;
}

/**
 * Pings every socket once per `intervalMs` and terminates one that has not
 * answered the previous ping by its next turn: graphql-ws's keep-alive rule.
 * graphql-ws does it with an interval per socket, plus a timeout and a 'pong'
 * listener per ping: three timers' worth of memory on every idle connection,
 * and sockets that connected together came due together, so 10,000 of them
 * pinged in bursts that stalled whatever else was running (a fan-out spent 12%
 * of its time in them). One timer here pings a slice of the sockets per tick,
 * spread evenly over the interval, with one 'pong' listener function for all.
 *
 * A socket whose peer is still taking our bytes is alive, answered or not: a
 * client reading a backlog longer than the interval reads the ping, and
 * answers it, only when it gets to it. Cutting it off (close 1006, nothing to
 * resume from) lost every delivery queued for it: 33 of 500 subscribers in
 * the bench's ingestion at 500 subscribers, once batches were accepted faster
 * than its client could read them. A peer that stops reading is left to the
 * stall watch above and the send-buffer limit.
 */
export function keepAlive(wsServer: WebSocketServer, intervalMs: number): () => void {
  /** Sockets with a ping unanswered, and the bytes the kernel had taken when it went out (the ping's own included). */
  const unanswered = new WeakMap<WebSocket, number>();
  function answered(this: WebSocket): void {
    unanswered.delete(this);
  }
  wsServer.on('connection', (socket: WebSocket) => socket.on('pong', answered));
  let round: WebSocket[] = [];
  let tick = 0;
  const timer = setInterval(() => {
    // A round is the sockets open when it began, a slice per tick; those that connect later join the next one.
    const slice = tick % KEEP_ALIVE_TICKS;
    if (slice === 0) round = [...wsServer.clients];
    tick += 1;
    const size = Math.ceil(round.length / KEEP_ALIVE_TICKS);
    for (const socket of round.slice(slice * size, (slice + 1) * size)) {
      if (socket.readyState !== socket.OPEN) continue;
      const takenAtPing = unanswered.get(socket);
      if (takenAtPing !== undefined && bytesTaken(socket) <= takenAtPing) {
        socket.terminate();
        continue;
      }
      unanswered.set(socket, bytesTaken(socket) + PING_FRAME_BYTES);
      socket.ping();
    }
  }, Math.max(10, Math.floor(intervalMs / KEEP_ALIVE_TICKS)));
  timer.unref();
  return () => clearInterval(timer);
}
