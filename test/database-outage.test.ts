import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startServerProcess, type ServerProcess } from './support/process';
import { startTestServer, type TestServer } from './support/server';
import { seedWorld, type World } from './support/world';
import { newestEventCursor } from './support/listening';

/**
 * This file runs its own PostgreSQL (test/support/outage-postgres.mjs): the
 * suite's shared one must not go down under the other test files.
 */
let postgres: ChildProcess;
let output = '';
let databaseUrl: string;
let server: TestServer;
let other: ServerProcess;
let world: World;

function waitFor(marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const line = output.split('\n').find((l) => l.startsWith(marker));
      if (line) {
        output = output.replace(`${line}\n`, '');
        resolve(line);
      } else if (Date.now() - started > timeoutMs) reject(new Error(`no ${marker} from outage-postgres within ${timeoutMs} ms`));
      else setTimeout(check, 50).unref();
    };
    check();
  });
}

beforeAll(async () => {
  postgres = spawn(process.execPath, [path.join(__dirname, 'support', 'outage-postgres.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  postgres.stdout!.on('data', (chunk) => (output += chunk.toString()));
  databaseUrl = (await waitFor('READY ', 240_000)).slice('READY '.length);
  server = await startTestServer(databaseUrl);
  world = await seedWorld(server.services.db, server.services.tokens);
  // The other process polls the log only once a minute: a prompt delivery there came through LISTEN/NOTIFY.
  other = await startServerProcess(databaseUrl, { EVENT_POLL_MS: '60000' });
}, 400_000);

afterAll(async () => {
  await other?.stop();
  await server?.stop();
  postgres?.stdin?.end();
  await new Promise((resolve) => (postgres && postgres.exitCode === null ? postgres.once('exit', resolve) : resolve(null)));
}, 60_000);

const CHANGES = `subscription ($after: String) { networkChanges(after: $after) { cursor organization { description } } }`;
const UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { id } userErrors { code } } }`;
const ORGS = `{ organizations(first: 1) { totalCount } }`;

describe('database outage', () => {
  test('given PostgreSQL stopped for 10 s, then requests answer 503 with Retry-After meanwhile, and cross-process delivery is back at normal latency afterwards without a restart', async () => {
    const client = wsClient(other.wsUrl, world.tokens.policeLiaison);
    // From the log's newest cursor: were the other process slow to start the subscription, the first change would
    // otherwise go out before it and never come (that process polls once a minute). The pause lets it start first.
    const sub = subscribe(client, CHANGES, { after: await newestEventCursor(server.services.db) });
    await sleep(500);
    const deliver = async (description: string, timeoutMs: number) => {
      const before = sub.received.length;
      const started = Date.now();
      const response = await gql(server.httpUrl, UPDATE, { input: { id: world.gid.org('police'), description } }, world.tokens.policeAdmin);
      expect(response.body.data?.organizationUpdate.userErrors).toEqual([]);
      const results = await sub.waitFor(before + 1, timeoutMs);
      expect(results[before].data.networkChanges.organization.description).toBe(description);
      return Date.now() - started;
    };
    const normal = await deliver('before the outage', 5_000);

    postgres.stdin!.write('stop\n');
    await waitFor('STOPPED', 60_000);
    const stoppedAt = Date.now();
    const during = [
      await gql(server.httpUrl, ORGS, {}, world.tokens.communityMember),
      await gql(server.httpUrl, UPDATE, { input: { id: world.gid.org('police'), description: 'during the outage' } }, world.tokens.policeAdmin),
      await gql(other.httpUrl, ORGS, {}, world.tokens.communityMember),
    ];
    for (const response of during) {
      expect([response.status, response.headers.get('retry-after'), response.body.errors?.[0].extensions?.code]).toEqual([503, '5', 'SERVICE_UNAVAILABLE']);
    }
    await sleep(Math.max(0, 10_000 - (Date.now() - stoppedAt)));
    postgres.stdin!.write('start\n');
    await waitFor('STARTED', 60_000);

    // The first change after the restart may land while the listener still waits out its backoff: it
    // arrives when the listener reconnects and re-reads the log from its cursor, well before the 60 s poll.
    const afterRestart = await deliver('right after the outage', 20_000);
    const recovered = await deliver('after the outage', 5_000);
    expect(afterRestart).toBeLessThan(15_000);
    expect(recovered).toBeLessThan(Math.max(1_000, normal * 20));
    const listener = await gql(other.httpUrl, ORGS, {}, world.tokens.communityMember);
    expect(listener.status).toBe(200);
    console.log(`[outage] delivery before ${normal} ms, first after restart ${afterRestart} ms, then ${recovered} ms`);
    await client.dispose();
  }, 180_000);
});
