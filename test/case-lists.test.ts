import { randomUUID } from 'node:crypto';
import { loadDemoData } from '../src/demo';
import { LoaderRegistry } from '../src/shared/loaders';
import type { AppContext } from '../src/shared/context';
import { toGlobalId } from '../src/shared/relay/global-id';
import { caseListPlanStatements, queuePlanStatements } from '../src/modules/case/case.lists';
import { plannedCaseListStatements } from '../src/modules/case/case.read-plan';
import { SQL_ANSWERS } from '../src/modules/sql-answers';
import { sqlAnswerFor } from '../src/shared/read-plan/sql-answer';
import { buildGraphQLSchema } from '../src/server/schema';
import { parse } from 'graphql';
import { gql, type GraphQLResponse } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';
import { superviseAndReportFromOutside } from './support/demo-cases';
import { planNodes } from './support/explain';

/**
 * Case lists at scale (issue 17): the list and the single-record policy are
 * one rule; keyset pages hold under concurrent reports; the list statements
 * never read case_record whole.
 */

const LIST = `query ($after: String) { cases(first: 100, after: $after) { totalCount totalCountIsExact nodes { id } pageInfo { hasNextPage endCursor } } }`;

async function listAll(h: Harness, token: string, query = LIST, variables: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res = await gql(h.server.httpUrl, query, { ...variables, after }, token);
    expect(res.body.errors).toBeUndefined();
    const connection = Object.values(res.body.data)[0] as { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    ids.push(...connection.nodes.map((n) => n.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

describe('case list and single-record policy are the same rule (demo data)', () => {
  let h: Harness;
  let allIds: string[];
  beforeAll(async () => {
    h = await startHarness();
    await loadDemoData(h.server.services.db, h.server.services.log);
    const db = h.server.services.db;
    await superviseAndReportFromOutside(db);
    allIds = (await db.query(`SELECT id FROM case_record ORDER BY id`)).map((r: { id: string }) => r.id);
  }, 120_000);
  afterAll(() => stopHarness(h));

  const viewers = [
    ['platform admin', 'admin@gongzhi.demo'],
    ['insider: police station with jurisdiction over the street', 'liaison@gongzhi.demo'],
    ['jurisdiction: resident committee of one community', 'community.admin@gongzhi.demo'],
    ['supervising organisation without jurisdiction', 'coordinator@gongzhi.demo'],
    ['assigned organisation and reporter organisation: security company', 'security.admin@gongzhi.demo'],
    ['observer of the street office', 'observer@gongzhi.demo'],
    ['reporter: resident with merged duplicates', 'resident@gongzhi.demo'],
    ['outsider: committee in another city', 'minyi.admin@gongzhi.demo'],
  ] as const;

  test.each(viewers)('given the demo data, when %s lists cases, then the list holds exactly the cases `case(id)` shows them', async (_kind, email) => {
    const token = await tokenForEmail(h, email);
    // When: every case is asked for by id (through the single-record rule, 50 ids a request)...
    const seenOneByOne: string[] = [];
    for (let i = 0; i < allIds.length; i += 50) {
      const single = await gql(h.server.httpUrl, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: allIds.slice(i, i + 50).map((id) => toGlobalId('Case', id)) }, token);
      expect(single.body.errors).toBeUndefined();
      seenOneByOne.push(...(single.body.data.nodes as ({ id: string } | null)[]).filter((c): c is { id: string } => c !== null).map((c) => c.id));
    }
    seenOneByOne.sort();
    // ...and the list is paged through.
    const listed = await listAll(h, token);
    // Then: the same set, with no case twice.
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(seenOneByOne);
    const first = await gql(h.server.httpUrl, LIST, {}, token);
    expect(first.body.data.cases).toMatchObject({ totalCount: listed.length, totalCountIsExact: true });
  });

  test('given the demo data, then the viewers above cover every branch: some see none, some a part, the admin all', async () => {
    const counts: Record<string, number> = {};
    for (const [kind, email] of viewers) counts[kind] = (await listAll(h, await tokenForEmail(h, email))).length;
    expect(counts['platform admin']).toBe(allIds.length);
    expect(counts['outsider: committee in another city']).toBe(0);
    expect(counts['supervising organisation without jurisdiction']).toBeGreaterThanOrEqual(4);
    expect(counts['reporter: resident with merged duplicates']).toBeGreaterThan(0);
    expect(counts['jurisdiction: resident committee of one community']).toBeLessThan(counts['insider: police station with jurisdiction over the street']);
  });

  test('given the demo data, when the liaison officer filters by an area it covers and by overdue, then the list equals the per-record rule applied to that subtree', async () => {
    const token = await tokenForEmail(h, 'liaison@gongzhi.demo');
    const [area] = await h.server.services.db.query(`SELECT id, path FROM area WHERE name = '三板橋社區' AND path LIKE (SELECT path FROM area WHERE code = '421002') || '%'`);
    const query = `query ($after: String, $area: ID!) { cases(first: 100, after: $after, withinAreaId: $area, overdue: true) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const listed = await listAll(h, token, query, { area: toGlobalId('Area', area.id) });
    const expected = (
      await h.server.services.db.query(
        `SELECT c.id FROM case_record c JOIN area a ON a.id = c.area_id
          WHERE a.path LIKE $1 || '%' AND c.status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED') AND c.due_at < now()`,
        [area.path],
      )
    ).map((r: { id: string }) => toGlobalId('Case', r.id));
    expect(expected.length).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual(expected.sort());
  });
});

describe('keyset pagination and plans on a grown table', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 120_000);
  afterAll(() => stopHarness(h));

  /** Inserts cases with SQL in the areas given, reported at the given instants (ms), one per pair. */
  async function insertCases(rows: { areaId: string; reportedAt: number; reporterUserId?: string | null }[]): Promise<string[]> {
    const ids = rows.map(() => randomUUID());
    await h.server.services.db.query(
      `INSERT INTO case_record (id, reference, category, channel, severity, status, title, description, area_id, reporter_user_id, due_at, reported_at)
       SELECT k.id, 'KS-' || k.id, 'OTHER', 'HOTLINE', 'LOW', 'REPORTED', 'keyset', 'keyset test', k.area_id, k.reporter, to_timestamp(k.at / 1000.0) + interval '7 days', to_timestamp(k.at / 1000.0)
         FROM unnest($1::uuid[], $2::uuid[], $3::float8[], $4::uuid[]) AS k(id, area_id, at, reporter)`,
      [ids, rows.map((r) => r.areaId), rows.map((r) => r.reportedAt), rows.map((r) => r.reporterUserId ?? null)],
    );
    return ids;
  }

  test('given 60 cases (several reported in the same millisecond), when paging by 7 while cases are reported before, between and after the pages, then no case is listed twice and none that existed is skipped', async () => {
    const { world } = h;
    const base = Date.parse('2026-10-01T00:00:00Z');
    // Given: 60 cases in the police station's street, in 20 instants of 3 cases each.
    const existing = await insertCases(Array.from({ length: 60 }, (_, i) => ({ areaId: world.areas.gridA.id, reportedAt: base + Math.floor(i / 3) * 60_000 })));
    const seen: string[] = [];
    let after: string | null = null;
    let round = 0;
    for (;;) {
      // When: between pages, new cases arrive: one now, one at an instant already listed, one at an instant not yet listed.
      await insertCases([
        { areaId: world.areas.gridA.id, reportedAt: Date.now() },
        { areaId: world.areas.communityA.id, reportedAt: base + 19 * 60_000 },
        { areaId: world.areas.streetA.id, reportedAt: base + (19 - round) * 60_000 - 1 },
      ]);
      const res: GraphQLResponse = await gql(
        h.server.httpUrl,
        `query ($after: String) { cases(first: 7, after: $after) { nodes { id reportedAt } pageInfo { hasNextPage endCursor } } }`,
        { after },
        world.tokens.policeLiaison,
      );
      expect(res.body.errors).toBeUndefined();
      seen.push(...res.body.data.cases.nodes.map((n: { id: string }) => n.id));
      round += 1;
      if (!res.body.data.cases.pageInfo.hasNextPage || round > 40) break;
      after = res.body.data.cases.pageInfo.endCursor;
    }
    // Then: no duplicate, and every case that existed before paging began was listed once.
    expect(new Set(seen).size).toBe(seen.length);
    const existingGids = existing.map((id) => toGlobalId('Case', id));
    expect(existingGids.filter((id) => !seen.includes(id))).toEqual([]);
  });

  test('given the cursor of another list or garbage, when paging cases, then a clear BAD_USER_INPUT error', async () => {
    for (const after of ['garbage', Buffer.from(JSON.stringify([-1700000000, 'x'])).toString('base64url')]) {
      const res = await gql(h.server.httpUrl, `query ($after: String) { cases(first: 5, after: $after) { nodes { id } } }`, { after }, h.world.tokens.policeLiaison);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  test('given the police station\'s untriaged cases, 3,200 untriaged cases of another street due between them and cases the liaison handles, when the liaison pages myCaseQueue by 5, then the pages hold exactly the queue rule in due order', async () => {
    const { world } = h;
    const db = h.server.services.db;
    const me = world.users.policeLiaison.id;
    const t0 = Date.parse('2020-01-01T00:00:00Z');
    const hour = 3_600_000;
    // Given: 12 untriaged cases in the station's street due hourly; 3,200 untriaged cases of another street due between
    // the 6th and 7th (more than the queue's walk window); open cases the liaison handles or leads, due among them.
    await db.query(
      `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, due_at, reported_at,
                                responsible_organization_id, leader_user_id, handler_user_id)
       SELECT 'Q-' || k.n || '-' || k.st, 'OTHER', 'HOTLINE', 'LOW', k.st, 'queue', 'queue test', k.area_id, to_timestamp(k.due / 1000.0), now(),
              k.org, k.leader, k.handler
         FROM unnest($1::int[], $2::text[], $3::uuid[], $4::float8[], $5::uuid[], $6::uuid[], $7::uuid[]) AS k(n, st, area_id, due, org, leader, handler)`,
      (() => {
        const rows: [number, string, string, number, string | null, string | null, string | null][] = [];
        for (let i = 0; i < 12; i++) rows.push([i, i % 3 === 0 ? 'TRIAGED' : 'REPORTED', world.areas.gridA.id, t0 + i * hour, null, null, null]);
        for (let i = 0; i < 3200; i++) rows.push([100 + i, 'REPORTED', world.areas.communityB.id, t0 + 5 * hour + 1000 + i, null, null, null]);
        const police = world.orgs.police.id;
        rows.push([10_000, 'ASSIGNED', world.areas.communityB.id, t0 + 2 * hour + 500, police, me, me]);
        rows.push([10_001, 'IN_PROGRESS', world.areas.communityB.id, t0 + 5 * hour + 2000, police, world.users.policeAdmin.id, me]);
        rows.push([10_002, 'ASSIGNED', world.areas.communityB.id, t0 + 9 * hour + 500, police, me, world.users.policeAdmin.id]);
        rows.push([10_003, 'CLOSED', world.areas.gridA.id, t0 + 1000, police, me, me]);
        return [0, 1, 2, 3, 4, 5, 6].map((c) => rows.map((r) => r[c]));
      })(),
    );
    await db.query('ANALYZE case_record');
    // When: the liaison pages through the queue, 5 at a time.
    const query = `query ($after: String) { myCaseQueue(first: 5, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const listed = await listAll(h, world.tokens.policeLiaison, query);
    // Then: exactly the open cases they handle or lead and the untriaged cases of the street, most urgent first.
    const expected = (
      await db.query(
        `SELECT c.id FROM case_record c
          WHERE c.status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED')
            AND (c.handler_user_id = $1 OR c.leader_user_id = $1
                 OR (c.status IN ('REPORTED','TRIAGED','REOPENED') AND c.area_id IN (SELECT id FROM area WHERE path LIKE $2 || '%')))
          ORDER BY c.due_at, c.id`,
        [me, world.areas.streetA.path],
      )
    ).map((r: { id: string }) => toGlobalId('Case', r.id));
    expect(expected.length).toBeGreaterThanOrEqual(15);
    expect(listed).toEqual(expected);
  }, 120_000);

  test('given 50,000 cases (1% in the police station\'s street) after ANALYZE, when the case-list, count and queue statements are explained for every kind of viewer, then none reads case_record by a sequential scan', async () => {
    const { world } = h;
    const db = h.server.services.db;
    // Given: 50,000 cases spread over other areas (one more street, many grids), 1% in street A, ANALYZEd.
    await db.query(
      `INSERT INTO area (id, name, kind, parent_id, path, depth)
       SELECT id, 'grid ' || n, 'GRID', $1, $2 || id || '/', 4 FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 2000) n) g`,
      [world.areas.communityB.id, world.areas.communityB.path],
    );
    await db.query(
      `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, reporter_user_id, due_at, reported_at)
       SELECT 'GROWN-' || n, 'OTHER', 'HOTLINE', 'LOW', CASE WHEN n % 50 = 0 THEN 'REPORTED' ELSE 'CLOSED' END, 'grown', 'grown',
              CASE WHEN n % 100 = 0 THEN $1::uuid ELSE g.id END, NULL,
              now() - (n % 1000) * interval '1 hour' + interval '3 days', now() - (n % 1000) * interval '1 hour'
         FROM generate_series(1, 50000) n
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM area WHERE name LIKE 'grid %') g ON g.i = n % 2000`,
      [world.areas.gridA.id],
    );
    await db.query('ANALYZE');
    const roles = ['platformAdmin', 'policeLiaison', 'communityAdmin', 'communityObserver', 'securityAdmin', 'outsider', 'resident'] as const;
    const filters = [{}, { withinAreaId: world.areas.streetA.id, overdue: true }, { withinAreaId: world.areas.communityA.id }, { statuses: ['REPORTED'] as never }];
    const seqScans: string[] = [];
    const schema = buildGraphQLSchema();
    const ANSWERED = parse(`query ($first: Int) { cases(first: $first) { nodes { reference title status area { name } leader { displayName } handler { displayName } } } }`);
    for (const role of roles) {
      const viewer = (await h.server.services.viewers.load(`user:${world.users[role].id}`))!;
      const ctx = { app: h.server.services, viewer, subject: null, requestId: 'plan-guard', loaders: new LoaderRegistry(), log: h.server.services.log } as AppContext;
      const statements = [
        ...(await Promise.all(filters.map((f) => caseListPlanStatements(ctx, f)))).flat(),
        // The planned read wraps the same page statements with its joins and access facts: still index-driven.
        ...(await Promise.all(filters.map((f) => plannedCaseListStatements(ctx, f)))).flat(),
        ...(await queuePlanStatements(ctx)),
        // The list as PostgreSQL answers it whole embeds the same page statements.
        ...(await Promise.all([5, 20].map((first) => sqlAnswerFor(schema, SQL_ANSWERS, ANSWERED, null, { first }, ctx)))).map((a) => [a!.sql, a!.params] as [string, unknown[]]),
      ];
      // The estimate is only planned, never run.
      for (const [sql, params] of statements.filter(([sql]) => !sql.startsWith('EXPLAIN'))) {
        const nodes = await planNodes(db, sql, params);
        if (nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'case_record')) seqScans.push(`${role}: ${sql.replace(/\s+/g, ' ').slice(0, 300)}`);
      }
    }
    // Then: no statement scans case_record sequentially.
    expect(seqScans).toEqual([]);
  }, 180_000);
});
