import net from 'node:net';
import { subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { newestEventCursor } from './support/listening';

/**
 * A replay costs CPU per event, not a socket write per event (issue 17): the
 * frames of a replayed page go to the kernel together instead of one write,
 * and one event-loop turn, per event.
 */

const EVENTS = 300;

describe('replayed events are written to the socket together', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));

  test(`given ${EVENTS} events to replay, when a subscriber resumes from before them, then all arrive in order in far fewer socket writes than events`, async () => {
    const db = h.server.services.db;
    const start = await newestEventCursor(db);
    await db.query(
      `INSERT INTO event (topic, type, organization_ids, payload)
       SELECT 'network', 'organization.updated', ARRAY[$1::uuid], jsonb_build_object('organizationId', $1::text) FROM generate_series(1, $2::int)`,
      [h.world.orgs.police.id, EVENTS],
    );
    // Count the writes the server makes on server-side sockets while the replay runs (each call is at least one syscall).
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const original = { write: proto._write, writev: proto._writev };
    const serverPort = new URL(h.server.wsUrl).port;
    let writes = 0;
    const counted = (fn: (...args: unknown[]) => unknown) =>
      function (this: net.Socket, ...args: unknown[]) {
        if (String(this.localPort) === serverPort) writes += 1;
        return fn.apply(this, args);
      };
    proto._write = counted(original.write);
    proto._writev = counted(original.writev);
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    try {
      const sub = subscribe<{ networkChanges: { cursor: string } }>(client, `subscription ($after: String) { networkChanges(after: $after) { cursor } }`, { after: start });
      const received = await sub.waitFor(EVENTS, 20_000);
      const cursors = received.map((r) => BigInt(r.data!.networkChanges.cursor));
      expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1])).toBe(true);
      // Then: with a write per event there would be at least EVENTS writes (plus the handshake's).
      expect(writes).toBeLessThan(EVENTS / 5);
      await sub.close();
    } finally {
      proto._write = original.write;
      proto._writev = original.writev;
      await client.dispose();
    }
  }, 60_000);
});
