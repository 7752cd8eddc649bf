/**
 * The floor for the fan-out: a bare `ws` server that speaks just enough of
 * graphql-transport-ws (connection_ack, subscribe, complete, ping) and, on
 * POST /trigger, sends every subscriber the same `next` message the project
 * sends for an agenda change. No authentication, policy, event log, database
 * or executor: what is left is what delivering 10,000 WebSocket messages
 * costs on this machine, which the project's fan-out is printed against.
 * Run as its own process (`node dist/bench/fanout-floor.js`), so its CPU is
 * measured alone; prints "FANOUT_FLOOR <ws url>" when listening.
 */
import http from 'node:http';
import path from 'node:path';
import { residentBytes, serveAsChild, startChild } from './child';
import { acceptSubscribers } from './floor-ws';
import type { BenchServer } from './server';

/** The payload of the project's message for the bench's agenda change (bench/run.ts, benchMeetingFanout), byte for byte in shape. */
const PAYLOAD = Buffer.from(
  JSON.stringify({ data: { meetingAgenda: { cursor: '12345', type: 'meeting.agendaItemUpdated', agendaItem: { title: '夜間巡邏覆蓋（修訂）', status: 'PENDING', version: 2 } } } }),
);

/** Starts the floor as its own process; `trigger()` makes it send the message to every subscriber. */
export async function startFanoutFloor(): Promise<BenchServer & { trigger(round: number): Promise<void> }> {
  const floor = await startChild('fan-out floor', ['--max-semi-space-size=64', path.join(__dirname, 'fanout-floor.js')], /FANOUT_FLOOR (\S+)/);
  const wsUrl = floor.announced;
  const httpUrl = wsUrl.replace('ws://', 'http://');
  return {
    url: httpUrl,
    wsUrl,
    pid: floor.process.pid!,
    rss: () => residentBytes(floor.process.pid!),
    // Memory is not compared with the floor; only its delivery times and CPU are.
    heldBytes: async () => 0,
    async trigger() {
      const response = await fetch(`${httpUrl.replace(/\/graphql$/, '')}/trigger`, { method: 'POST' });
      if (!response.ok) throw new Error(`fan-out floor trigger: ${response.status}`);
    },
    stop: floor.stop,
  };
}

function serve(): void {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/trigger') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(204).end();
    subscribers.broadcast(PAYLOAD);
  });
  const subscribers = acceptSubscribers(server);
  serveAsChild(server, 'FANOUT_FLOOR', (port) => `ws://127.0.0.1:${port}/graphql`, { beforeClose: () => subscribers.close() });
}

if (require.main === module) serve();
