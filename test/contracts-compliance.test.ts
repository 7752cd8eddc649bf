import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { activeContract, dayOffset, noonOn } from './support/contracts';
import { clock } from '../src/shared/clock';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

/** An instant at hh:mm China Standard Time on a calendar date. */
const cst = (date: string, hh: number, mm = 0) => new Date(Date.parse(`${date}T00:00:00+08:00`) + (hh * 60 + mm) * 60_000);

const COMPLIANCE = `query ($id: ID!, $from: LocalDate!, $to: LocalDate!) {
  contract(id: $id) {
    compliance(from: $from, to: $to) {
      serviceLevels {
        metric measurement description target periodsMet periodsAssessed
        periods { startsOn endsOn achieved met complete count withinTargetCount assessment { met achieved note assessedBy { name } } }
        assessments { met achieved }
      }
    }
  }
}`;

const RECORD = `mutation ($input: ServiceLevelAssessmentRecordInput!) {
  serviceLevelAssessmentRecord(input: $input) { assessment { id startsOn endsOn met achieved note assessedBy { name } } userErrors { field code } }
}`;

let sequence = 0;
/** A case written straight into the store, as the case module would have left it. */
async function handBuiltCase(c: { area: 'communityA' | 'communityB'; org: 'security' | 'community'; reportedAt: Date; startedAt: Date | null; mergedIntoId?: string }): Promise<string> {
  const handler = h.world.users.securityAdmin.id;
  const [row] = await h.server.services.db.query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, responsible_organization_id, leader_user_id, handler_user_id,
                              due_at, reported_at, assigned_at, started_at, merged_into_id)
     VALUES ($1, 'PUBLIC_SECURITY', 'HOTLINE', 'MEDIUM', $2, '門禁損壞', '東門門禁損壞', $3, $4, $5, $5, $6::timestamptz + interval '3 days', $6, $6, $7, $8) RETURNING id`,
    [
      `TEST-RESP-${++sequence}-${randomUUID().slice(0, 6)}`,
      c.mergedIntoId ? 'CLOSED' : c.startedAt ? 'IN_PROGRESS' : 'ASSIGNED',
      h.world.areas[c.area].id,
      h.world.orgs[c.org].id,
      handler,
      c.reportedAt,
      c.startedAt,
      c.mergedIntoId ?? null,
    ],
  );
  return row.id;
}

describe('contract.compliance: response time', () => {
  test('given hand-built cases assigned to the provider, then each day shows the 90th-percentile report-to-start minutes of its cases, an unstarted case counting with the time elapsed', async () => {
    const dayD = dayOffset(-2);
    const dayE = dayOffset(-1);
    const contract = await activeContract(h, { serviceLevels: [{ metric: 'RESPONSE_MINUTES', target: 10, period: 'DAY' }] });
    // Day D, in scope and assigned to the provider: 4, 12 and 7 minutes, and one never started.
    const first = await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayD, 9), startedAt: cst(dayD, 9, 4) });
    await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayD, 10), startedAt: cst(dayD, 10, 12) });
    await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayD, 11), startedAt: cst(dayD, 11, 7) });
    await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayD, 12), startedAt: null });
    // Not the provider's, outside the scope, or a merged duplicate: none of them counts.
    await handBuiltCase({ area: 'communityA', org: 'community', reportedAt: cst(dayD, 9), startedAt: cst(dayD, 13) });
    await handBuiltCase({ area: 'communityB', org: 'security', reportedAt: cst(dayD, 9), startedAt: cst(dayD, 13) });
    await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayD, 9), startedAt: null, mergedIntoId: first });
    // Day E: one case, 9 minutes.
    await handBuiltCase({ area: 'communityA', org: 'security', reportedAt: cst(dayE, 8), startedAt: cst(dayE, 8, 9) });

    // At noon on day E the unstarted case of day D has waited 24 hours: 1,440 minutes.
    clock.freeze(noonOn(dayE));
    const { body } = await gql(h.server.httpUrl, COMPLIANCE, { id: contract.id, from: dayD, to: dayE }, h.world.tokens.communityAdmin);
    expect(body.errors).toBeUndefined();
    const [response] = body.data.contract.compliance.serviceLevels;
    // Day D: [4, 7, 12, 1440]; nearest rank of the 90th percentile of 4 is the 4th: 1,440 > 10, not met; 2 within 10 minutes.
    expect(response).toMatchObject({ metric: 'RESPONSE_MINUTES', measurement: 'COMPUTED', target: 10, periodsMet: 0, periodsAssessed: 1, assessments: [] });
    expect(response.periods).toEqual([
      { startsOn: dayD, endsOn: dayD, achieved: 1440, met: false, complete: true, count: 4, withinTargetCount: 2, assessment: null },
      { startsOn: dayE, endsOn: dayE, achieved: 9, met: true, complete: false, count: 1, withinTargetCount: 1, assessment: null },
    ]);
  });
});

describe('contract.compliance: CUSTOM service levels are manually assessed by the client', () => {
  test('given a CUSTOM level, when the client records and corrects an assessment, then compliance shows it as manually assessed with the entries; the provider and an observer are refused', async () => {
    // A Wednesday about 40 days back: the day after it is then no week's start (weeks begin on Monday), whatever today is.
    const back = dayOffset(-40);
    const startsOn = dayOffset(-((new Date(`${back}T00:00:00Z`).getUTCDay() + 4) % 7), back);
    const contract = await activeContract(h, {
      startsOn,
      serviceLevels: [
        { metric: 'PATROLS_PER_DAY', target: 1, period: 'MONTH' },
        { metric: 'CUSTOM', target: 1, period: 'WEEK', description: '每週向居民公開巡邏記錄一次' },
      ],
    });
    const input = { contractId: contract.id, serviceLevelPosition: 1, periodStartsOn: startsOn, met: false, achieved: 0, note: '未見公開' };

    const provider = await gql(h.server.httpUrl, RECORD, { input }, h.world.tokens.securityAdmin);
    const observer = await gql(h.server.httpUrl, RECORD, { input }, h.world.tokens.communityObserver);
    const signedOut = await gql(h.server.httpUrl, RECORD, { input });
    expect([provider, observer, signedOut].map((r) => r.body.errors?.[0]?.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'UNAUTHENTICATED']);

    const computed = await gql(h.server.httpUrl, RECORD, { input: { ...input, serviceLevelPosition: 0 } }, h.world.tokens.communityAdmin);
    const notAStart = await gql(h.server.httpUrl, RECORD, { input: { ...input, periodStartsOn: dayOffset(1, startsOn) } }, h.world.tokens.communityAdmin);
    expect(computed.body.data.serviceLevelAssessmentRecord.userErrors).toEqual([{ field: ['input', 'serviceLevelPosition'], code: 'INVALID' }]);
    expect(notAStart.body.data.serviceLevelAssessmentRecord.userErrors).toEqual([{ field: ['input', 'periodStartsOn'], code: 'OUT_OF_RANGE' }]);

    const recorded = await gql(h.server.httpUrl, RECORD, { input }, h.world.tokens.communityAdmin);
    expect(recorded.body.data.serviceLevelAssessmentRecord).toMatchObject({ assessment: { startsOn, met: false, achieved: 0, assessedBy: { name: '三板橋社區居委會' } }, userErrors: [] });
    const corrected = await gql(h.server.httpUrl, RECORD, { input: { ...input, met: true, achieved: 1, note: '公告欄已張貼' } }, h.world.tokens.communityMember);
    expect(corrected.body.data.serviceLevelAssessmentRecord.userErrors).toEqual([]);

    const { body } = await gql(h.server.httpUrl, COMPLIANCE, { id: contract.id, from: startsOn, to: dayOffset(13, startsOn) }, h.world.tokens.securityAdmin);
    expect(body.errors).toBeUndefined();
    const custom = body.data.contract.compliance.serviceLevels.find((l: any) => l.metric === 'CUSTOM');
    expect(custom).toMatchObject({ measurement: 'MANUALLY_ASSESSED', description: '每週向居民公開巡邏記錄一次', assessments: [{ met: false, achieved: 0 }, { met: true, achieved: 1 }] });
    // The first (possibly short) week is assessed, the latest entry counting; the next one is not, and counts neither way.
    const [week1, week2] = custom.periods;
    expect(week1).toMatchObject({ startsOn, achieved: 1, met: true, count: 2, assessment: { met: true, achieved: 1, note: '公告欄已張貼', assessedBy: { name: '三板橋社區居委會' } } });
    expect(week2).toMatchObject({ achieved: null, met: false, count: 0, assessment: null });
    expect(custom).toMatchObject({ periodsMet: 1, periodsAssessed: 1 });
  });
});
