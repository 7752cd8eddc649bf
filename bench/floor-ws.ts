/**
 * The part of graphql-transport-ws the bench's floors speak (connection_ack, subscribe, complete, ping): enough for
 * graphql-ws clients to subscribe, with no authentication, policy or executor behind it.
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

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
      for (const [socket, heads] of subscriptions) for (const head of heads.values()) socket.send(Buffer.concat([head, payload, CLOSING_BRACE]), { binary: false });
    },
    close() {
      for (const client of wss.clients) client.terminate();
    },
  };
}
