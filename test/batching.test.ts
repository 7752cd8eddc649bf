import { randomUUID } from 'node:crypto';
import { MemberRole } from '../src/shared/auth/roles';
import { expectSameStatementCount, gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // 60 organisations with 3 members each and a home area with a parent.
  const db = h.server.services.db;
  for (let i = 0; i < 60; i++) {
    const [org] = await db.query(`INSERT INTO organization (name, kind, home_area_id) VALUES ($1, 'NGO', $2) RETURNING id`, [`批量組織 ${String(i).padStart(2, '0')}`, h.world.areas.communityA.id]);
    for (let j = 0; j < 3; j++) {
      const [user] = await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, $2, 'x') RETURNING id`, [`b${i}-${j}-${randomUUID()}@b.test`, `成員 ${i}-${j}`]);
      await db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, $3)`, [user.id, org.id, MemberRole.MEMBER]);
    }
  }
});
afterAll(() => stopHarness(h));

const NESTED = `query ($first: Int!) {
  organizations(first: $first, search: "批量組織") {
    totalCount
    nodes { name homeArea { name parent { name } } members(first: 10) { totalCount nodes { role user { displayName } } } }
  }
}`;

describe('DataLoader batching', () => {
  test('given a nested list query, then 5 rows and 50 rows cost the same number of SQL statements', async () => {
    const five = await gql(h.server.httpUrl, NESTED, { first: 5 }, h.world.tokens.platformAdmin);
    const fifty = await gql(h.server.httpUrl, NESTED, { first: 50 }, h.world.tokens.platformAdmin);
    expect(fifty.body.errors).toBeUndefined();
    expect(five.body.data.organizations.nodes).toHaveLength(5);
    expect(fifty.body.data.organizations.nodes).toHaveLength(50);
    expect(fifty.body.data.organizations.nodes[49].members.nodes).toHaveLength(3);
    // viewer, the planned page (areas, parents, members, users joined), count, member counts
    expect(expectSameStatementCount(five, fifty)).toBeLessThanOrEqual(4);
  });

  test('given the bench query (no counts), then 5 and 50 rows cost the same few statements: the viewer and one planned read', async () => {
    const BENCH = `query ($first: Int!) {
      organizations(first: $first, search: "批量組織") {
        nodes { name homeArea { name parent { name } } members(first: 10) { nodes { role user { displayName } } } }
      }
    }`;
    const five = await gql(h.server.httpUrl, BENCH, { first: 5 }, h.world.tokens.platformAdmin);
    const fifty = await gql(h.server.httpUrl, BENCH, { first: 50 }, h.world.tokens.platformAdmin);
    expect(fifty.body.errors).toBeUndefined();
    expect(fifty.body.data.organizations.nodes[49].members.nodes[2].user.displayName).toMatch(/^成員/);
    expect(expectSameStatementCount(five, fifty)).toBeLessThanOrEqual(3);
  });
});

describe('Statement counting (X-SQL-Statements)', () => {
  const NESTED_FIVE = { first: 5 };

  test('given a request that asks not to be counted (X-SQL-Count: off), then it is answered without X-SQL-Statements', async () => {
    const response = await fetch(h.server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.world.tokens.platformAdmin}`, 'x-sql-count': 'off' },
      body: JSON.stringify({ query: NESTED, variables: NESTED_FIVE }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(response.headers.get('x-sql-statements')).toBeNull();
  });

  test('given counted requests running together, and after an uncounted one, then each counts its own statements as when alone', async () => {
    const alone = await gql(h.server.httpUrl, NESTED, NESTED_FIVE, h.world.tokens.platformAdmin);
    // A short request that closes while the nested one still runs its statements: counting must stay on for the other.
    const [short, nested] = await Promise.all([
      gql(h.server.httpUrl, '{ viewer { isPlatformAdmin } }', {}, h.world.tokens.platformAdmin),
      gql(h.server.httpUrl, NESTED, NESTED_FIVE, h.world.tokens.platformAdmin),
    ]);
    expect(short.body.errors).toBeUndefined();
    expect(short.sqlStatements).toBeGreaterThan(0);
    expectSameStatementCount(alone, nested);
    const uncounted = await fetch(h.server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.world.tokens.platformAdmin}`, 'x-sql-count': 'off' },
      body: JSON.stringify({ query: NESTED, variables: NESTED_FIVE }),
    });
    await uncounted.json();
    expectSameStatementCount(alone, await gql(h.server.httpUrl, NESTED, NESTED_FIVE, h.world.tokens.platformAdmin));
  });
});
