import { randomUUID } from 'node:crypto';
import { MemberRole } from '../src/shared/auth/roles';
import { toGlobalId } from '../src/shared/relay/global-id';
import { publishedStatementsForArea } from '../src/modules/fund/fund.statement';
import { dayOffset } from './support/contracts';
import { errorCodes, gql, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { subscribeListening } from './support/listening';

let h: Harness;
/** A second person who may approve the community's payouts (COORDINATOR), and their token. */
let coordinator: { id: string; token: string };

beforeAll(async () => {
  h = await startHarness();
  const db = h.server.services.db;
  const [user] = await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, '出納覆核', 'x') RETURNING id`, [`coordinator-${randomUUID()}@m.test`]);
  await db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, $3)`, [user.id, h.world.orgs.community.id, MemberRole.COORDINATOR]);
  coordinator = { id: user.id, token: h.server.services.tokens.issue(`user:${user.id}`).token };
}, 120_000);
afterAll(() => stopHarness(h));

const q = (sql: string, params: unknown[] = []) => h.server.services.db.query(sql, params);
const monthStart = (offset: number) => {
  const d = new Date(`${dayOffset(0).slice(0, 7)}-01T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
};
const monthEnd = (first: string) => {
  const d = new Date(`${first}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
};

/** A fund of the community (三板橋社區居委會), straight into the store. */
async function givenFund(): Promise<{ id: string; gid: string }> {
  const [fund] = await q(`INSERT INTO security_fund (organization_id, name, created_by_user_id) VALUES ($1, $2, $3) RETURNING id`, [h.world.orgs.community.id, `三板橋社區安防經費 ${randomUUID().slice(0, 4)}`, h.world.users.communityAdmin.id]);
  return { id: fund.id, gid: toGlobalId('SecurityFund', fund.id) };
}

async function givenEntry(fundId: string, e: { category: string; on: string; amount: number; status?: string; recordedBy?: string; approvedBy?: string | null; reverses?: string }): Promise<string> {
  const kind = ['GUARD_PAY', 'EQUIPMENT', 'INSURANCE', 'OTHER_EXPENSE'].includes(e.category) ? 'PAYOUT' : 'CONTRIBUTION';
  const [row] = await q(
    `INSERT INTO fund_entry (fund_id, kind, category, occurred_on, amount_minor, status, recorded_by_user_id, approved_by_user_id, approved_at, reverses_entry_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8::uuid IS NULL THEN NULL ELSE now() END, $9) RETURNING id`,
    [fundId, kind, e.category, e.on, e.amount, e.status ?? 'COUNTED', e.recordedBy ?? h.world.users.communityMember.id, e.approvedBy ?? null, e.reverses ?? null],
  );
  return row.id;
}

async function givenStatement(fundId: string, start: string, end: string): Promise<void> {
  await q(
    `INSERT INTO fund_statement (fund_id, period_start, period_end, opening_balance_minor, contributions_minor, payouts_minor, closing_balance_minor, entry_count, lines, published_by_user_id)
     VALUES ($1, $2, $3, 0, 0, 0, 0, 0, '[]', $4)`,
    [fundId, start, end, h.world.users.communityAdmin.id],
  );
}

const RECORD = `mutation ($input: FundEntryRecordInput!) { fundEntryRecord(input: $input) { entry { id kind status amountMinor recordedBy { displayName } fund { balance { amountMinor } } } userErrors { field code } } }`;
const APPROVE = `mutation ($input: FundEntryDecideInput!) { fundEntryApprove(input: $input) { entry { status approvedBy { displayName } fund { balance { amountMinor } } } userErrors { field code } } }`;
const REVERSE = `mutation ($input: FundEntryReverseInput!) { fundEntryReverse(input: $input) { entry { id status kind occurredOn amountMinor reverses { id } } userErrors { field code } } }`;
const PUBLISH = `mutation ($input: FundStatementPublishInput!) { fundStatementPublish(input: $input) { statement { periodStart periodEnd openingBalanceMinor contributionsMinor payoutsMinor closingBalanceMinor entryCount lines { kind category amountMinor entryCount } } userErrors { field code } } }`;

describe('two-person rule for payouts', () => {
  test('given a fund with 5,000.00 in it, when a member records a payout, then it is PENDING and the balance is unchanged', async () => {
    const fund = await givenFund();
    await givenEntry(fund.id, { category: 'HOUSEHOLDS', on: dayOffset(-1), amount: 500_000 });
    const response = await gql(h.server.httpUrl, RECORD, { input: { fundId: fund.gid, category: 'GUARD_PAY', occurredOn: dayOffset(0), amountMinor: 120_000, receiptReference: 'SBQ-P-1' } }, h.world.tokens.communityMember);
    expect(response.body.data.fundEntryRecord).toEqual({
      entry: { id: expect.any(String), kind: 'PAYOUT', status: 'PENDING', amountMinor: 120_000, recordedBy: { displayName: 'communityMember' }, fund: { balance: { amountMinor: 500_000 } } },
      userErrors: [],
    });
  });

  test('given a pending payout recorded by the ADMIN, when the same ADMIN approves it, then SECOND_PERSON_REQUIRED and it stays pending', async () => {
    const fund = await givenFund();
    const entry = await givenEntry(fund.id, { category: 'GUARD_PAY', on: dayOffset(0), amount: 120_000, status: 'PENDING', recordedBy: h.world.users.communityAdmin.id });
    const response = await gql(h.server.httpUrl, APPROVE, { input: { entryId: toGlobalId('FundEntry', entry) } }, h.world.tokens.communityAdmin);
    expect(response.body.data.fundEntryApprove).toEqual({ entry: null, userErrors: [{ field: ['input', 'entryId'], code: 'SECOND_PERSON_REQUIRED' }] });
    expect((await q(`SELECT status FROM fund_entry WHERE id = $1`, [entry]))[0].status).toBe('PENDING');
  });

  test('given a pending payout recorded by the ADMIN, when a COORDINATOR (a second person) approves it, then it counts', async () => {
    const fund = await givenFund();
    await givenEntry(fund.id, { category: 'GOVERNMENT_SUBSIDY', on: dayOffset(-2), amount: 500_000 });
    const entry = await givenEntry(fund.id, { category: 'GUARD_PAY', on: dayOffset(0), amount: 120_000, status: 'PENDING', recordedBy: h.world.users.communityAdmin.id });
    const response = await gql(h.server.httpUrl, APPROVE, { input: { entryId: toGlobalId('FundEntry', entry) } }, coordinator.token);
    expect(response.body.data.fundEntryApprove).toEqual({ entry: { status: 'COUNTED', approvedBy: { displayName: '出納覆核' }, fund: { balance: { amountMinor: 380_000 } } }, userErrors: [] });
  });

  test('given a pending payout, when a MEMBER (not an approver) approves it, then FORBIDDEN', async () => {
    const fund = await givenFund();
    const entry = await givenEntry(fund.id, { category: 'EQUIPMENT', on: dayOffset(0), amount: 30_000, status: 'PENDING', recordedBy: h.world.users.communityAdmin.id });
    const response = await gql(h.server.httpUrl, APPROVE, { input: { entryId: toGlobalId('FundEntry', entry) } }, h.world.tokens.communityMember);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  test('given a pending payout, when the database is asked to mark it approved by its recorder, then it refuses', async () => {
    const fund = await givenFund();
    const entry = await givenEntry(fund.id, { category: 'EQUIPMENT', on: dayOffset(0), amount: 30_000, status: 'PENDING' });
    await expect(q(`UPDATE fund_entry SET status = 'COUNTED', approved_by_user_id = recorded_by_user_id WHERE id = $1`, [entry])).rejects.toThrow(/check/);
  });
});

describe('published statements freeze their period', () => {
  test('given a published statement for last month, when an entry dated in it is recorded, then PERIOD_PUBLISHED on occurredOn and nothing is written', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    await givenStatement(fund.id, start, monthEnd(start));
    const response = await gql(h.server.httpUrl, RECORD, { input: { fundId: fund.gid, category: 'SHOPS', occurredOn: start, amountMinor: 10_000 } }, h.world.tokens.communityMember);
    expect(response.body.data.fundEntryRecord).toEqual({ entry: null, userErrors: [{ field: ['input', 'occurredOn'], code: 'PERIOD_PUBLISHED' }] });
    expect((await q(`SELECT count(*)::int AS n FROM fund_entry WHERE fund_id = $1`, [fund.id]))[0].n).toBe(0);
  });

  test('given a counted entry in a published period, when it is reversed into an open period, then a pending reversing entry of the same figures is written and the published period keeps its entries', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    const wrong = await givenEntry(fund.id, { category: 'HOUSEHOLDS', on: start, amount: 150_000 });
    await givenStatement(fund.id, start, monthEnd(start));
    const response = await gql(h.server.httpUrl, REVERSE, { input: { entryId: toGlobalId('FundEntry', wrong), occurredOn: dayOffset(0), reason: '重複登記' } }, h.world.tokens.communityMember);
    expect(response.body.data.fundEntryReverse).toEqual({
      entry: { id: expect.any(String), status: 'PENDING', kind: 'CONTRIBUTION', occurredOn: dayOffset(0), amountMinor: 150_000, reverses: { id: toGlobalId('FundEntry', wrong) } },
      userErrors: [],
    });
    expect(await q(`SELECT occurred_on::text AS d, status FROM fund_entry WHERE fund_id = $1 AND occurred_on <= $2`, [fund.id, monthEnd(start)])).toEqual([{ d: start, status: 'COUNTED' }]);
  });

  test('given a counted entry and its approved reversal, when the statement of the period is read, then the correction nets it out', async () => {
    const fund = await givenFund();
    const first = await givenEntry(fund.id, { category: 'UNITS', on: dayOffset(-1), amount: 200_000 });
    await givenEntry(fund.id, { category: 'UNITS', on: dayOffset(0), amount: 200_000, reverses: first, approvedBy: h.world.users.communityAdmin.id });
    await givenEntry(fund.id, { category: 'SHOPS', on: dayOffset(0), amount: 40_000 });
    const response = await gql(h.server.httpUrl, `query ($id: ID!, $s: LocalDate!, $e: LocalDate!) { securityFund(id: $id) { balance { amountMinor } statement(periodStart: $s, periodEnd: $e) { contributionsMinor closingBalanceMinor entryCount published lines { category amountMinor entryCount } } } }`, { id: fund.gid, s: dayOffset(-1), e: dayOffset(0) }, h.world.tokens.communityMember);
    expect(response.body.data.securityFund).toEqual({
      balance: { amountMinor: 40_000 },
      statement: { contributionsMinor: 40_000, closingBalanceMinor: 40_000, entryCount: 3, published: false, lines: [{ category: 'SHOPS', amountMinor: 40_000, entryCount: 1 }, { category: 'UNITS', amountMinor: 0, entryCount: 2 }] },
    });
  });

  test('given an entry, when the database is asked to change or delete it, then it refuses (corrections are new entries)', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    const entry = await givenEntry(fund.id, { category: 'HOUSEHOLDS', on: start, amount: 150_000 });
    await expect(q(`UPDATE fund_entry SET amount_minor = 1 WHERE id = $1`, [entry])).rejects.toThrow(/never edited/);
    await expect(q(`DELETE FROM fund_entry WHERE id = $1`, [entry])).rejects.toThrow(/never deleted/);
  });

  test('given last month with contributions and an approved payout, when the ADMIN publishes it, then the statement holds the period figures by category', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    await givenEntry(fund.id, { category: 'GOVERNMENT_SUBSIDY', on: monthStart(-2), amount: 100_000 });
    await givenEntry(fund.id, { category: 'HOUSEHOLDS', on: start, amount: 300_000 });
    await givenEntry(fund.id, { category: 'GUARD_PAY', on: monthEnd(start), amount: 120_000, approvedBy: h.world.users.communityAdmin.id });
    await givenEntry(fund.id, { category: 'SHOPS', on: dayOffset(0), amount: 5_000 });
    const response = await gql(h.server.httpUrl, PUBLISH, { input: { fundId: fund.gid, periodStart: start, periodEnd: monthEnd(start), note: '已在社區公告欄公示' } }, h.world.tokens.communityAdmin);
    expect(response.body.data.fundStatementPublish).toEqual({
      statement: {
        periodStart: start,
        periodEnd: monthEnd(start),
        openingBalanceMinor: 100_000,
        contributionsMinor: 300_000,
        payoutsMinor: 120_000,
        closingBalanceMinor: 280_000,
        entryCount: 2,
        lines: [{ kind: 'CONTRIBUTION', category: 'HOUSEHOLDS', amountMinor: 300_000, entryCount: 1 }, { kind: 'PAYOUT', category: 'GUARD_PAY', amountMinor: 120_000, entryCount: 1 }],
      },
      userErrors: [],
    });
  });

  test('given a payout of last month still pending, when the ADMIN publishes last month, then APPROVALS_PENDING and nothing is published', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    await givenEntry(fund.id, { category: 'GUARD_PAY', on: start, amount: 120_000, status: 'PENDING' });
    const response = await gql(h.server.httpUrl, PUBLISH, { input: { fundId: fund.gid, periodStart: start, periodEnd: monthEnd(start) } }, h.world.tokens.communityAdmin);
    expect(response.body.data.fundStatementPublish).toEqual({ statement: null, userErrors: [{ field: ['input', 'periodEnd'], code: 'APPROVALS_PENDING' }] });
  });

  test('given a published statement, when the public face asks for the area, then it gets the figures and nothing about any person', async () => {
    const fund = await givenFund();
    const start = monthStart(-1);
    await givenEntry(fund.id, { category: 'HOUSEHOLDS', on: start, amount: 300_000 });
    await gql(h.server.httpUrl, PUBLISH, { input: { fundId: fund.gid, periodStart: start, periodEnd: monthEnd(start) } }, h.world.tokens.communityAdmin);
    const published = (await publishedStatementsForArea(h.server.services.db.manager, h.world.areas.streetA.id)).filter((s) => s.fundId === fund.id);
    const elsewhere = (await publishedStatementsForArea(h.server.services.db.manager, h.world.areas.streetB.id)).filter((s) => s.fundId === fund.id);
    expect(published).toHaveLength(1);
    expect(elsewhere).toEqual([]);
    expect(published[0]).toMatchObject({ organizationName: '三板橋社區居委會', contributionsMinor: 300_000, closingBalanceMinor: 300_000, lines: [{ kind: 'CONTRIBUTION', category: 'HOUSEHOLDS', amountMinor: 300_000, entryCount: 1 }] });
    expect(JSON.stringify(published[0])).not.toMatch(new RegExp(`communityAdmin|communityMember|${h.world.users.communityAdmin.id}|${h.world.users.communityMember.id}|@`));
  });
});

