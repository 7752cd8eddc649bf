import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { dayOffset } from './support/contracts';
import { toGlobalId } from '../src/shared/relay/global-id';

let h: Harness;
beforeAll(async () => {
  // Five public requests a minute per address; each test asks from addresses of its own (X-Forwarded-For, believed with one proxy hop).
  h = await startHarness({ env: { PUBLIC_MAX_REQUESTS_PER_MINUTE: '5', TRUST_PROXY_HOPS: '1' } });
}, 120_000);
afterAll(() => stopHarness(h));

const BOARD = `query ($areaId: ID!) {
  publicBoard(areaId: $areaId) {
    area { name }
    supervisedCases { reference category status areaName summary supervisorName dueAt overdue progress { step } }
    upcomingActivities { topic organizerName legalDay summary }
    fundStatements { fundName periodStart periodEnd contributionsMinor closingBalanceMinor }
    contractResults { title clientNames providerNames summary }
  }
}`;

/** A signed-out request from a client address of its own (so the rate limit of one test does not touch another). */
async function asPublic(query: string, variables: Record<string, unknown>) {
  const address = `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const response = await fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ query, variables }) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a GraphQL answer
  return { status: response.status, body: (await response.json()) as any };
}

const db = () => h.server.services.db;
let seq = 0;

/** A case written straight into the store, with a name and phone in its internal text, and its timeline. */
async function givenCase(options: { supervised: boolean; area?: string }): Promise<{ id: string; reference: string }> {
  const reference = `PUB-${++seq}-${randomUUID().slice(0, 6)}`;
  const [row] = await db().query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, reported_at, due_at, reporter_user_id, reporter_contact, supervising_organization_id, supervised_at, responsible_organization_id, leader_user_id, handler_user_id)
     VALUES ($1, 'ILLEGAL_CONSTRUCTION', 'GRID_INSPECTION', 'HIGH', 'IN_PROGRESS', '張三家樓頂違建', '舉報人李四 13800001111', $2, now() - interval '10 days', now() - interval '1 day', $3, '13800001111', $4, $5, $6, $7, $7)
     RETURNING id`,
    [reference, options.area ?? h.world.areas.gridA.id, h.world.users.resident.id, options.supervised ? h.world.orgs.police.id : null, options.supervised ? new Date(Date.now() - 9 * 86_400_000) : null, h.world.orgs.community.id, h.world.users.communityAdmin.id],
  );
  await db().query(
    `INSERT INTO case_event (case_id, type, visibility, body, status_after, occurred_at) VALUES
       ($1, 'REPORTED', 'PUBLIC', NULL, 'REPORTED', now() - interval '10 days'),
       ($1, 'COMMENTED', 'INTERNAL', '聯繫張三 13800001111', 'IN_PROGRESS', now() - interval '8 days'),
       ($1, 'STARTED', 'PUBLIC', '王網格員到場', 'IN_PROGRESS', now() - interval '7 days')`,
    [row.id],
  );
  return { id: row.id, reference };
}

const PUBLISH = `mutation ($input: PublicationPublishInput!) { publicationPublish(input: $input) { publication { recordType summary withdrawnAt } userErrors { field code } } }`;
const WITHDRAW = `mutation ($input: PublicationWithdrawInput!) { publicationWithdraw(input: $input) { publication { withdrawnAt withdrawnReason } userErrors { field code } } }`;

