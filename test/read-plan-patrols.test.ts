import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { tokenForEmail, type Harness } from './support/harness';
import { askBoth, askBothInSql, putDemoPatrolsOnDuty, startPlanPair, stopPlanPair, type PlanPair } from './support/read-plan';

/**
 * The planned read of `patrolsOnDuty` (the area's path, then one SQL for the
 * page with areas, teams, organisations, routes and checkpoints) must answer
 * exactly as the resolver-by-resolver path: a second server on the same
 * database runs with planning off and every document is asked of both, for
 * every area above and below the demo's patrols, by viewers who see patrols
 * through different rules (the team's organisation, the contracted security
 * company, the police station's jurisdiction, the contracting community) and
 * viewers who must not.
 */
let h: Harness;
let pair: PlanPair;
const tokens: Record<string, string | null> = { signedOut: null };
let areas: string[] = [];
let community: string;

beforeAll(async () => {
  pair = await startPlanPair();
  ({ h } = pair);
  const db = h.server.services.db;
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.coordinator = await tokenForEmail(h, 'coordinator@gongzhi.demo');
  tokens.security = await tokenForEmail(h, 'security.admin@gongzhi.demo');
  tokens.liaison = await tokenForEmail(h, 'liaison@gongzhi.demo');
  tokens.communityMember = await tokenForEmail(h, 'member@gongzhi.demo');
  tokens.outsiderOrg = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
  tokens.outsider = h.world.tokens.outsider;
  tokens.resident = h.world.tokens.resident;

  // The demo's last week of patrols on duty, one of them without a route, and 30 more of the first volunteer team
  // in the first grid: the community then has more than a page.
  await putDemoPatrolsOnDuty(h);
  await db.query(`UPDATE patrol SET route_id = NULL WHERE id = (SELECT id FROM patrol WHERE status = 'ACTIVE' ORDER BY planned_start, id OFFSET 1 LIMIT 1)`);
  const [busy] = await db.query(
    `SELECT p.team_id, p.area_id, p.route_id FROM patrol p JOIN patrol_team t ON t.id = p.team_id WHERE t.kind = 'VOLUNTEER' AND p.route_id IS NOT NULL ORDER BY t.name, p.planned_start LIMIT 1`,
  );
  await db.query(
    `INSERT INTO patrol (team_id, area_id, route_id, planned_start, planned_end, status, started_at)
     SELECT $1, $2, $3, date_trunc('milliseconds', now()) - i * interval '7 minutes', now() + interval '2 hours', 'ACTIVE', now() - i * interval '7 minutes'
       FROM generate_series(1, 30) i`,
    [busy.team_id, busy.area_id, busy.route_id],
  );
  // Every area on the way down to the patrols, the patrols' own, a grid with none, and the test world's areas.
  const rows: { id: string }[] = await db.query(
    `SELECT DISTINCT a.id FROM area a
      WHERE EXISTS (SELECT 1 FROM patrol p JOIN area pa ON pa.id = p.area_id WHERE pa.path LIKE a.path || '%')
         OR a.depth >= 3 AND a.id IN (SELECT id FROM area ORDER BY name LIMIT 12)`,
  );
  areas = rows.map((r) => toGlobalId('Area', r.id));
  community = toGlobalId('Area', busy.area_id);
}, 240_000);
afterAll(() => stopPlanPair(pair ?? {}));

/** The bench's document (bench/run.ts PATROLS_ON_DUTY_QUERY). */
const BENCH = `query ($area: ID!) {
  patrolsOnDuty(areaId: $area, first: 20) {
    nodes { status area { name } team { name kind organization { name } } route { name checkpoints { name kind } } }
  }
}`;

/** Every column of the rows the plan reads, paging, and fields left to the loaders (within the query cost limit). */
const FULL = `query ($area: ID!, $first: Int, $after: String) {
  patrolsOnDuty(areaId: $area, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      id status plannedStart plannedEnd startedAt endedAt cancelReason missedAlertOpen version createdAt updatedAt
      area { id name kind code depth createdAt parent { name } }
      team { id name kind contractId version createdAt updatedAt organization { id name kind homeArea { name } } area { name } }
      route { id name retiredAt version createdAt updatedAt area { name } organization { name }
              checkpoints { id name kind latitude longitude retiredAt tokenIssuedAt version createdAt updatedAt area { name } organization { name } } }
      leader { displayName }
    } }
  }
}`;

/** Every field PostgreSQL answers whole (patrol.sql-answer.ts), and no other. */
const DECLARED = `query ($area: ID!, $first: Int) {
  patrolsOnDuty(areaId: $area, first: $first) {
    __typename
    nodes {
      __typename id status cancelReason version plannedStart plannedEnd startedAt endedAt createdAt updatedAt
      area { id name kind code depth parent { name } }
      team { id name kind version createdAt updatedAt organization { id name kind homeArea { name } } area { name } }
      route { id name version retiredAt createdAt area { name } organization { name } checkpoints { id name kind latitude longitude version retiredAt updatedAt area { name } organization { name } } }
    }
  }
}`;

const both = (document: string, variables: Record<string, unknown>, token: string | null) => askBoth(pair, document, variables, token);

const SEEING = ['platformAdmin', 'coordinator', 'security', 'liaison', 'communityMember'];
/** The outsider organisation sees its own patrols in Wuhan and none of Shashi's; the others see none. */
const VIEWERS = [...SEEING, 'outsiderOrg', 'outsider', 'resident', 'signedOut'];

