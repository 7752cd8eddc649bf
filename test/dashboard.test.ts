import { randomUUID } from 'node:crypto';
import { errorCodes, expectSameStatementCount, gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';

let h: Harness;
const NOW = new Date('2026-11-20T04:00:00.000Z'); // 12:00 China Standard Time
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

interface Row {
  area: 'communityA' | 'communityB' | 'gridA' | 'streetB';
  category: string;
  status: string;
  reportedAt: Date;
  dueAt: Date;
  resolvedAt?: Date;
  closedAt?: Date;
  responsible?: 'community' | 'police' | 'outsider';
  supervising?: 'security';
  mergedInto?: string;
}

let seq = 0;
async function insertCase(row: Row): Promise<string> {
  const id = randomUUID();
  const w = h.world;
  const assigned = row.responsible ? w.orgs[row.responsible].id : null;
  const people = row.responsible === 'police' ? [w.users.policeAdmin.id, w.users.policeLiaison.id] : [w.users.communityAdmin.id, w.users.communityMember.id];
  await h.server.services.db.query(
    `INSERT INTO case_record (id, reference, category, channel, severity, status, title, description, area_id, reporter_user_id,
        responsible_organization_id, leader_user_id, handler_user_id, supervising_organization_id, supervised_at,
        due_at, reported_at, resolved_at, closed_at, merged_into_id)
     VALUES ($1, $2, $3, 'HOTLINE', 'MEDIUM', $4, 'fixture', 'fixture', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      id, `TEST-2026-${String(++seq).padStart(6, '0')}`, row.category, row.status, w.areas[row.area].id, w.users.resident.id,
      assigned, assigned ? people[0] : null, assigned ? people[1] : null,
      row.supervising ? w.orgs.security.id : null, row.supervising ? row.reportedAt : null,
      row.dueAt, row.reportedAt, row.resolvedAt ?? null, row.closedAt ?? null, row.mergedInto ?? null,
    ],
  );
  return id;
}

beforeAll(async () => {
  h = await startHarness();
  const c1 = await insertCase({ area: 'gridA', category: 'PUBLIC_SECURITY', status: 'REPORTED', reportedAt: ago(2 * DAY), dueAt: new Date(NOW.getTime() + DAY) });
  await insertCase({ area: 'communityA', category: 'DISPUTE', status: 'IN_PROGRESS', reportedAt: ago(10 * DAY), dueAt: ago(DAY), responsible: 'community', supervising: 'security' });
  await insertCase({ area: 'communityA', category: 'DISPUTE', status: 'ASSIGNED', reportedAt: ago(40 * DAY), dueAt: ago(20 * DAY), responsible: 'community' });
  // Resolved after 120 h, on time; closed 5 days ago.
  await insertCase({ area: 'communityA', category: 'ENVIRONMENT', status: 'CLOSED', reportedAt: ago(20 * DAY), dueAt: ago(10 * DAY), resolvedAt: ago(15 * DAY), closedAt: ago(5 * DAY), responsible: 'community' });
  // Resolved after 24 h, late.
  await insertCase({ area: 'gridA', category: 'ENVIRONMENT', status: 'RESOLVED', reportedAt: ago(3 * DAY), dueAt: ago(2.5 * DAY), resolvedAt: ago(2 * DAY), responsible: 'community' });
  // Resolved after 48 h by the police, late; closed 9 days ago.
  await insertCase({ area: 'communityA', category: 'PUBLIC_SECURITY', status: 'CLOSED', reportedAt: ago(12 * DAY), dueAt: ago(11 * DAY), resolvedAt: ago(10 * DAY), closedAt: ago(9 * DAY), responsible: 'police' });
  // A duplicate merged into c1: never counted.
  await insertCase({ area: 'gridA', category: 'PUBLIC_SECURITY', status: 'CLOSED', reportedAt: ago(DAY), dueAt: NOW, closedAt: ago(DAY), mergedInto: c1 });
  // Another jurisdiction's case: not counted under street A.
  await insertCase({ area: 'communityB', category: 'OTHER', status: 'REPORTED', reportedAt: ago(DAY), dueAt: ago(HOUR) });
});
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});
beforeEach(() => clock.freeze(NOW));
afterEach(() => clock.reset());

const DASHBOARD = `query ($area: ID!) { jurisdictionDashboard(areaId: $area) {
  area { name } generatedAt
  cases { open overdue supervisedOpen openedLast7Days openedLast30Days closedLast7Days closedLast30Days resolvedLast30Days medianHoursToResolve
          openByCategoryAndStatus { category status count } }
  patrols { onDuty plannedToday checkpointsPlannedToday checkpointsVisitedToday checkpointCoverage }
  meetings { upcomingNext30Days overdueActionItems openActionItems }
  contracts { active expiringWithin30Days } } }`;

const PERFORMANCE = `query ($area: ID!, $from: LocalDate!, $to: LocalDate!, $min: Int) {
  unitPerformance(areaId: $area, from: $from, to: $to, minimumSample: $min) {
    totalCount nodes { organization { id } casesHandled resolvedOnTime onTimeRate medianHoursToResolve openCases overdueOpenCases
                       unassignedCases unassignedOverdueCases casesJudged sufficientSample rank } } }`;

describe('jurisdictionDashboard', () => {
  test('given the fixture, when the police station opens its street dashboard, then the case figures match the hand count', async () => {
    const res = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetA') }, h.world.tokens.policeLiaison);
    expect(res.body.errors).toBeUndefined();
    const d = res.body.data.jurisdictionDashboard;
    expect(d.area.name).toBe('中山路街道');
    expect(d.generatedAt).toBe(NOW.toISOString());
    expect(d.cases).toEqual({
      open: 3,
      overdue: 2,
      supervisedOpen: 1,
      openedLast7Days: 2,
      openedLast30Days: 5,
      closedLast7Days: 1,
      closedLast30Days: 2,
      resolvedLast30Days: 3,
      medianHoursToResolve: 48,
      openByCategoryAndStatus: [
        { category: 'DISPUTE', status: 'ASSIGNED', count: 1 },
        { category: 'DISPUTE', status: 'IN_PROGRESS', count: 1 },
        { category: 'PUBLIC_SECURITY', status: 'REPORTED', count: 1 },
      ],
    });
  });

  test('given no patrols, meetings or contracts in the area, then those parts are present and zero', async () => {
    const res = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetA') }, h.world.tokens.platformAdmin);
    const d = res.body.data.jurisdictionDashboard;
    expect(d.patrols).toEqual({ onDuty: 0, plannedToday: 0, checkpointsPlannedToday: 0, checkpointsVisitedToday: 0, checkpointCoverage: null });
    expect(d.meetings).toEqual({ upcomingNext30Days: 0, overdueActionItems: 0, openActionItems: 0 });
    expect(d.contracts).toEqual({ active: 0, expiringWithin30Days: 0 });
  });

  test('given the community committee, when it opens its own community, then it sees it; the street above it is not its jurisdiction', async () => {
    const own = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('communityA') }, h.world.tokens.communityMember);
    expect(own.body.data.jurisdictionDashboard.cases.open).toBe(3);
    const street = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetA') }, h.world.tokens.communityMember);
    expect(street.body).toEqual({ data: { jurisdictionDashboard: null } });
  });

  test('given an unrelated organisation, a supervising organisation without jurisdiction or a resident, then the dashboard is null like an unknown area', async () => {
    for (const token of [h.world.tokens.outsider, h.world.tokens.securityAdmin, h.world.tokens.resident]) {
      const res = await gql(h.server.httpUrl, `query ($a: ID!, $u: ID!) { a: jurisdictionDashboard(areaId: $a) { generatedAt } u: jurisdictionDashboard(areaId: $u) { generatedAt } }`, {
        a: h.world.gid.area('streetA'),
        u: Buffer.from('Area:00000000-0000-4000-8000-000000000000').toString('base64url'),
      }, token);
      expect(res.body).toEqual({ data: { a: null, u: null } });
    }
  });

  test('given a signed-out viewer, then UNAUTHENTICATED', async () => {
    const res = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetA') });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  test('given 5 and then 50 cases in a jurisdiction, then the dashboard issues the same number of SQL statements', async () => {
    const bulk = (n: number) =>
      h.server.services.db.query(
        `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, due_at, reported_at)
         SELECT 'BULK-2026-' || lpad((i + $3)::text, 6, '0'), (ARRAY['DISPUTE','OTHER','ENVIRONMENT'])[1 + i % 3], 'HOTLINE', 'LOW',
                (ARRAY['REPORTED','TRIAGED'])[1 + i % 2], 'bulk', 'bulk', $1, $2::timestamptz + (i % 5 - 2) * interval '1 day', $2::timestamptz - i * interval '1 hour'
           FROM generate_series(1, $4) AS i`,
        [h.world.areas.communityB.id, NOW, seq * 1000 + n, n],
      );
    await bulk(5);
    const small = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetB') }, h.world.tokens.platformAdmin);
    await bulk(45);
    const large = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetB') }, h.world.tokens.platformAdmin);
    expect(small.body.data.jurisdictionDashboard.cases.open).toBe(6);
    expect(large.body.data.jurisdictionDashboard.cases.open).toBe(51);
    expect(expectSameStatementCount(small, large)).toBeLessThanOrEqual(3);
  });
});

describe('jurisdictionDashboard: patrols, meetings, contracts', () => {
  beforeAll(async () => {
    const q = (sql: string, params: unknown[] = []) => h.server.services.db.query(sql, params);
    const w = h.world;
    const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
    // Patrols: P1 on duty today (cp1, cp2 planned; cp1 checked in, cp2 only by a flagged check-in), P2 later today (cp2, cp3),
    // P3 cancelled today, P4 still on duty since yesterday; P5 on duty in another street.
    const [{ id: team }] = await q(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ('巡防一隊', 'VOLUNTEER', $1, $2) RETURNING id`, [w.orgs.security.id, w.areas.communityA.id]);
    const cps: string[] = [];
    for (const name of ['cp1', 'cp2', 'cp3']) {
      const [{ id }] = await q(`INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, $3, 'GATE', 30.3, 112.25) RETURNING id`, [w.orgs.security.id, w.areas.gridA.id, name]);
      cps.push(id);
    }
    const patrol = async (area: string, start: Date, end: Date, status: string, planned: string[]) => {
      const [{ id }] = await q(
        `INSERT INTO patrol (team_id, area_id, planned_start, planned_end, status, started_at) VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 IN ('ACTIVE','COMPLETED') THEN $3::timestamptz END) RETURNING id`,
        [team, area, start, end, status],
      );
      for (const [i, cp] of planned.entries()) await q(`INSERT INTO patrol_planned_checkpoint (patrol_id, position, checkpoint_id) VALUES ($1, $2, $3)`, [id, i, cp]);
      return id as string;
    };
    const p1 = await patrol(w.areas.communityA.id, at(-1), at(2), 'ACTIVE', [cps[0], cps[1]]);
    await patrol(w.areas.gridA.id, at(3), at(5), 'PLANNED', [cps[1], cps[2]]);
    await patrol(w.areas.communityA.id, at(1), at(2), 'CANCELLED', [cps[0]]);
    await patrol(w.areas.communityA.id, at(-26), at(-20), 'ACTIVE', []);
    await patrol(w.areas.communityB.id, at(-1), at(1), 'ACTIVE', []);
    const checkIn = (cp: string, device: string, flagged: boolean) =>
      q(`INSERT INTO patrol_event (patrol_id, team_id, device_id, client_event_id, kind, device_time, received_at, checkpoint_id, flagged, flag_reason, flags, proof)
         VALUES ($1, $2, 'phone-1', $3, 'CHECKPOINT', $4, $4, $5, $6, CASE WHEN $6 THEN 'too far from the checkpoint' END,
                 CASE WHEN $6 THEN ARRAY['FAR_FROM_CHECKPOINT'] ELSE '{}' END, CASE WHEN NOT $6 THEN 'LOCATION' END)`, [p1, team, device, at(-0.5), cp, flagged]);
    await checkIn(cps[0], 'e1', false);
    await checkIn(cps[0], 'e2', false);
    await checkIn(cps[1], 'e3', true);

    // Meetings: one upcoming within 30 days, one beyond; a concluded one with an overdue, an open and a done action item; another street's overdue item.
    const meeting = async (area: string, startsIn: number, status: string) => {
      const [{ id }] = await q(
        `INSERT INTO meeting (convener_organization_id, area_id, title, starts_at, ends_at, status, concluded_at) VALUES ($1, $2, '治安聯席會議', $3, $4, $5, CASE WHEN $5 = 'CONCLUDED' THEN $4::timestamptz END) RETURNING id`,
        [w.orgs.police.id, area, at(startsIn), at(startsIn + 2), status],
      );
      return id as string;
    };
    await meeting(w.areas.communityA.id, 48, 'SCHEDULED');
    await meeting(w.areas.streetA.id, 40 * 24, 'SCHEDULED');
    const past = await meeting(w.areas.communityA.id, -240, 'CONCLUDED');
    const other = await meeting(w.areas.communityB.id, -240, 'CONCLUDED');
    const action = async (m: string, dueOn: string, status: string) => {
      const [{ id: item }] = await q(`INSERT INTO agenda_item (meeting_id, position, title, proposed_by_organization_id, presenter_organization_id) VALUES ($1, (SELECT count(*) + 1 FROM agenda_item WHERE meeting_id = $1), '議題', $2, $2) RETURNING id`, [m, w.orgs.police.id]);
      await q(`INSERT INTO action_item (meeting_id, agenda_item_id, title, responsible_organization_id, leader_user_id, handler_user_id, due_on, status, completed_at)
               VALUES ($1, $2, '落實', $3, $4, $5, $6, $7, CASE WHEN $7 = 'DONE' THEN now() END)`, [m, item, w.orgs.community.id, w.users.communityAdmin.id, w.users.communityMember.id, dueOn, status]);
    };
    await action(past, '2026-11-19', 'OPEN');
    await action(past, '2026-11-21', 'IN_PROGRESS');
    await action(past, '2026-11-01', 'DONE');
    await action(other, '2026-11-01', 'OPEN');

    // Contracts: active ending in 10 days (community scope), active ending in 100 days (district scope, above the street), expired, and another street's.
    const contract = async (status: string, endsOn: string, area: string) => {
      const [{ id }] = await q(`INSERT INTO contract (title, status, starts_on, ends_on, fee_minor, currency, payment_schedule, created_by_organization_id) VALUES ('安防承包', $1, '2026-01-01', $2, 100000, 'CNY', 'MONTHLY', $3) RETURNING id`, [status, endsOn, w.orgs.community.id]);
      await q(`INSERT INTO contract_area (contract_id, area_id) VALUES ($1, $2)`, [id, area]);
    };
    await contract('ACTIVE', '2026-11-30', w.areas.communityA.id);
    await contract('ACTIVE', '2027-02-28', w.areas.district.id);
    await contract('EXPIRED', '2026-11-25', w.areas.communityA.id);
    await contract('ACTIVE', '2026-11-25', w.areas.communityB.id);
  });

  test('given patrols, meetings and contracts around street A, when the police station opens the dashboard, then their figures match the hand count', async () => {
    const res = await gql(h.server.httpUrl, DASHBOARD, { area: h.world.gid.area('streetA') }, h.world.tokens.policeLiaison);
    const d = res.body.data.jurisdictionDashboard;
    expect(d.patrols).toEqual({ onDuty: 2, plannedToday: 2, checkpointsPlannedToday: 3, checkpointsVisitedToday: 1, checkpointCoverage: 1 / 3 });
    expect(d.meetings).toEqual({ upcomingNext30Days: 1, overdueActionItems: 1, openActionItems: 2 });
    expect(d.contracts).toEqual({ active: 2, expiringWithin30Days: 1 });
  });
});

