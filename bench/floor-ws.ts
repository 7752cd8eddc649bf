/**
 * The part of graphql-transport-ws the bench's floors speak (connection_ack, subscribe, complete, ping): enough for
 * graphql-ws clients to subscribe, with no authentication, policy or executor behind it. Messages are written as
 * the project writes its own (src/server/ws-frames.ts): the shared payload bytes behind each subscription's head,
 * the socket corked until the end of the event-loop turn, so messages sent in one turn go out in one write. A
 * floor that wrote each message on its own would be beaten by the project (at 500 patrol subscribers it was).
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendTextFrame } from '../src/server/ws-frames';

const CLOSING_BRACE = Buffer.from('}');

export interface FloorSubscribers {
  /** Sends every live subscription one `next` message with this payload (the JSON of `{ data: … }`). */
  broadcast(payload: Buffer): void;
  close(): void;
}

/** Accepts graphql-ws subscribers on the server's /graphql. */
export function acceptSubscribers(server: http.Server): FloorSubscribers {
  /** Per socket, its live subscriptions: id to the head of their messages (`{"id":…,"type":"next","payload":`). */
  const subscriptions = new Map<WebSocket, Map<string, Buffer>>();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  wss.on('connection', (socket) => {
    const heads = new Map<string, Buffer>();
    subscriptions.set(socket, heads);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string };
      if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
      else if (message.type === 'ping') socket.send('{"type":"pong"}');
      else if (message.type === 'subscribe') heads.set(message.id!, Buffer.from(`{"id":${JSON.stringify(message.id)},"type":"next","payload":`));
      else if (message.type === 'complete') heads.delete(message.id!);
    });
    socket.on('close', () => subscriptions.delete(socket));
  });
  return {
    broadcast(payload) {
      for (const [socket, heads] of subscriptions) for (const head of heads.values()) sendTextFrame(socket, [head, payload, CLOSING_BRACE]);
    },
    close() {
      for (const client of wss.clients) client.terminate();
    },
  };
}
