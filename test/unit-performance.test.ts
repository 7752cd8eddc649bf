import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';

/**
 * Unit measures that leaving work undone cannot improve. Hand-built cases in
 * street A (police jurisdiction) and community A / grid A (the community's
 * jurisdiction, the deepest there, so the community dispatches those cases).
 */
let h: Harness;
const NOW = new Date('2026-11-20T04:00:00.000Z'); // 12:00 China Standard Time
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
let seq = 0;

interface Row {
  area: 'streetA' | 'communityA' | 'gridA';
  status: string;
  reportedAt: Date;
  dueAt: Date;
  responsible?: 'community' | 'police';
  assignedAt?: Date;
  resolvedAt?: Date;
  events?: [string, Date][];
}

async function insertCase(row: Row): Promise<string> {
  const w = h.world;
  const id = randomUUID();
  const org = row.responsible ? w.orgs[row.responsible].id : null;
  const people = row.responsible === 'police' ? [w.users.policeAdmin.id, w.users.policeLiaison.id] : [w.users.communityAdmin.id, w.users.communityMember.id];
  await h.server.services.db.query(
    `INSERT INTO case_record (id, reference, category, channel, severity, status, title, description, area_id, reporter_user_id,
        responsible_organization_id, leader_user_id, handler_user_id, due_at, reported_at, assigned_at, resolved_at)
     VALUES ($1, $2, 'DISPUTE', 'HOTLINE', 'MEDIUM', $3, 'fixture', 'fixture', $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [id, `UNIT-2026-${String(++seq).padStart(6, '0')}`, row.status, w.areas[row.area].id, w.users.resident.id, org, org ? people[0] : null, org ? people[1] : null, row.dueAt, row.reportedAt, row.assignedAt ?? null, row.resolvedAt ?? null],
  );
  for (const [type, at] of row.events ?? []) {
    await h.server.services.db.query(`INSERT INTO case_event (case_id, type, visibility, status_after, occurred_at) VALUES ($1, $2, 'PUBLIC', $3, $4)`, [id, type, row.status, at]);
  }
  return id;
}

const PERFORMANCE = `query ($area: ID!, $from: LocalDate!, $to: LocalDate!, $min: Int) {
  unitPerformance(areaId: $area, from: $from, to: $to, minimumSample: $min) {
    totalCount
    nodes { organization { name } casesHandled resolvedOnTime openCases overdueOpenCases unassignedCases unassignedOverdueCases
            casesDispatched medianHoursToFirstDispatch resolutions reopenings reopenRate casesJudged onTimeRate sufficientSample rank }
  }
}`;

beforeAll(async () => {
  h = await startHarness();
  // The community: one case resolved on time, and nine assigned to it left open past their due dates, each assigned
  // 2 h (five of them) or 6 h (four) after the report. Two grid cases nobody assigned, overdue: against the community as dispatcher.
  await insertCase({ area: 'communityA', status: 'RESOLVED', reportedAt: ago(10 * DAY), dueAt: ago(5 * DAY), responsible: 'community', assignedAt: ago(10 * DAY - 2 * HOUR), resolvedAt: ago(6 * DAY), events: [['RESOLVED', ago(6 * DAY)]] });
  for (let i = 0; i < 9; i++) {
    const reportedAt = ago((20 + i) * DAY);
    await insertCase({ area: 'communityA', status: 'ASSIGNED', reportedAt, dueAt: ago(3 * DAY), responsible: 'community', assignedAt: new Date(reportedAt.getTime() + (i < 5 ? 2 : 6) * HOUR) });
  }
  await insertCase({ area: 'gridA', status: 'REPORTED', reportedAt: ago(8 * DAY), dueAt: ago(DAY) });
  await insertCase({ area: 'gridA', status: 'TRIAGED', reportedAt: ago(9 * DAY), dueAt: ago(2 * DAY) });
  // The police station, responsible for four street cases resolved in the period, three on time; one of them was resolved,
  // reopened and resolved again (5 resolutions, 1 reopening). One street case unassigned and not yet due: against the police.
  for (let i = 0; i < 4; i++) {
    const events: [string, Date][] = [['RESOLVED', ago((3 + i) * DAY)]];
    if (i === 0) events.unshift(['RESOLVED', ago(8 * DAY)], ['REOPENED', ago(7 * DAY)]);
    await insertCase({ area: 'streetA', status: 'RESOLVED', reportedAt: ago(12 * DAY), dueAt: i < 3 ? ago(DAY) : ago(10 * DAY), responsible: 'police', resolvedAt: ago((3 + i) * DAY), events });
  }
  await insertCase({ area: 'streetA', status: 'REPORTED', reportedAt: ago(DAY), dueAt: new Date(NOW.getTime() + DAY) });
});
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});
beforeEach(() => clock.freeze(NOW));

describe('unitPerformance counts open, overdue and unassigned cases', () => {
  test('given a committee with nine overdue open cases and one resolved on time, then it ranks below a station that resolved three of four on time', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), from: '2026-10-01', to: '2026-11-20', min: 1 }, h.world.tokens.policeLiaison);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.unitPerformance).toEqual({
      totalCount: 2,
      nodes: [
        {
          organization: { name: '中山路派出所' },
          casesHandled: 4, resolvedOnTime: 3, openCases: 0, overdueOpenCases: 0, unassignedCases: 1, unassignedOverdueCases: 0,
          casesDispatched: 0, medianHoursToFirstDispatch: null, resolutions: 5, reopenings: 1, reopenRate: 0.2,
          // judged 4 + 0 + 0 = 4; on time 3/4
          casesJudged: 4, onTimeRate: 0.75, sufficientSample: true, rank: 1,
        },
        {
          organization: { name: '三板橋社區居委會' },
          casesHandled: 1, resolvedOnTime: 1, openCases: 9, overdueOpenCases: 9, unassignedCases: 2, unassignedOverdueCases: 2,
          // dispatch delays of the ten assigned community cases: six of 2 h, four of 6 h; median 2 h
          casesDispatched: 10, medianHoursToFirstDispatch: 2, resolutions: 1, reopenings: 0, reopenRate: 0,
          // judged 1 + 9 + 2 = 12; on time 1/12
          casesJudged: 12, onTimeRate: 1 / 12, sufficientSample: true, rank: 2,
        },
      ],
    });
  });

  test('given a minimum sample of 5, then the station, judged on four cases, is listed unranked after the community', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), from: '2026-10-01', to: '2026-11-20', min: 5 }, h.world.tokens.policeLiaison);
    expect(res.body.data.unitPerformance.nodes.map((n: any) => [n.organization.name, n.casesJudged, n.rank, n.sufficientSample])).toEqual([
      ['三板橋社區居委會', 12, 1, true],
      ['中山路派出所', 4, null, false],
    ]);
  });

  test('given a period that ended 15 days ago, then cases are judged open or overdue as of its end', async () => {
    // To 2026-11-04 (end 2026-11-05 00:00 CST): the nine community cases (reported 20-28 days ago) were open, due only 3 days ago: not overdue then.
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), from: '2026-10-01', to: '2026-11-04', min: 1 }, h.world.tokens.policeLiaison);
    const community = res.body.data.unitPerformance.nodes.find((n: any) => n.organization.name === '三板橋社區居委會');
    expect(community).toMatchObject({ casesHandled: 0, openCases: 9, overdueOpenCases: 0, unassignedCases: 0, casesJudged: 0, onTimeRate: null, rank: null });
  });

  test('given a signed-out viewer, then UNAUTHENTICATED', async () => {
    const res = await gql(h.server.httpUrl, PERFORMANCE, { area: h.world.gid.area('streetA'), from: '2026-10-01', to: '2026-11-20' });
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
