import { Client } from 'pg';
import { clock } from '../src/shared/clock';
import { EVENT_LOG_LOCK } from '../src/shared/transaction';
import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { newestEventCursor } from './support/listening';

/**
 * The rules that keep the event log lossless and exactly-once, each asked so
 * that breaking it changes what a client sees: the lock that serialises
 * event inserts, the replay/live seam, the pruned-cursor boundary and the
 * scheduler's one-process-at-a-time lock. (Planted-bug survivors, issue 18.)
 */
const CHANGES = `subscription ($after: String) { networkChanges(after: $after) { cursor type } }`;
const UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { id } userErrors { code } } }`;

let h: Harness;
let side: Client;
beforeAll(async () => {
  h = await startHarness();
  side = new Client({ connectionString: h.server.databaseUrl });
  await side.connect();
}, 120_000);
afterAll(async () => {
  clock.reset();
  await side?.end();
  await stopHarness(h);
});

const maxEventId = () => newestEventCursor(h.server.services.db);

describe('event log', () => {
  test('given another transaction holding the event-log lock, when a mutation emits an event, then it waits for that transaction to end', async () => {
    await side.query('BEGIN');
    await side.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOG_LOCK]);
    let answered = false;
    const write = gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'waits for the lock' } }, h.world.tokens.policeAdmin).then((r) => {
      answered = true;
      return r;
    });
    await sleep(500);
    const answeredWhileLocked = answered;
    await side.query('COMMIT');
    const response = await write;
    expect(answeredWhileLocked).toBe(false);
    expect(response.body.data.organizationUpdate.userErrors).toEqual([]);
  });

  test('given another transaction holding the event-log lock that then writes its own event, when a mutation emits one meanwhile, then its id comes after', async () => {
    // The id must be drawn under the lock: drawn before it, the waiting mutation's lower id would become visible
    // after the other's higher one, and a reader that moved past the higher id would never see it.
    const before = await maxEventId();
    await side.query('BEGIN');
    await side.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOG_LOCK]);
    const write = gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'drawn under the lock' } }, h.world.tokens.policeAdmin);
    await sleep(500);
    const [theirs] = await side.query(`INSERT INTO event (topic, type, organization_ids, payload) VALUES ('network', 'organization.updated', ARRAY[$1::uuid], '{}') RETURNING id::text`, [h.world.orgs.police.id]).then((r) => r.rows);
    await side.query('COMMIT');
    expect((await write).body.data.organizationUpdate.userErrors).toEqual([]);
    const ours: { id: string }[] = await h.server.services.db.query(`SELECT id::text FROM event WHERE id > $1 AND id <> $2`, [before, theirs.id]);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((e) => BigInt(e.id) < BigInt(theirs.id))).toEqual([]);
  });

  test('given an event both replayed and then dispatched live, when subscribed from before it, then it arrives once', async () => {
    const before = await maxEventId();
    // Committed without a wake-up: the dispatcher has not seen it, so it reaches this subscriber by replay first and by the dispatcher after.
    await h.server.services.db.query(
      `INSERT INTO event (topic, type, organization_ids, payload) VALUES ('network', 'organization.updated', ARRAY[$1::uuid], jsonb_build_object('organizationId', $1::text))`,
      [h.world.orgs.police.id],
    );
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const sub = subscribe(client, CHANGES, { after: before });
    await sub.waitFor(1, 5_000);
    h.server.services.events.wake();
    await sleep(300);
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'after the seam' } }, h.world.tokens.policeAdmin);
    await sub.waitFor(2, 5_000);
    await sleep(300);
    const cursors = sub.received.map((r) => r.data.networkChanges.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(cursors).toHaveLength(2);
    await client.dispose();
  });

  test('given events whose ids cross a power of ten, committed without a wake-up, when the dispatcher reads them in one page, then a live subscriber gets each once, in id order', async () => {
    const before = await maxEventId();
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const sub = subscribe(client, CHANGES, { after: before });
    await sleep(300);
    // The next ids are 10^k - 2 .. 10^k + 1: as text, '1000' sorts before '998'.
    const powerOfTen = 10n ** BigInt(String(BigInt(before) + 3n).length);
    await side.query(`SELECT setval(pg_get_serial_sequence('event', 'id'), $1)`, [String(powerOfTen - 3n)]);
    await side.query(
      `INSERT INTO event (topic, type, organization_ids, payload)
       SELECT 'network', 'organization.updated', ARRAY[$1::uuid], jsonb_build_object('organizationId', $1::text) FROM generate_series(1, 4)`,
      [h.world.orgs.police.id],
    );
    h.server.services.events.wake();
    await sub.waitFor(4, 5_000);
    await sleep(300);
    expect(sub.received.map((r) => r.data.networkChanges.cursor)).toEqual([-2n, -1n, 0n, 1n].map((d) => String(powerOfTen + d)));
    await client.dispose();
  });

  test('given pruned events, when resuming from one before the pruned point, then CURSOR_EXPIRED; from the pruned point itself, nothing is missed', async () => {
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'soon pruned' } }, h.world.tokens.policeAdmin);
    const pruned = await maxEventId();
    try {
      clock.advance(31 * 86_400_000);
      await h.server.scheduler.runAll();
    } finally {
      clock.reset();
    }
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const oneBefore = subscribe(client, CHANGES, { after: String(BigInt(pruned) - 1n) });
    const [refusal] = await oneBefore.waitFor(1, 5_000);
    expect(JSON.stringify(refusal.errors)).toContain('CURSOR_EXPIRED');
    const atPoint = subscribe(client, CHANGES, { after: pruned });
    await sleep(300);
    expect(atPoint.received).toEqual([]);
    await client.dispose();
  });

  test('given another process holding a job\'s lock, when the scheduler runs, then it skips that job', async () => {
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'kept while locked' } }, h.world.tokens.policeAdmin);
    const newest = await maxEventId();
    await side.query(`SELECT pg_advisory_lock(hashtext('job:event-retention'))`);
    try {
      clock.advance(31 * 86_400_000);
      await h.server.scheduler.runAll();
    } finally {
      clock.reset();
      await side.query(`SELECT pg_advisory_unlock(hashtext('job:event-retention'))`);
    }
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM event WHERE id = $1`, [newest]);
    expect(n).toBe(1);
  });
});