describe('planned patrolsOnDuty', () => {
  test.each(VIEWERS)('given the demo patrols on duty, when %s reads every area, then the planned read answers as the old path', async (who) => {
    let seen = 0;
    for (const area of [...areas, toGlobalId('Area', '00000000-0000-0000-0000-000000000000'), toGlobalId('Organization', '00000000-0000-0000-0000-000000000000')]) {
      for (const document of [BENCH, FULL]) {
        const { planned, old } = await both(document, { area, first: 20 }, tokens[who]);
        expect(planned.body).toEqual(old.body);
        if (who === 'signedOut') {
          expect(planned.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
          continue;
        }
        expect(planned.body.errors).toBeUndefined();
        seen += planned.body.data.patrolsOnDuty.nodes?.length ?? planned.body.data.patrolsOnDuty.edges.length;
      }
    }
    if (SEEING.includes(who)) expect(seen).toBeGreaterThan(0);
    else if (who !== 'outsiderOrg') expect(seen).toBe(0);
  }, 180_000);

  test.each(['platformAdmin', 'coordinator', 'security', 'liaison', 'communityMember', 'outsiderOrg'])(
    'given more patrols than a page, when %s pages the community, then every page answers as the old path',
    async (who) => {
      for (const first of [3, 7, 0, 25]) {
        let after: string | null = null;
        let pages = 0;
        do {
          const { planned, old } = await both(FULL, { area: community, first, after }, tokens[who]);
          expect(planned.body).toEqual(old.body);
          expect(planned.body.errors).toBeUndefined();
          const page = planned.body.data.patrolsOnDuty;
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
          pages += 1;
        } while (after && pages < 30);
        if (['platformAdmin', 'coordinator', 'liaison'].includes(who) && first === 7) expect(pages).toBeGreaterThan(2);
      }
    },
    180_000,
  );

  test.each(VIEWERS)('given only declared fields, when %s reads every area, then PostgreSQL answers it whole (shared/read-plan/sql-answer.ts), as the old path', async (who) => {
    let seen = 0;
    // The nil area (no such area: nothing) and an empty id (no area set: the whole city) as well.
    for (const area of [...areas, toGlobalId('Area', '00000000-0000-0000-0000-000000000000'), toGlobalId('Organization', '00000000-0000-0000-0000-000000000000'), '']) {
      for (const first of [20, 2]) {
        const { planned, old, inSql } = await askBothInSql(pair, DECLARED, { area, first }, tokens[who]);
        expect(planned.body).toEqual(old.body);
        expect(inSql).toBe(who !== 'signedOut');
        seen += planned.body.data?.patrolsOnDuty.nodes.length ?? 0;
      }
    }
    if (SEEING.includes(who)) expect(seen).toBeGreaterThan(0);
    else if (who !== 'outsiderOrg') expect(seen).toBe(0);
  }, 180_000);

  test('given a bad page argument or cursor, when the platform admin reads, then both paths answer alike', async () => {
    for (const variables of [{ first: 500 }, { first: -1 }, { first: 3, after: 'bm90LWEtY3Vyc29y' }]) {
      const { planned, old } = await both(FULL, { area: community, ...variables }, tokens.platformAdmin);
      expect(planned.body.errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
      expect(planned.body).toEqual(old.body);
      expect(planned.body.errors?.length).toBeGreaterThan(0);
    }
  });

  test('given the bench document, then 2 and 20 patrols on duty cost the same statements: the viewer and one statement that reads the area and answers', async () => {
    const db = h.server.services.db;
    const area = fromGlobalId(community)!.id;
    const counts = async () => {
      const out: Record<string, { rows: number; sql: number; checkpoints: number }> = {};
      for (const who of ['platformAdmin', 'coordinator', 'liaison', 'communityMember']) {
        const r = await gql(h.server.httpUrl, BENCH, { area: community }, tokens[who]);
        expect(r.body.errors).toBeUndefined();
        const nodes = r.body.data.patrolsOnDuty.nodes;
        out[who] = { rows: nodes.length, sql: r.sqlStatements, checkpoints: nodes.reduce((n: number, p: any) => n + (p.route?.checkpoints.length ?? 0), 0) };
      }
      return out;
    };
    const many = await counts();
    // All but two of the area's patrols off duty for the moment.
    const off: { id: string }[] = await db.query(
      `UPDATE patrol SET status = 'PLANNED' WHERE id IN (SELECT id FROM patrol WHERE area_id = $1 AND status = 'ACTIVE' ORDER BY planned_start, id OFFSET 2) RETURNING id`,
      [area],
    );
    try {
      const few = await counts();
      expect(many.platformAdmin.rows).toBe(20);
      expect(few.platformAdmin.rows).toBe(2);
      expect(many.coordinator.rows).toBe(20);
      expect(many.platformAdmin.checkpoints).toBeGreaterThan(20);
      for (const who of Object.keys(many)) {
        // A count of 0 would mean the counter is not counting, not that the read is free.
        expect(few[who].sql).toBeGreaterThan(0);
        expect([who, many[who].sql]).toEqual([who, few[who].sql]);
        expect([who, many[who].sql]).toEqual([who, 2]);
      }
    } finally {
      await db.query(`UPDATE patrol SET status = 'ACTIVE' WHERE id = ANY($1)`, [off.map((p) => p.id)]);
    }
  });
});
