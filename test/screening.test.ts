import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';
import { toGlobalId } from '../src/shared/relay/global-id';

let h: Harness;
let communityC: { id: string; gid: string };
beforeAll(async () => {
  h = await startHarness();
  // A second community in the police station's street, with no committee of its own on the platform.
  const id = randomUUID();
  const street = h.world.areas.streetA;
  await h.server.services.db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth) VALUES ($1, '崇文街社區', 'COMMUNITY', $2, $3, $4)`, [id, street.id, `${street.path}${id}/`, street.depth + 1]);
  communityC = { id, gid: toGlobalId('Area', id) };
}, 120_000);
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

/** Wednesday 11 March 2026, noon China Standard Time: the current week began Monday 9 March. */
const NOW = new Date('2026-03-11T04:00:00Z');

const RECORD = `mutation ($input: ScreeningRoundRecordInput!) {
  screeningRoundRecord(input: $input) { round { id frequency periodStartsOn periodEndsOn nilReturn screenedBy { name } disputesFound { id } } userErrors { field code } }
}`;
const DECLARE = `mutation ($input: ScreeningSpecialPeriodDeclareInput!) {
  screeningSpecialPeriodDeclare(input: $input) { specialPeriod { id name startsOn endsOn declaredBy { name } } userErrors { field code } }
}`;
const DASHBOARD = `query ($areaId: ID!) {
  jurisdictionDashboard(areaId: $areaId) {
    screening { windowStartsOn windowEndsOn communities returnsDue returnsFiled nilReturns disputesFound missingCount missing { frequency startsOn endsOn area { name } } }
  }
}`;

let sequence = 0;
async function dispute(areaId: string, category = 'DISPUTE'): Promise<string> {
  const [row] = await h.server.services.db.query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, due_at, reported_at)
     VALUES ($1, $2, 'WALK_IN', 'HIGH', 'REPORTED', '鄰里漏水糾紛', '樓上漏水，雙方爭執', $3, '2026-03-20T00:00:00Z', '2026-02-10T02:00:00Z') RETURNING id`,
    [`TEST-SCR-${++sequence}-${randomUUID().slice(0, 6)}`, category, areaId],
  );
  return toGlobalId('Case', row.id);
}

async function record(token: string, input: Record<string, unknown>) {
  const response = await gql(h.server.httpUrl, RECORD, { input }, token);
  return response;
}

