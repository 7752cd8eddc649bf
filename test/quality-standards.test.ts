import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { activeContract, dayOffset } from './support/contracts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const firstOfMonth = (date: string, monthsBack: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1)).toISOString().slice(0, 10);
};
/** hh:mm China Standard Time on a day `days` after a date. */
const cst = (date: string, days: number, hh: number, mm = 0) => new Date(Date.parse(`${date}T00:00:00+08:00`) + days * 86_400_000 + (hh * 60 + mm) * 60_000);

const CREATE = `mutation ($input: QualityStandardCreateInput!) { qualityStandardCreate(input: $input) { standard { id name breachMonths organization { name } } userErrors { field code } } }`;
const ADOPT = `mutation ($input: ContractQualityStandardAdoptInput!) { contractQualityStandardAdopt(input: $input) { contract { id suspendOnQualityBreach qualityStandard { id } } userErrors { field code } } }`;
const EVALUATE = `mutation ($input: QualityStandardEvaluateInput!) {
  qualityStandardEvaluate(input: $input) {
    evaluations { month belowTarget consecutiveMonthsBelow breach provider { name } figures { levelsMet levelsAssessed casesAssigned casesLate residentRatings residentRatingAverage } }
    userErrors { field code }
  }
}`;

let sequence = 0;
/** A case of the provider, rated by its reporter, written straight into the store. */
async function ratedCase(reportedAt: Date, startedAfterMinutes: number, rating: number): Promise<void> {
  const handler = h.world.users.securityAdmin.id;
  await h.server.services.db.query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, responsible_organization_id, leader_user_id, handler_user_id,
                              due_at, reported_at, assigned_at, started_at, resolved_at, closed_at, satisfaction, reporter_user_id)
     VALUES ($1, 'PUBLIC_SECURITY', 'HOTLINE', 'MEDIUM', 'CLOSED', '單元門損壞', '單元門禁損壞', $2, $3, $4, $4,
             $5::timestamptz + interval '3 days', $5, $5, $5::timestamptz + make_interval(mins => $6), $5::timestamptz + interval '1 day', $5::timestamptz + interval '1 day', $7, $8)`,
    [`TEST-QS-${++sequence}-${randomUUID().slice(0, 6)}`, h.world.areas.gridA.id, h.world.orgs.security.id, handler, reportedAt, startedAfterMinutes, rating, h.world.users.resident.id],
  );
}

describe('quality standards of the supervising police station', () => {
  test('given a standard adopted with suspension on breach, when two months in a row fall below target, then the second evaluation is a breach and the contract is suspended', async () => {
    const m1 = firstOfMonth(dayOffset(0), 2);
    const m2 = firstOfMonth(dayOffset(0), 1);
    const created = await gql(
      h.server.httpUrl,
      CREATE,
      {
        input: {
          organizationId: h.world.gid.org('police'),
          areaId: h.world.gid.area('streetA'),
          name: '中山路派出所保安服務質量標準',
          serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 1 }, { metric: 'RESPONSE_MINUTES', target: 30 }],
          minimumResidentRating: 3.5,
          breachMonths: 2,
        },
      },
      h.world.tokens.policeAdmin,
    );
    expect(created.body.data.qualityStandardCreate).toMatchObject({ standard: { breachMonths: 2, organization: { name: '中山路派出所' } }, userErrors: [] });
    const standardId = created.body.data.qualityStandardCreate.standard.id;

    const contract = await activeContract(h, { startsOn: m1, serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 4, period: 'MONTH' }] });
    const byProvider = await gql(h.server.httpUrl, ADOPT, { input: { contractId: contract.id, standardId, suspendOnBreach: false } }, h.world.tokens.securityAdmin);
    expect(byProvider.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const adopted = await gql(h.server.httpUrl, ADOPT, { input: { contractId: contract.id, standardId, suspendOnBreach: true } }, h.world.tokens.communityAdmin);
    expect(adopted.body.data.contractQualityStandardAdopt).toMatchObject({ contract: { suspendOnQualityBreach: true, qualityStandard: { id: standardId } }, userErrors: [] });

    // Month 1: one case started after 20 minutes, rated 2 by its reporter. Month 2: one after 5 minutes, rated 5. No patrol in either.
    await ratedCase(cst(m1, 4, 10), 20, 2);
    await ratedCase(cst(m2, 6, 15), 5, 5);

    const evaluate = (month: string, token = h.world.tokens.policeLiaison) => gql(h.server.httpUrl, EVALUATE, { input: { standardId, month } }, token);
    expect((await evaluate(m1, h.world.tokens.securityAdmin)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const current = await evaluate(dayOffset(0));
    if (!current.body.data) throw new Error(JSON.stringify(current.body));
    expect(current.body.data.qualityStandardEvaluate.userErrors).toEqual([{ field: ['input', 'month'], code: 'OUT_OF_RANGE' }]);

    const first = (await evaluate(m1)).body.data.qualityStandardEvaluate;
    // Patrols 0 < 1 missed, response 20 <= 30 met: 1 of 2; average rating 2 < 3.5. Below target, first month: no breach.
    expect(first).toEqual({
      evaluations: [
        {
          month: m1,
          belowTarget: true,
          consecutiveMonthsBelow: 1,
          breach: false,
          provider: { name: '沙市保安服務公司' },
          figures: { levelsMet: 1, levelsAssessed: 2, casesAssigned: 1, casesLate: 0, residentRatings: 1, residentRatingAverage: 2 },
        },
      ],
      userErrors: [],
    });
    const stillActive = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { status } }`, { id: contract.id }, h.world.tokens.communityAdmin);
    expect(stillActive.body.data.contract.status).toBe('ACTIVE');

    const second = (await evaluate(m2)).body.data.qualityStandardEvaluate;
    // Rated 5 now, but the patrol level is still missed: the second month running below target is the breach.
    expect(second.evaluations).toEqual([
      expect.objectContaining({ month: m2, belowTarget: true, consecutiveMonthsBelow: 2, breach: true, figures: { levelsMet: 1, levelsAssessed: 2, casesAssigned: 1, casesLate: 0, residentRatings: 1, residentRatingAverage: 5 } }),
    ]);
    const after = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { status statusReason qualityEvaluations { month breach } } }`, { id: contract.id }, h.world.tokens.securityAdmin);
    expect(after.body.data.contract).toMatchObject({ status: 'SUSPENDED', qualityEvaluations: [{ month: m2, breach: true }, { month: m1, breach: false }] });
    expect(after.body.data.contract.statusReason).toContain('連續2個月未達標');
  });

  test('given someone other than a police station ADMIN, or an area outside its jurisdiction, then the standard is refused', async () => {
    const input = { organizationId: h.world.gid.org('police'), areaId: h.world.gid.area('streetA'), name: '標準', serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 1 }], breachMonths: 2 };
    const byCommunity = await gql(h.server.httpUrl, CREATE, { input: { ...input, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityAdmin);
    const byLiaison = await gql(h.server.httpUrl, CREATE, { input }, h.world.tokens.policeLiaison);
    const outside = await gql(h.server.httpUrl, CREATE, { input: { ...input, areaId: h.world.gid.area('streetB') } }, h.world.tokens.policeAdmin);
    const custom = await gql(h.server.httpUrl, CREATE, { input: { ...input, serviceLevels: [{ metric: 'CUSTOM', target: 1 }] } }, h.world.tokens.policeAdmin);
    expect(byCommunity.body.data.qualityStandardCreate.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'NOT_PERMITTED_HERE' }]);
    expect(byLiaison.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(outside.body.data.qualityStandardCreate.userErrors).toEqual([{ field: ['input', 'areaId'], code: 'NOT_PERMITTED_HERE' }]);
    expect(custom.body.data.qualityStandardCreate.userErrors).toEqual([{ field: ['input', 'serviceLevels', '0', 'metric'], code: 'INVALID' }]);
  });
});
