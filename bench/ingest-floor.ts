/**
 * The floor for check-in ingestion: a bare server that takes the same
 * patrolEventsRecord requests the bench's phones send, stores each batch in
 * the same patrol_event table (its indexes, keys and checks) with one
 * prepared INSERT ... ON CONFLICT DO NOTHING that commits on its own, answers
 * with the count accepted, and sends every subscriber one `next` message per
 * batch with the accepted check-ins, serialised once. No token, policy,
 * validation, status, audit, event log or executor: what is left is what
 * storing and delivering the check-ins costs on this machine, which the
 * project's ingestion is printed against. Run as its own process
 * (`node dist/bench/ingest-floor.js <database url>`) so its CPU is measured
 * alone; its PostgreSQL backends carry the application name INGEST_FLOOR_APPLICATION.
 * Prints "INGEST_FLOOR <http url>" when listening.
 */
import http from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';
import { serveAsChild, startChild } from './child';
import { acceptSubscribers } from './floor-ws';
import type { BenchServer } from './server';

export const INGEST_FLOOR_APPLICATION = 'ingest-floor';

/** Starts the floor as its own process on the bench's database. */
export async function startIngestFloor(databaseUrl: string): Promise<Pick<BenchServer, 'url' | 'pid' | 'stop'>> {
  const floor = await startChild('ingestion floor', ['--max-semi-space-size=64', path.join(__dirname, 'ingest-floor.js'), databaseUrl], /INGEST_FLOOR (\S+)/);
  return { url: floor.announced, pid: floor.process.pid!, stop: floor.stop };
}

interface EventInput {
  clientEventId: string;
  kind: string;
  deviceTime: string;
  checkpointId?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** The uuid inside a global id (base64url of `Type:uuid`). */
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

function serve(databaseUrl: string): void {
  // The same pool size as the project's (src/shared/database/data-source.ts).
  const pool = new Pool({ connectionString: databaseUrl, max: 20, application_name: INGEST_FLOOR_APPLICATION });
  let sent = 0;
  const record = async (input: { deviceId: string; patrolId: string; events: EventInput[] }) => {
    const receivedAt = new Date().toISOString();
    const { rows } = await pool.query<{ client_event_id: string }>({
      name: 'ingest-floor-insert',
      text: `INSERT INTO patrol_event (patrol_id, team_id, device_id, client_event_id, kind, device_time, received_at, checkpoint_id, latitude, longitude)
             SELECT p.id, p.team_id, $2, u.client_event_id, u.kind, u.device_time, $3, u.checkpoint_id, u.latitude, u.longitude
               FROM patrol p, unnest($4::text[], $5::text[], $6::timestamptz[], $7::uuid[], $8::float8[], $9::float8[])
                    AS u(client_event_id, kind, device_time, checkpoint_id, latitude, longitude)
              WHERE p.id = $1
             ON CONFLICT ON CONSTRAINT patrol_event_client_id_key DO NOTHING
             RETURNING client_event_id`,
      values: [
        uuidOf(input.patrolId),
        input.deviceId,
        receivedAt,
        input.events.map((e) => e.clientEventId),
        input.events.map((e) => e.kind),
        input.events.map((e) => e.deviceTime),
        input.events.map((e) => (e.checkpointId ? uuidOf(e.checkpointId) : null)),
        input.events.map((e) => e.latitude ?? null),
        input.events.map((e) => e.longitude ?? null),
      ],
    });
    if (rows.length > 0) {
      const events = rows.map((row) => ({ clientEventId: row.client_event_id, receivedAt }));
      // A cursor as the project's updates carry one (the floor never cuts a subscriber off, so none is resumed from).
      subscribers.broadcast(Buffer.from(JSON.stringify({ data: { patrolUpdates: { cursor: String(++sent), type: 'patrol.eventsRecorded', events } } })));
    }
    return rows.length;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { input?: { deviceId: string; patrolId: string; events: EventInput[] } } };
      const input = body.variables?.input;
      if (req.method !== 'POST' || !input) {
        res.writeHead(404).end();
        return;
      }
      record(input).then(
        (accepted) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '1' });
          res.end(JSON.stringify({ data: { patrolEventsRecord: { acceptedCount: accepted, userErrors: [] } } }));
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: error.message }] }));
        },
      );
    });
  });
  // Node closes a keep-alive connection idle for 5 s; a bench client whose event loop is busy with 500 subscribers
  // may reuse one at that moment, and its batch fails with "other side closed" (seen twice after the fan-out).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const subscribers = acceptSubscribers(server);
  serveAsChild(server, 'INGEST_FLOOR', (port) => `http://127.0.0.1:${port}/graphql`, { beforeClose: () => subscribers.close(), afterClose: () => pool.end() });
}

if (require.main === module) serve(process.argv[2]);