describe('publishing', () => {
  test('given a supervised case, when a MEMBER of the community publishes it, then FORBIDDEN: publishing takes a role that speaks for the organisation', async () => {
    const c = await givenCase({ supervised: true });
    const response = await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', c.id) } }, h.world.tokens.communityMember);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given a case not under supervision, when the station publishes it, then NOT_PERMITTED_HERE', async () => {
    const c = await givenCase({ supervised: false });
    const response = await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', c.id) } }, h.world.tokens.policeLiaison);
    expect(response.body.data.publicationPublish).toEqual({ publication: null, userErrors: [{ field: ['input', 'recordId'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given a case in the station\'s jurisdiction, when the outsider publishes it, then NOT_FOUND as for an unknown record', async () => {
    const c = await givenCase({ supervised: true });
    const response = await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', c.id) } }, h.world.tokens.outsider);
    expect(response.body.data.publicationPublish.userErrors).toEqual([{ field: ['input', 'recordId'], code: 'NOT_FOUND' }]);
  });
});

describe('the public board', () => {
  let published: { id: string; reference: string };
  let unpublished: { id: string; reference: string };
  beforeAll(async () => {
    published = await givenCase({ supervised: true });
    unpublished = await givenCase({ supervised: true });
    const done = await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', published.id), summary: '樓頂違章搭建，限期拆除' } }, h.world.tokens.policeLiaison);
    expect(done.body.data.publicationPublish.userErrors).toEqual([]);
    // An upcoming activity, published; another upcoming one not published.
    for (const [topic, publish] of [['12.4憲法宣傳咨詢', true], ['未公開的講座', false]] as const) {
      const [a] = await db().query(
        `INSERT INTO legal_education_activity (organizer_organization_id, form, topic, area_id, starts_at, ends_at, status, legal_day) VALUES ($1, 'CONSULTATION_DESK', $2, $3, now() + interval '3 days', now() + interval '3 days 3 hours', 'PLANNED', 'CONSTITUTION_DAY') RETURNING id`,
        [h.world.orgs.police.id, topic, h.world.areas.communityA.id],
      );
      if (publish) {
        const r = await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('LegalEducationActivity', a.id) } }, h.world.tokens.policeLiaison);
        expect(r.body.data.publicationPublish.userErrors).toEqual([]);
      }
    }
    // A fund of the community with one published statement and money recorded after it.
    const [fund] = await db().query(`INSERT INTO security_fund (organization_id, name, created_by_user_id) VALUES ($1, '三板橋社區安防經費', $2) RETURNING id`, [h.world.orgs.community.id, h.world.users.communityAdmin.id]);
    await db().query(
      `INSERT INTO fund_statement (fund_id, period_start, period_end, opening_balance_minor, contributions_minor, payouts_minor, closing_balance_minor, entry_count, lines, published_by_user_id)
       VALUES ($1, '2026-07-01', '2026-09-30', 0, 1200000, 800000, 400000, 3, '[]', $2)`,
      [fund.id, h.world.users.communityAdmin.id],
    );
  });

  test('given one published and one unpublished supervised case, an activity each way and a published fund statement, when the public asks for street A, then it sees exactly the published ones and no names or phones', async () => {
    const response = await asPublic(BOARD, { areaId: h.world.gid.area('streetA') });
    expect(response.status).toBe(200);
    const board = response.body.data.publicBoard;
    expect(board.supervisedCases).toEqual([
      {
        reference: published.reference,
        category: 'ILLEGAL_CONSTRUCTION',
        status: 'IN_PROGRESS',
        areaName: '三板橋第一網格',
        summary: '樓頂違章搭建，限期拆除',
        supervisorName: '中山路派出所',
        dueAt: expect.any(String),
        overdue: true,
        progress: [{ step: 'REPORTED' }, { step: 'STARTED' }],
      },
    ]);
    expect(board.upcomingActivities).toEqual([{ topic: '12.4憲法宣傳咨詢', organizerName: '中山路派出所', legalDay: 'CONSTITUTION_DAY', summary: null }]);
    expect(board.fundStatements).toEqual([{ fundName: '三板橋社區安防經費', periodStart: '2026-07-01', periodEnd: '2026-09-30', contributionsMinor: 1200000, closingBalanceMinor: 400000 }]);
    const text = JSON.stringify(response.body);
    for (const secret of ['張三', '李四', '13800001111', '王網格員', unpublished.reference, '未公開的講座', h.world.users.resident.id, h.world.users.communityAdmin.id]) expect(text).not.toContain(secret);
  });

  test('given the published case, when the station withdraws it with a reason, then the public no longer sees it and the audit trail keeps who and why', async () => {
    const c = await givenCase({ supervised: true });
    await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', c.id) } }, h.world.tokens.policeLiaison);
    const withdrawn = await gql(h.server.httpUrl, WITHDRAW, { input: { recordId: toGlobalId('Case', c.id), reason: '當事人已整改完畢' } }, h.world.tokens.policeAdmin);
    expect(withdrawn.body.data.publicationWithdraw).toEqual({ publication: { withdrawnAt: expect.any(String), withdrawnReason: '當事人已整改完畢' }, userErrors: [] });
    const board = await asPublic(BOARD, { areaId: h.world.gid.area('communityA') });
    expect(board.body.data.publicBoard.supervisedCases.map((x: { reference: string }) => x.reference)).not.toContain(c.reference);
    const [audit] = await db().query(`SELECT actor_user_id, details FROM audit_entry WHERE action = 'publicationWithdraw' AND record_id = $1`, [c.id]);
    expect(audit).toMatchObject({ actor_user_id: h.world.users.policeAdmin.id, details: { reason: '當事人已整改完畢' } });
  });

  test('given a published case, when the community MEMBER tries to withdraw it, then FORBIDDEN and it stays public', async () => {
    const c = await givenCase({ supervised: true });
    await gql(h.server.httpUrl, PUBLISH, { input: { recordId: toGlobalId('Case', c.id) } }, h.world.tokens.policeLiaison);
    const response = await gql(h.server.httpUrl, WITHDRAW, { input: { recordId: toGlobalId('Case', c.id), reason: '不想公開' } }, h.world.tokens.communityMember);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [row] = await db().query(`SELECT count(*)::int AS n FROM publication WHERE record_id = $1 AND withdrawn_at IS NULL`, [c.id]);
    expect(row.n).toBe(1);
  });

  test('given a board just served, when a case is published behind its back (straight into the store), then the public is served the cached board for a while', async () => {
    const first = await asPublic(BOARD, { areaId: h.world.gid.area('gridA') });
    const sneaked = await givenCase({ supervised: true });
    await db().query(`INSERT INTO publication (record_type, record_id, area_id, published_by_organization_id) VALUES ('CASE', $1, $2, $3)`, [sneaked.id, h.world.areas.gridA.id, h.world.orgs.police.id]);
    const second = await asPublic(BOARD, { areaId: h.world.gid.area('gridA') });
    expect(second.body).toEqual(first.body);
  });

  test('given five requests from one address within a minute, when it asks a sixth time, then RATE_LIMITED with HTTP 429 and Retry-After', async () => {
    const address = `192.0.2.${Math.floor(Math.random() * 250)}`;
    const ask = () =>
      fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ query: `{ publicAreas { name } }` }) });
    for (let i = 0; i < 5; i += 1) expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});

describe('residents in consultations their community opens to them', () => {
  const OPEN = `mutation ($input: ConsultationOpenInput!) { consultationOpen(input: $input) { consultation { id } userErrors { code } } }`;
  const TO_RESIDENTS = `mutation ($input: ConsultationOpenToResidentsInput!) { consultationOpenToResidents(input: $input) { consultation { id residentArea { name } } userErrors { field code } } }`;
  const STATE = `mutation ($input: ConsultationResidentPositionStateInput!) { consultationResidentPositionState(input: $input) { consultation { question myStance acceptingPositions } userErrors { field code } } }`;
  let consultationId: string;

  beforeAll(async () => {
    const opened = await gql(h.server.httpUrl, OPEN, { input: { organizationId: h.world.gid.org('community'), question: '是否在小區北門加裝門禁？', invitedOrganizationIds: [h.world.gid.org('police')], closesOn: dayOffset(14) } }, h.world.tokens.communityAdmin);
    consultationId = opened.body.data.consultationOpen.consultation.id;
    const toResidents = await gql(h.server.httpUrl, TO_RESIDENTS, { input: { consultationId, areaId: h.world.gid.area('communityA') } }, h.world.tokens.communityAdmin);
    expect(toResidents.body.data.consultationOpenToResidents).toEqual({ consultation: { id: consultationId, residentArea: { name: '三板橋社區' } }, userErrors: [] });
    // The resident has reported a case in the community (givenCase's reporter).
    await givenCase({ supervised: false });
  });

  test('given a resident who reported a case in the community, when stating SUPPORT, then the position is taken and the participants see it counted without a name', async () => {
    const response = await gql(h.server.httpUrl, STATE, { input: { consultationId, stance: 'SUPPORT', comment: '晚上進出更安全' } }, h.world.tokens.resident);
    expect(response.body.data.consultationResidentPositionState).toEqual({ consultation: { question: '是否在小區北門加裝門禁？', myStance: 'SUPPORT', acceptingPositions: true }, userErrors: [] });
    const tally = await gql(h.server.httpUrl, `query ($id: ID!) { consultation(id: $id) { residentPositions { support oppose total comments } } }`, { id: consultationId }, h.world.tokens.policeLiaison);
    expect(tally.body.data.consultation.residentPositions).toEqual({ support: 1, oppose: 0, total: 1, comments: ['晚上進出更安全'] });
    for (const who of [h.world.users.resident.id, h.world.users.resident.email, h.world.gid.user('resident')]) expect(JSON.stringify(tally.body)).not.toContain(who);
  });

  test('given a signed-in person who never reported anything in the community, when stating a position, then NOT_FOUND as for an unknown consultation', async () => {
    const response = await gql(h.server.httpUrl, STATE, { input: { consultationId, stance: 'OPPOSE' } }, h.world.tokens.outsider);
    expect(response.body.data.consultationResidentPositionState.userErrors).toEqual([{ field: ['input', 'consultationId'], code: 'NOT_FOUND' }]);
  });

  test('given the resident, when listing resident consultations, then the one opened to the community is there with the stance stated', async () => {
    const response = await gql(h.server.httpUrl, `{ residentConsultations { consultationId convenerName myStance } }`, {}, h.world.tokens.resident);
    expect(response.body.data.residentConsultations).toEqual([{ consultationId, convenerName: '三板橋社區居委會', myStance: 'SUPPORT' }]);
  });
});
