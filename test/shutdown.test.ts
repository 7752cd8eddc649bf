import { Client } from 'pg';
import { gql, sleep } from './support/graphql';
import { createTestDatabase, startTestServer, type TestDatabase } from './support/server';
import { seedWorld } from './support/world';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('graceful shutdown', () => {
  test('given a mutation in flight, when the server is told to stop, then the mutation completes and is committed before the server goes away', async () => {
    const server = await startTestServer(database.url);
    const world = await seedWorld(server.services.db, server.services.tokens);
    // Hold the organisation's row lock so the mutation is provably still running when stop() begins.
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM organization WHERE id = $1 FOR UPDATE', [world.orgs.police.id]);

    const inFlight = gql(
      server.httpUrl,
      `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { description } userErrors { code } } }`,
      { input: { id: world.gid.org('police'), description: 'finished during shutdown' } },
      world.tokens.policeAdmin,
    );
    await sleep(300);
    const stopped = server.stop();
    await sleep(300);
    await blocker.query('COMMIT');
    await blocker.end();

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