describe('dispute screening rounds', () => {
  test('given weekly and special-period returns, some nil, some missing, then the liaison dashboard counts them as hand-computed and lists the missing ones', async () => {
    clock.freeze(NOW);
    const A = h.world.gid.area('communityA');
    const caseX = await dispute(h.world.areas.communityA.id);
    const caseY = await dispute(communityC.id);

    const declared = await gql(h.server.httpUrl, DECLARE, { input: { areaId: h.world.gid.area('streetA'), name: '全國兩會', startsOn: '2026-03-04', endsOn: '2026-03-06' } }, h.world.tokens.policeAdmin);
    expect(declared.body.data.screeningSpecialPeriodDeclare).toMatchObject({ specialPeriod: { name: '全國兩會', declaredBy: { name: '中山路派出所' } }, userErrors: [] });

    // 三板橋 (its committee files): four weeks, one dispute and three nil returns; two of the three special days.
    const filedA = [
      { frequency: 'WEEKLY', periodOf: '2026-02-11', nilReturn: false, caseIds: [caseX] },
      { frequency: 'WEEKLY', periodOf: '2026-02-16', nilReturn: true },
      { frequency: 'WEEKLY', periodOf: '2026-02-27', nilReturn: true },
      { frequency: 'WEEKLY', periodOf: '2026-03-02', nilReturn: true },
      { frequency: 'DAILY', periodOf: '2026-03-04', nilReturn: true },
      { frequency: 'DAILY', periodOf: '2026-03-05', nilReturn: true },
    ];
    for (const input of filedA) {
      const response = await record(h.world.tokens.communityAdmin, { areaId: A, screeners: '網格員 李娟', ...input });
      expect(response.body.data.screeningRoundRecord.userErrors).toEqual([]);
    }
    // 崇文街 (the station files for it): two of four weeks, no special day.
    for (const input of [
      { frequency: 'WEEKLY', periodOf: '2026-02-09', nilReturn: true },
      { frequency: 'WEEKLY', periodOf: '2026-03-08', nilReturn: false, caseIds: [caseY] },
    ]) {
      const response = await record(h.world.tokens.policeLiaison, { areaId: communityC.gid, ...input });
      expect(response.body.data.screeningRoundRecord).toMatchObject({ round: { screenedBy: { name: '中山路派出所' } }, userErrors: [] });
    }

    const { body } = await gql(h.server.httpUrl, DASHBOARD, { areaId: h.world.gid.area('streetA') }, h.world.tokens.policeLiaison);
    expect(body.errors).toBeUndefined();
    const screening = body.data.jurisdictionDashboard.screening;
    // Window: the four complete weeks 9 Feb - 8 Mar and this week's days before today. Due: 2 communities x 4 weeks + 2 x 3 special days = 14.
    // Filed: 6 + 2 = 8, of which nil 3 + 2 + 1 = 6; disputes X and Y.
    expect({ ...screening, missing: undefined }).toEqual({
      windowStartsOn: '2026-02-09',
      windowEndsOn: '2026-03-10',
      communities: 2,
      returnsDue: 14,
      returnsFiled: 8,
      nilReturns: 6,
      disputesFound: 2,
      missingCount: 6,
      missing: undefined,
    });
    const missing = screening.missing.map((m: any) => `${m.startsOn} ${m.frequency} ${m.area.name}`).sort();
    expect(missing).toEqual([
      '2026-02-16 WEEKLY 崇文街社區',
      '2026-02-23 WEEKLY 崇文街社區',
      '2026-03-04 DAILY 崇文街社區',
      '2026-03-05 DAILY 崇文街社區',
      '2026-03-06 DAILY 三板橋社區',
      '2026-03-06 DAILY 崇文街社區',
    ]);

    const rounds = await gql(
      h.server.httpUrl,
      `query ($areaId: ID!) { screeningRounds(areaId: $areaId, from: "2026-02-09", to: "2026-02-15") { totalCount nodes { area { name } nilReturn disputesFound { id } majorDisputesWithoutResponsible } } }`,
      { areaId: h.world.gid.area('streetA') },
      h.world.tokens.policeLiaison,
    );
    const found = rounds.body.data.screeningRounds.nodes.map((n: any) => [n.area.name, n.nilReturn, n.disputesFound.map((c: any) => c.id), n.majorDisputesWithoutResponsible]).sort();
    // The HIGH dispute X has no responsible unit, leader or handler yet: 五個一 are not in place.
    expect(found).toEqual([
      ['三板橋社區', false, [caseX], 1],
      ['崇文街社區', true, [], 0],
    ]);
    const outsider = await gql(h.server.httpUrl, `query ($areaId: ID!) { screeningRounds(areaId: $areaId, from: "2026-02-09", to: "2026-03-10") { totalCount } }`, { areaId: h.world.gid.area('streetA') }, h.world.tokens.outsider);
    expect(outsider.body.data.screeningRounds).toBeNull();
  });

  test('given returns that break the rules, then each is refused with its code; outsiders are FORBIDDEN, the signed-out UNAUTHENTICATED', async () => {
    clock.freeze(NOW);
    const A = h.world.gid.area('communityA');
    const caseX = await dispute(h.world.areas.communityA.id);
    const security = await dispute(h.world.areas.communityA.id, 'PUBLIC_SECURITY');
    const elsewhere = await dispute(h.world.areas.communityB.id);
    const codes = async (input: Record<string, unknown>, token = h.world.tokens.communityAdmin) => {
      const response = await record(token, { areaId: A, frequency: 'WEEKLY', periodOf: '2026-01-12', ...input });
      return response.body.errors?.[0]?.extensions?.code ?? response.body.data.screeningRoundRecord.userErrors.map((e: any) => `${e.field.slice(1).join('.')}:${e.code}`).join(',');
    };
    expect(await codes({ nilReturn: true, caseIds: [caseX] })).toBe('caseIds:INVALID');
    expect(await codes({ nilReturn: false })).toBe('caseIds:REQUIRED');
    expect(await codes({ nilReturn: false, caseIds: [security] })).toBe('caseIds.0:INVALID');
    expect(await codes({ nilReturn: false, caseIds: [elsewhere] })).toBe('caseIds.0:NOT_FOUND');
    expect(await codes({ nilReturn: true, frequency: 'DAILY' })).toBe('frequency:INVALID');
    expect(await codes({ nilReturn: true, periodOf: '2026-03-16' })).toBe('periodOf:OUT_OF_RANGE');
    expect(await codes({ nilReturn: true, areaId: h.world.gid.area('gridA') })).toBe('areaId:INVALID');
    expect(await codes({ nilReturn: true }, h.world.tokens.outsider)).toBe('FORBIDDEN');
    expect(await codes({ nilReturn: true }, h.world.tokens.communityObserver)).toBe('FORBIDDEN');
    expect(await codes({ nilReturn: true }, null as never)).toBe('UNAUTHENTICATED');
    expect(await codes({ nilReturn: true })).toBe('');
    expect(await codes({ nilReturn: true, periodOf: '2026-01-18' })).toBe('periodOf:DUPLICATE');
  });
});