describe('what a fund pays', () => {
  test("given a security company's team in the community, when the community's ADMIN sets up a fund paying it, then NOT_PERMITTED_HERE: a fund pays only its organisation's teams or those of organisations it FUNDS", async () => {
    const [team] = await q(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ('保安巡邏隊', 'CONTRACTED', $1, $2) RETURNING id`, [h.world.orgs.security.id, h.world.areas.communityA.id]);
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: SecurityFundCreateInput!) { securityFundCreate(input: $input) { fund { id } userErrors { field code } } }`,
      { input: { organizationId: h.world.gid.org('community'), name: '保安經費', teamIds: [toGlobalId('PatrolTeam', team.id)] } },
      h.world.tokens.communityAdmin,
    );
    expect(response.body.data.securityFundCreate).toEqual({ fund: null, userErrors: [{ field: ['input', 'teamIds', '0'], code: 'NOT_PERMITTED_HERE' }] });
  });
});

describe('who sees a fund', () => {
  const READ = `query ($id: ID!) { securityFund(id: $id) { name balance { amountMinor } } node(id: $id) { id } }`;

  test('given a fund of the community, when each viewer reads it, then members, the guiding police station and platform admins see it; outsiders get what an unknown id gets', async () => {
    const fund = await givenFund();
    await q(`INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on) VALUES ($1, $2, 'GUIDES', '2026-01-01')`, [h.world.orgs.police.id, h.world.orgs.community.id]);
    const seen: Record<string, boolean> = {};
    for (const role of ['communityObserver', 'policeLiaison', 'platformAdmin', 'outsider', 'securityAdmin', 'resident'] as const) {
      const response = await gql(h.server.httpUrl, READ, { id: fund.gid }, h.world.tokens[role]);
      seen[role] = response.body.data.securityFund !== null;
      if (!seen[role]) expect(response.body).toEqual({ data: { securityFund: null, node: null } });
    }
    await q(`DELETE FROM relationship WHERE from_organization_id = $1 AND to_organization_id = $2`, [h.world.orgs.police.id, h.world.orgs.community.id]);
    expect(seen).toEqual({ communityObserver: true, policeLiaison: true, platformAdmin: true, outsider: false, securityAdmin: false, resident: false });
  });

  test('given an OBSERVER of the community, when it records an entry, then FORBIDDEN', async () => {
    const fund = await givenFund();
    const response = await gql(h.server.httpUrl, RECORD, { input: { fundId: fund.gid, category: 'SHOPS', occurredOn: dayOffset(0), amountMinor: 10_000 } }, h.world.tokens.communityObserver);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('fund events', () => {
  const UPDATES = `subscription ($fundId: ID!) { fundUpdates(fundId: $fundId) { type entry { kind status amountMinor } } }`;

  test('given the ADMIN and an outsider watching a fund, when a member records a payout, then the ADMIN receives fund.entryRecorded and the outsider is refused as for an unknown fund', async () => {
    const fund = await givenFund();
    const admin = wsClient(h.server.wsUrl, h.world.tokens.communityAdmin);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const outsiderSub = subscribe(outsider, UPDATES, { fundId: fund.gid });
    const adminSub = await subscribeListening(h.server, admin, UPDATES, { fundId: fund.gid });
    await gql(h.server.httpUrl, RECORD, { input: { fundId: fund.gid, category: 'INSURANCE', occurredOn: dayOffset(0), amountMinor: 60_000 } }, h.world.tokens.communityMember);
    const [first] = await adminSub.waitFor(1);
    expect(first.data!.fundUpdates).toEqual({ type: 'fund.entryRecorded', entry: { kind: 'PAYOUT', status: 'PENDING', amountMinor: 60_000 } });
    await outsiderSub.ended;
    expect(JSON.stringify(outsiderSub.received)).toContain('NOT_FOUND');
    const [event] = await q(`SELECT organization_ids::text[] AS orgs, payload FROM event WHERE topic = 'fund' AND subject_id = $1`, [fund.id]);
    expect(event.orgs).toEqual([h.world.orgs.community.id]);
    await admin.dispose();
    await outsider.dispose();
  });

  test('given a payout recorded and approved, when the community and an outsider poll the event feed for FUND, then the community gets the approval with global ids and amounts (no names), the outsider none', async () => {
    const fund = await givenFund();
    const entry = await givenEntry(fund.id, { category: 'GUARD_PAY', on: dayOffset(0), amount: 96_000, status: 'PENDING' });
    await gql(h.server.httpUrl, APPROVE, { input: { entryId: toGlobalId('FundEntry', entry) } }, h.world.tokens.communityAdmin);
    const FEED = `query { events(first: 100, topics: [FUND]) { nodes { topic type subjectId data } } }`;
    const [mine, outsiders] = await Promise.all([gql(h.server.httpUrl, FEED, {}, h.world.tokens.communityMember), gql(h.server.httpUrl, FEED, {}, h.world.tokens.outsider)]);
    const ours = mine.body.data.events.nodes.filter((e: { subjectId: string }) => e.subjectId === fund.gid);
    expect(ours).toEqual([{ topic: 'FUND', type: 'fund.entryApproved', subjectId: fund.gid, data: { fundId: fund.gid, entryId: toGlobalId('FundEntry', entry), kind: 'PAYOUT', category: 'GUARD_PAY', amountMinor: 96_000, status: 'COUNTED' } }]);
    expect(JSON.stringify(ours)).not.toMatch(/communityMember|communityAdmin/);
    expect(outsiders.body.data.events.nodes).toEqual([]);
  });
});
