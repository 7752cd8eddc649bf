import http from 'node:http';
import { Client } from 'pg';
import { startServerProcess } from './support/process';
import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { createTestDatabase, startTestServer, type TestDatabase } from './support/server';
import { seedWorld } from './support/world';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Holds an organisation's row lock from another session, so a mutation on it provably still runs when stop() begins. */
async function holdRowLock(organizationId: string): Promise<() => Promise<void>> {
  const blocker = new Client({ connectionString: database.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT 1 FROM organization WHERE id = $1 FOR UPDATE', [organizationId]);
  return async () => {
    await blocker.query('COMMIT');
    await blocker.end();
  };
}

describe('graceful shutdown', () => {
  test('given a mutation in flight, when the server is told to stop, then the mutation completes and is committed before the server goes away', async () => {
    const server = await startTestServer(database.url);
    const world = await seedWorld(server.services.db, server.services.tokens);
    const release = await holdRowLock(world.orgs.police.id);

    const inFlight = gql(
      server.httpUrl,
      `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { description } userErrors { code } } }`,
      { input: { id: world.gid.org('police'), description: 'finished during shutdown' } },
      world.tokens.policeAdmin,
    );
    await sleep(300);
    const stopped = server.stop();
    await sleep(300);
    await release();

    const response = await inFlight;
    await stopped;
    expect(response.status).toBe(200);
    expect(response.body.data.organizationUpdate).toEqual({ organization: { description: 'finished during shutdown' }, userErrors: [] });
    const check = new Client({ connectionString: database.url });
    await check.connect();
    const { rows } = await check.query('SELECT description FROM organization WHERE id = $1', [world.orgs.police.id]);
    await check.end();
    expect(rows).toEqual([{ description: 'finished during shutdown' }]);
    await expect(fetch(server.httpUrl.replace('/graphql', '/healthz'))).rejects.toThrow();
  });
});

describe('shutdown of sockets', () => {
  test('given a mutation in flight over WebSocket, when the server is told to stop, then it completes with its answer before the pools it uses close', async () => {
    const server = await startTestServer(database.url);
    const world = await seedWorld(server.services.db, server.services.tokens);
    const release = await holdRowLock(world.orgs.police.id);
    const client = wsClient(server.wsUrl, world.tokens.policeAdmin);
    const inFlight = subscribe(
      client,
      `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { description } userErrors { code } } }`,
      { input: { id: world.gid.org('police'), description: 'answered over the socket' } },
    );
    await sleep(500);
    const stopped = server.stop();
    await sleep(300);
    await release();
    const [answer] = await inFlight.waitFor(1, 10_000);
    await stopped;
    await client.dispose();
    expect(answer).toEqual({ data: { organizationUpdate: { organization: { description: 'answered over the socket' }, userErrors: [] } } });
  });
});

describe('shutdown under keep-alive load', () => {
  test('given 30 keep-alive writers, when the server process gets SIGTERM, then every committed write has its answer', async () => {
    // Seed with an in-process server, then run the API as its own process to send it a real SIGTERM.
    const seeder = await startTestServer(database.url);
    const world = await seedWorld(seeder.services.db, seeder.services.tokens);
    await seeder.stop();
    const server = await startServerProcess(database.url);
    const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { title } userErrors { code } } }`;
    const answered = new Set<string>();
    const outcomes = { answered: 0, refused: 0, connectionErrors: 0, other: 0 };
    let stop = false;

    const post = (agent: http.Agent, title: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const body = JSON.stringify({ query: REPORT, variables: { input: { areaId: world.gid.area('gridA'), title, description: 'shutdown test' } } });
        const request = http.request(
          { host: '127.0.0.1', port: server.port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${world.tokens.communityMember}` } },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });

    const writer = async (w: number) => {
      // One socket per writer, kept alive between its requests.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let failures = 0;
      for (let i = 0; !stop && failures < 20; i++) {
        const title = `sd-${w}-${i}`;
        try {
          const { status, body } = await post(agent, title);
          failures = 0;
          if (status === 200 && body?.data?.caseReport?.case?.title === title) {
            answered.add(title);
            outcomes.answered += 1;
          } else if (status === 503) outcomes.refused += 1;
          else outcomes.other += 1;
        } catch {
          // The server is gone (or closed an idle socket): a request that got no answer was never run.
          outcomes.connectionErrors += 1;
          failures += 1;
          await sleep(50);
        }
      }
      agent.destroy();
    };

    const writers = Array.from({ length: 30 }, (_, w) => writer(w));
    // SIGTERM once the writers are in full swing, so writes are in flight on every socket.
    for (let waited = 0; outcomes.answered < 90 && waited < 30_000; waited += 100) await sleep(100);
    await server.stop();
    stop = true;
    await Promise.all(writers);

    const check = new Client({ connectionString: database.url });
    await check.connect();
    const { rows } = await check.query(`SELECT title FROM case_record WHERE title LIKE 'sd-%'`);
    await check.end();
    const committed = rows.map((r: { title: string }) => r.title);
    const unanswered = committed.filter((title) => !answered.has(title));
    console.log(`[shutdown] committed ${committed.length}, answered ${answered.size}, refused 503 ${outcomes.refused}, connection errors ${outcomes.connectionErrors}, other ${outcomes.other}`);
    expect(committed.length).toBeGreaterThan(0);
    expect(unanswered).toEqual([]);
    expect(answered.size).toBe(committed.length);
    expect(outcomes.other).toBe(0);
  }, 300_000);
});