describe('unitPerformance', () => {
  const period = { from: '2026-10-21', to: '2026-11-20' };

  test('given a minimum sample of 2, then the community is ranked and the police station, with one case, is listed unranked after it', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), ...period, min: 2 }, h.world.tokens.policeLiaison);
    // Community: resolved 2 (1 on time), 2 open both overdue, and (as the deepest jurisdiction over grid A) the unassigned
    // REPORTED case, not yet due. Judged: 2 + 2 + 0 = 4, on time 1/4. Police: resolved 1, late; judged 1.
    expect(res.body.data.unitPerformance).toEqual({
      totalCount: 2,
      nodes: [
        {
          organization: { id: h.world.gid.org('community') }, casesHandled: 2, resolvedOnTime: 1, onTimeRate: 0.25, medianHoursToResolve: 72,
          openCases: 2, overdueOpenCases: 2, unassignedCases: 1, unassignedOverdueCases: 0, casesJudged: 4, sufficientSample: true, rank: 1,
        },
        {
          organization: { id: h.world.gid.org('police') }, casesHandled: 1, resolvedOnTime: 0, onTimeRate: 0, medianHoursToResolve: 48,
          openCases: 0, overdueOpenCases: 0, unassignedCases: 0, unassignedOverdueCases: 0, casesJudged: 1, sufficientSample: false, rank: null,
        },
      ],
    });
  });

  test('given the default minimum of 5, then no unit is ranked', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), ...period }, h.world.tokens.policeLiaison);
    expect(res.body.data.unitPerformance.nodes.map((n: { rank: number | null; sufficientSample: boolean }) => [n.rank, n.sufficientSample])).toEqual([[null, false], [null, false]]);
  });

  test('given a period that excludes the resolutions, then the list is empty', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), from: '2026-01-01', to: '2026-01-31', min: 1 }, h.world.tokens.policeLiaison);
    expect(res.body.data.unitPerformance).toEqual({ totalCount: 0, nodes: [] });
  });

  test('given an unrelated organisation, then null', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), ...period }, h.world.tokens.outsider);
    expect(res.body).toEqual({ data: { unitPerformance: null } });
  });
});
