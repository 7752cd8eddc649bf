import { errorCodes, expectSameStatementCount, gql, sleep, subscribe, wsClient } from './support/graphql';
import { addMember, startHarness, stopHarness, type Harness } from './support/harness';
import { clock, today } from '../src/shared/clock';
import { toGlobalId } from '../src/shared/relay/global-id';
import { Viewer } from '../src/shared/auth/viewer';
import { inTransaction } from '../src/shared/transaction';
import { createContext } from '../src/server/context';
import { createCaseFromPatrolIncident } from '../src/modules/case/case.intake';
import { NOTE_MAX } from '../src/modules/case/case.service';
import { MemberRole } from '../src/shared/auth/roles';
import { randomUUID } from 'crypto';
import { failIfMutantKilled, test } from './support/mutation-run';

let h: Harness;
// Starting and stopping a server may take longer than a test on a loaded machine (mutation runs start one per mutant):
// a hook that times out fails every test of the file, and Stryker would count that as a kill.
const HARNESS_TIMEOUT = 120_000;
beforeAll(async () => {
  // Under a mutant that an earlier file already killed, skip the server's start.
  failIfMutantKilled();
  h = await startHarness();
  await h.server.services.db.query(`INSERT INTO case_reference_prefix (area_id, prefix) VALUES ($1, 'SHASHI')`, [h.world.areas.district.id]);
}, HARNESS_TIMEOUT);
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
}, HARNESS_TIMEOUT);
afterEach(() => clock.reset());

const CASE_FIELDS = `id reference status category severity channel version dueAt overdue supervised majorDispute viewerSeesInternal
  reporter { id } reporterContact leader { id } handler { id } responsibleOrganization { id } supervisingOrganization { id }
  resolution satisfaction mergedInto { id }
  timeline(first: 50) { totalCount nodes { type visibility body statusAfter actor { id } } }`;

const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const TRIAGE = `mutation ($input: CaseTriageInput!) { caseTriage(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const ASSIGN = `mutation ($input: CaseAssignInput!) { caseAssign(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const REASSIGN = `mutation ($input: CaseAssignInput!) { caseReassign(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const START = `mutation ($input: CaseStepInput!) { caseStart(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const COMMENT = `mutation ($input: CaseCommentInput!) { caseComment(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const RESOLVE = `mutation ($input: CaseResolveInput!) { caseResolve(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const CLOSE = `mutation ($input: CaseCloseInput!) { caseClose(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const REOPEN = `mutation ($input: CaseReopenInput!) { caseReopen(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const MERGE = `mutation ($input: CaseMergeInput!) { caseMerge(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const SUPERVISE = `mutation ($input: CaseSuperviseInput!) { caseSupervise(input: $input) { case { ${CASE_FIELDS} } userErrors { field code message } } }`;
const CASE = `query ($id: ID!) { case(id: $id) { ${CASE_FIELDS} } }`;
const CASES = `query ($within: ID, $overdue: Boolean, $supervised: Boolean, $categories: [CaseCategory!]) {
  cases(first: 100, withinAreaId: $within, overdue: $overdue, supervised: $supervised, categories: $categories) { totalCount nodes { id reference } } }`;

async function report(token: string, extra: Record<string, unknown> = {}, area: keyof Harness['world']['areas'] = 'gridA') {
  const res = await gql(h.server.httpUrl, REPORT, { input: { areaId: h.world.gid.area(area), title: '樓道堆放雜物', description: '三單元樓道長期堆放雜物，存在消防隱患。', ...extra } }, token);
  expect(res.body.data.caseReport.userErrors).toEqual([]);
  return res.body.data.caseReport.case;
}

function assignment() {
  return { responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: h.world.gid.user('communityAdmin'), handlerUserId: h.world.gid.user('communityMember') };
}

async function step(doc: string, name: string, input: Record<string, unknown>, token: string) {
  const res = await gql(h.server.httpUrl, doc, { input }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data[name];
}

/** A case walked to the given status by the police station (dispatch) and the community (handling). */
async function caseIn(status: 'REPORTED' | 'TRIAGED' | 'ASSIGNED' | 'IN_PROGRESS' | 'RESOLVED' | 'CLOSED', extra: Record<string, unknown> = {}) {
  const c = await report(h.world.tokens.resident, extra);
  const order = ['REPORTED', 'TRIAGED', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED'];
  const target = order.indexOf(status);
  const police = h.world.tokens.policeLiaison;
  const member = h.world.tokens.communityMember;
  if (target >= 1) await step(TRIAGE, 'caseTriage', { caseId: c.id, category: 'ENVIRONMENT', severity: 'MEDIUM' }, police);
  if (target >= 2) await step(ASSIGN, 'caseAssign', { caseId: c.id, ...assignment() }, police);
  if (target >= 3) await step(START, 'caseStart', { caseId: c.id }, member);
  if (target >= 4) await step(RESOLVE, 'caseResolve', { caseId: c.id, resolution: '已清理' }, member);
  if (target >= 5) await step(CLOSE, 'caseClose', { caseId: c.id }, police);
  return c.id as string;
}

/** The area id of a new grid below a world area: cases reported there are the only ones in it (subscriptions and lists of that grid see no other test's cases). */
async function newGrid(parent: keyof Harness['world']['areas']): Promise<{ id: string; gid: string }> {
  const up = h.world.areas[parent];
  const id = randomUUID();
  await h.server.services.db.query(`INSERT INTO area (id, name, kind, code, parent_id, path, depth) VALUES ($1, $2, 'GRID', NULL, $3, $4, $5)`, [id, `網格 ${id.slice(0, 8)}`, up.id, `${up.path}${id}/`, up.depth + 1]);
  return { id, gid: toGlobalId('Area', id) };
}

/**
 * The case the lifecycle tests walk: reported by the resident, triaged as a dispute by the police station, assigned to the
 * community, started, commented on internally and publicly, resolved, closed, reopened and started again.
 */
async function walkedCase(): Promise<string> {
  const c = await report(h.world.tokens.resident, { channel: 'WECHAT' });
  const police = h.world.tokens.policeLiaison;
  const member = h.world.tokens.communityMember;
  await step(TRIAGE, 'caseTriage', { caseId: c.id, category: 'DISPUTE', severity: 'MEDIUM' }, police);
  await step(ASSIGN, 'caseAssign', { caseId: c.id, ...assignment() }, police);
  await step(START, 'caseStart', { caseId: c.id }, member);
  await step(COMMENT, 'caseComment', { caseId: c.id, body: '內部：當事人情緒激動', visibleToReporter: false }, member);
  await step(COMMENT, 'caseComment', { caseId: c.id, body: '已聯繫物業，明天上門。', visibleToReporter: true }, member);
  await step(RESOLVE, 'caseResolve', { caseId: c.id, resolution: '雜物已清理，雙方達成協議。' }, member);
  await step(CLOSE, 'caseClose', { caseId: c.id }, police);
  await step(REOPEN, 'caseReopen', { caseId: c.id, reason: '居民反映問題復發' }, h.world.tokens.communityAdmin);
  await step(START, 'caseStart', { caseId: c.id }, member);
  return c.id;
}

// Each step builds its own case (caseIn): a test passes alone, in any order, and when Stryker runs only the tests that cover a mutant.
describe('case lifecycle over HTTP', () => {
  test('given a signed-in resident, when reporting a case, then it is REPORTED with a readable reference and a public first step', async () => {
    const c = await report(h.world.tokens.resident, { channel: 'WECHAT', attachments: [{ url: 'https://img.example.cn/1.jpg', mediaType: 'image/jpeg' }] });
    // The year where the platform operates (China Standard Time): a case reported at 00:30 on 1 January is the new year's.
    expect(c.reference).toMatch(new RegExp(`^SHASHI-${today().slice(0, 4)}-\\d{6}$`));
    expect(c).toMatchObject({ status: 'REPORTED', category: 'OTHER', severity: 'MEDIUM', channel: 'WECHAT', reporter: { id: h.world.gid.user('resident') }, viewerSeesInternal: false });
    expect(c.timeline.nodes).toEqual([expect.objectContaining({ type: 'REPORTED', visibility: 'PUBLIC', statusAfter: 'REPORTED' })]);
  });

  test('given the reported case, when the police station triages it, then it is TRIAGED with the default due date', async () => {
    const reported = await report(h.world.tokens.resident);
    const payload = await step(TRIAGE, 'caseTriage', { caseId: reported.id, expectedVersion: reported.version, category: 'DISPUTE', severity: 'MEDIUM' }, h.world.tokens.policeLiaison);
    expect(payload.userErrors).toEqual([]);
    const c = payload.case;
    expect(c).toMatchObject({ status: 'TRIAGED', category: 'DISPUTE', severity: 'MEDIUM', viewerSeesInternal: true });
    const [{ reported_at, due_at }] = await h.server.services.db.query(`SELECT reported_at, due_at FROM case_record WHERE reference = $1`, [c.reference]);
    expect((due_at.getTime() - reported_at.getTime()) / 3_600_000).toBe(168);
  });

  test('given the triaged case, when assigned to the community with leader and handler, then it is ASSIGNED', async () => {
    const id = await caseIn('TRIAGED');
    const payload = await step(ASSIGN, 'caseAssign', { caseId: id, ...assignment() }, h.world.tokens.policeLiaison);
    expect(payload.userErrors).toEqual([]);
    expect(payload.case).toMatchObject({ status: 'ASSIGNED', responsibleOrganization: { id: h.world.gid.org('community') }, leader: { id: h.world.gid.user('communityAdmin') }, handler: { id: h.world.gid.user('communityMember') } });
  });

  test('given the assigned case, when the handler starts, then it is IN_PROGRESS', async () => {
    const id = await caseIn('ASSIGNED');
    const payload = await step(START, 'caseStart', { caseId: id }, h.world.tokens.communityMember);
    expect(payload.case.status).toBe('IN_PROGRESS');
  });

  test('given the case in progress, when the handler comments internally and publicly, then both are on the timeline', async () => {
    const id = await caseIn('IN_PROGRESS');
    await step(COMMENT, 'caseComment', { caseId: id, body: '內部：當事人情緒激動', visibleToReporter: false }, h.world.tokens.communityMember);
    const payload = await step(COMMENT, 'caseComment', { caseId: id, body: '已聯繫物業，明天上門。', visibleToReporter: true }, h.world.tokens.communityMember);
    const bodies = payload.case.timeline.nodes.filter((n: { type: string }) => n.type === 'COMMENTED').map((n: { body: string; visibility: string }) => [n.visibility, n.body]);
    expect(bodies).toEqual([['INTERNAL', '內部：當事人情緒激動'], ['PUBLIC', '已聯繫物業，明天上門。']]);
  });

  test('given the case in progress, when the handler resolves it, then it is RESOLVED with the resolution', async () => {
    const id = await caseIn('IN_PROGRESS');
    const payload = await step(RESOLVE, 'caseResolve', { caseId: id, resolution: '雜物已清理，雙方達成協議。' }, h.world.tokens.communityMember);
    expect(payload.case).toMatchObject({ status: 'RESOLVED', resolution: '雜物已清理，雙方達成協議。' });
  });

  test('given the resolved case, when the police station closes it, then it is CLOSED and unrated (only the reporter rates)', async () => {
    const id = await caseIn('RESOLVED');
    const payload = await step(CLOSE, 'caseClose', { caseId: id }, h.world.tokens.policeLiaison);
    expect(payload.case).toMatchObject({ status: 'CLOSED', satisfaction: null });
  });

  test('given the closed case, when the community reopens it, then it is REOPENED with a new due date and can be worked again', async () => {
    const id = await caseIn('CLOSED');
    const payload = await step(REOPEN, 'caseReopen', { caseId: id, reason: '居民反映問題復發' }, h.world.tokens.communityAdmin);
    expect(payload.case).toMatchObject({ status: 'REOPENED', satisfaction: null });
    const started = await step(START, 'caseStart', { caseId: id }, h.world.tokens.communityMember);
    expect(started.case.status).toBe('IN_PROGRESS');
  });

  test('given the walked case, when the reporter reads it, then the timeline holds only public steps and no leader or handler', async () => {
    const id = await walkedCase();
    const res = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.resident);
    const c = res.body.data.case;
    expect(c.timeline.nodes.map((n: { type: string }) => n.type)).toEqual(['REPORTED', 'TRIAGED', 'STARTED', 'COMMENTED', 'RESOLVED', 'CLOSED', 'REOPENED', 'STARTED']);
    expect(c.timeline.nodes.every((n: { visibility: string }) => n.visibility === 'PUBLIC')).toBe(true);
    expect(c).toMatchObject({ leader: null, handler: null, viewerSeesInternal: false });
    expect(c.timeline.nodes.map((n: { actor: unknown }) => n.actor).filter(Boolean)).toEqual([{ id: h.world.gid.user('resident') }]);
  });

  test('given the walked case, when the police station reads it, then the whole timeline is there', async () => {
    const id = await walkedCase();
    const res = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    expect(res.body.data.case.timeline.nodes.map((n: { type: string }) => n.type)).toEqual([
      'REPORTED', 'TRIAGED', 'ASSIGNED', 'STARTED', 'COMMENTED', 'COMMENTED', 'RESOLVED', 'CLOSED', 'REOPENED', 'STARTED',
    ]);
  });

  test('given the timeline, when someone tries to change a step in SQL, then the database refuses', async () => {
    // The triggers refuse row by row: the case's own steps are there to refuse.
    const { id } = await report(h.world.tokens.resident);
    await expect(h.server.services.db.query(`UPDATE case_event SET body = 'x' WHERE case_id = $1`, [dbId(id)])).rejects.toThrow(/append-only/);
    await expect(h.server.services.db.query(`DELETE FROM case_event WHERE case_id = $1`, [dbId(id)])).rejects.toThrow(/append-only/);
  });
});

describe('illegal transitions', () => {
  type Attempt = [name: string, doc: string, field: string, input: (id: string) => Record<string, unknown>];
  const attempts: Record<string, Attempt> = {
    triage: ['triage', TRIAGE, 'caseTriage', (id) => ({ caseId: id, category: 'OTHER', severity: 'LOW' })],
    assign: ['assign', ASSIGN, 'caseAssign', (id) => ({ caseId: id, ...assignment() })],
    reassign: ['reassign', REASSIGN, 'caseReassign', (id) => ({ caseId: id, ...assignment(), handlerUserId: h.world.gid.user('communityAdmin') })],
    start: ['start', START, 'caseStart', (id) => ({ caseId: id })],
    resolve: ['resolve', RESOLVE, 'caseResolve', (id) => ({ caseId: id, resolution: 'done' })],
    close: ['close', CLOSE, 'caseClose', (id) => ({ caseId: id })],
    reopen: ['reopen', REOPEN, 'caseReopen', (id) => ({ caseId: id, reason: 'again' })],
  };
  const refused: [string, keyof typeof attempts][] = [
    ['REPORTED', 'assign'], ['REPORTED', 'reassign'], ['REPORTED', 'start'], ['REPORTED', 'resolve'], ['REPORTED', 'close'], ['REPORTED', 'reopen'],
    ['TRIAGED', 'triage'], ['TRIAGED', 'reassign'], ['TRIAGED', 'start'], ['TRIAGED', 'resolve'], ['TRIAGED', 'close'], ['TRIAGED', 'reopen'],
    ['ASSIGNED', 'triage'], ['ASSIGNED', 'assign'], ['ASSIGNED', 'resolve'], ['ASSIGNED', 'close'], ['ASSIGNED', 'reopen'],
    ['IN_PROGRESS', 'triage'], ['IN_PROGRESS', 'assign'], ['IN_PROGRESS', 'start'], ['IN_PROGRESS', 'close'], ['IN_PROGRESS', 'reopen'],
    ['RESOLVED', 'triage'], ['RESOLVED', 'assign'], ['RESOLVED', 'reassign'], ['RESOLVED', 'start'], ['RESOLVED', 'resolve'],
    ['CLOSED', 'triage'], ['CLOSED', 'assign'], ['CLOSED', 'reassign'], ['CLOSED', 'start'], ['CLOSED', 'resolve'], ['CLOSED', 'close'],
  ];

  test.each(refused)('given a %s case, when the police station tries to %s it, then INVALID_TRANSITION and nothing changes', async (status, key) => {
    const id = await caseIn(status as 'REPORTED');
    const before = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    const [, doc, field, input] = attempts[key];
    const res = await gql(h.server.httpUrl, doc, { input: input(id) }, h.world.tokens.policeAdmin);
    expect(res.body.data[field]).toEqual({ case: null, userErrors: [expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'caseId'] })] });
    const after = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    expect(after.body.data.case).toEqual(before.body.data.case);
  });

  test('given a closed case, when merging it as a duplicate, then INVALID_TRANSITION and nothing changes', async () => {
    const closed = await caseIn('CLOSED');
    const original = await caseIn('REPORTED');
    const res = await gql(h.server.httpUrl, MERGE, { input: { duplicateId: closed, originalId: original } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseMerge.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'duplicateId'] })]);
    const after = await gql(h.server.httpUrl, CASE, { id: closed }, h.world.tokens.policeAdmin);
    expect(after.body.data.case).toMatchObject({ status: 'CLOSED', mergedInto: null });
  });

  test('given a stale expectedVersion, when triaging, then CONFLICT and nothing changes', async () => {
    const id = await caseIn('REPORTED');
    const res = await gql(h.server.httpUrl, TRIAGE, { input: { caseId: id, expectedVersion: 99, category: 'OTHER', severity: 'LOW' } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseTriage.userErrors[0].code).toBe('CONFLICT');
    const after = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    expect(after.body.data.case.status).toBe('REPORTED');
  });

  test('given a case triaged since it was read, when assigned with the version read before triage, then CONFLICT: an older version conflicts like a newer one', async () => {
    const reported = await report(h.world.tokens.resident);
    await step(TRIAGE, 'caseTriage', { caseId: reported.id, expectedVersion: reported.version, category: 'ENVIRONMENT', severity: 'MEDIUM' }, h.world.tokens.policeLiaison);
    const res = await gql(h.server.httpUrl, ASSIGN, { input: { caseId: reported.id, expectedVersion: reported.version, ...assignment() } }, h.world.tokens.policeLiaison);
    expect(res.body.data.caseAssign.userErrors[0].code).toBe('CONFLICT');
    const after = await gql(h.server.httpUrl, CASE, { id: reported.id }, h.world.tokens.policeAdmin);
    expect(after.body.data.case.status).toBe('TRIAGED');
  });

  test('given a major dispute, when triaged without responsible unit, leader and handler, then REQUIRED and it stays REPORTED; with them it is ASSIGNED', async () => {
    const id = await caseIn('REPORTED');
    const refusedRes = await gql(h.server.httpUrl, TRIAGE, { input: { caseId: id, category: 'DISPUTE', severity: 'HIGH' } }, h.world.tokens.policeAdmin);
    expect(refusedRes.body.data.caseTriage.userErrors.map((e: { field: string[]; code: string }) => [e.field[1], e.code])).toEqual([
      ['responsibleOrganizationId', 'REQUIRED'], ['leaderUserId', 'REQUIRED'], ['handlerUserId', 'REQUIRED'],
    ]);
    const accepted = await gql(h.server.httpUrl, TRIAGE, { input: { caseId: id, category: 'DISPUTE', severity: 'HIGH', ...assignment() } }, h.world.tokens.policeAdmin);
    expect(accepted.body.data.caseTriage.case).toMatchObject({ status: 'ASSIGNED', majorDispute: true, handler: { id: h.world.gid.user('communityMember') } });
  });

  test('given an assignment whose handler is not a member of the responsible organisation, then NOT_PERMITTED_HERE', async () => {
    const id = await caseIn('TRIAGED');
    const res = await gql(h.server.httpUrl, ASSIGN, { input: { caseId: id, ...assignment(), handlerUserId: h.world.gid.user('securityAdmin') } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseAssign.userErrors).toEqual([expect.objectContaining({ field: ['input', 'handlerUserId'], code: 'NOT_PERMITTED_HERE' })]);
  });
});

describe('visibility', () => {
  let id: string;
  beforeAll(async () => {
    id = await caseIn('IN_PROGRESS');
    await step(COMMENT, 'caseComment', { caseId: id, body: 'internal only', visibleToReporter: false }, h.world.tokens.policeLiaison);
  });

  test('given the assigned organisation and the area police station, when they read the case, then they see it whole', async () => {
    for (const token of [h.world.tokens.communityMember, h.world.tokens.policeLiaison]) {
      const res = await gql(h.server.httpUrl, CASE, { id }, token);
      expect(res.body.data.case).toMatchObject({ id, viewerSeesInternal: true });
      expect(res.body.data.case.timeline.nodes.some((n: { body: string }) => n.body === 'internal only')).toBe(true);
    }
  });

  test('given the reporter, when reading the case, then the internal comment is not in the timeline', async () => {
    const res = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.resident);
    expect(res.body.data.case.id).toBe(id);
    expect(res.body.data.case.timeline.nodes.some((n: { body: string }) => n.body === 'internal only')).toBe(false);
    expect(res.body.data.case.timeline.totalCount).toBe(res.body.data.case.timeline.nodes.length);
  });

  test('given an unrelated organisation, when reading the case, node, or list, then it gets what an unknown id gets', async () => {
    const unknown = toGlobalId('Case', '00000000-0000-4000-8000-000000000000');
    for (const token of [h.world.tokens.outsider, h.world.tokens.securityAdmin]) {
      const seen = await gql(h.server.httpUrl, `query ($id: ID!, $u: ID!) { case(id: $id) { id } node(id: $id) { id } unknown: case(id: $u) { id } }`, { id, u: unknown }, token);
      expect(seen.body).toEqual({ data: { case: null, node: null, unknown: null } });
      const list = await gql(h.server.httpUrl, CASES, {}, token);
      expect(list.body.data.cases.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
      const mutation = await gql(h.server.httpUrl, COMMENT, { input: { caseId: id, body: 'x', visibleToReporter: true } }, token);
      const unknownMutation = await gql(h.server.httpUrl, COMMENT, { input: { caseId: unknown, body: 'x', visibleToReporter: true } }, token);
      expect(mutation.body.data.caseComment).toEqual(unknownMutation.body.data.caseComment);
      expect(mutation.body.data.caseComment.userErrors[0].code).toBe('NOT_FOUND');
    }
  });

  test('given the reporter, when writing an internal comment, then FORBIDDEN', async () => {
    const res = await gql(h.server.httpUrl, COMMENT, { input: { caseId: id, body: 'x', visibleToReporter: false } }, h.world.tokens.resident);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });

  test('given an anonymous hotline report with a contact, then the contact shows to the handling organisations only', async () => {
    const c = await report(h.world.tokens.policeLiaison, { anonymous: true, reporterContact: '138 0000 0000', channel: 'HOTLINE' });
    expect(c).toMatchObject({ reporter: null, reporterContact: '138 0000 0000' });
    await step(SUPERVISE, 'caseSupervise', { caseId: c.id, supervisingOrganizationId: h.world.gid.org('security') }, h.world.tokens.policeLiaison);
    const supervisor = await gql(h.server.httpUrl, CASE, { id: c.id }, h.world.tokens.securityAdmin);
    expect(supervisor.body.data.case).toMatchObject({ id: c.id, supervised: true, reporterContact: null });
  });

  test('given a signed-out viewer, when listing, reading or reporting, then UNAUTHENTICATED', async () => {
    expect(errorCodes(await gql(h.server.httpUrl, CASES, {}))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(h.server.httpUrl, CASE, { id }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(h.server.httpUrl, REPORT, { input: { areaId: h.world.gid.area('gridA'), title: 't', description: 'd' } }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('partner intake and patrols', () => {
  test('given a partner system with write scope, when it reports the same external id twice, then one case exists', async () => {
    const created = await gql(
      h.server.httpUrl,
      `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { clientKey } clientSecret userErrors { code } } }`,
      { input: { organizationId: h.world.gid.org('community'), name: '數字城管對接', scope: 'READ_WRITE' } },
      h.world.tokens.communityAdmin,
    );
    const { apiClient, clientSecret } = created.body.data.apiClientCreate;
    const tokenRes = await gql(
      h.server.httpUrl,
      `mutation ($input: AuthTokenForClientInput!) { authTokenForClient(input: $input) { accessToken { token } userErrors { code } } }`,
      { input: { clientId: apiClient.clientKey, clientSecret } },
    );
    const token = tokenRes.body.data.authTokenForClient.accessToken.token;
    const input = { areaId: h.world.gid.area('communityA'), title: '路燈損壞', description: '數字城管平台上報：路燈不亮。', externalId: 'SZCG-2026-0001', category: 'ENVIRONMENT' };
    const first = await gql(h.server.httpUrl, REPORT, { input }, token);
    const second = await gql(h.server.httpUrl, REPORT, { input }, token);
    expect(first.body.data.caseReport.userErrors).toEqual([]);
    expect(second.body.data.caseReport.userErrors).toEqual([]);
    expect(second.body.data.caseReport.case.id).toBe(first.body.data.caseReport.case.id);
    expect(first.body.data.caseReport.case.channel).toBe('URBAN_PLATFORM');
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM case_record WHERE external_id = 'SZCG-2026-0001'`);
    expect(n).toBe(1);
  });

  test('given a patrol incident, when the patrols module opens a case twice for it, then one PATROL case exists', async () => {
    const ctx = createContext(h.server.services, Viewer.anonymous(), null);
    const input = {
      areaId: h.world.areas.gridA.id,
      title: '可疑人員',
      description: '巡邏發現可疑人員在車棚徘徊。',
      severity: 'HIGH' as const,
      reporterUserId: h.world.users.communityMember.id,
      patrolId: '11111111-1111-4111-8111-111111111111',
      occurredAt: new Date(Date.now() - 60_000),
      latitude: 30.3,
      longitude: 112.25,
    };
    const first = await inTransaction(ctx, (tx) => createCaseFromPatrolIncident(tx, input));
    const second = await inTransaction(ctx, (tx) => createCaseFromPatrolIncident(tx, input));
    expect(second.caseId).toBe(first.caseId);
    const res = await gql(h.server.httpUrl, CASE, { id: toGlobalId('Case', first.caseId) }, h.world.tokens.policeLiaison);
    expect(res.body.data.case).toMatchObject({ channel: 'PATROL', category: 'PUBLIC_SECURITY', severity: 'HIGH', status: 'REPORTED' });
  });
});

describe('merge, supervision, escalation', () => {
  test('given a duplicate reported by another person, when merged, then it closes and its reporter follows the original (public part)', async () => {
    const original = await report(h.world.tokens.resident);
    const duplicate = await report(h.world.tokens.securityAdmin);
    const merged = await step(MERGE, 'caseMerge', { duplicateId: duplicate.id, originalId: original.id }, h.world.tokens.policeLiaison);
    expect(merged.userErrors).toEqual([]);
    expect(merged.case.id).toBe(original.id);
    const dup = await gql(h.server.httpUrl, CASE, { id: duplicate.id }, h.world.tokens.securityAdmin);
    expect(dup.body.data.case).toMatchObject({ status: 'CLOSED', mergedInto: { id: original.id } });
    const followed = await gql(h.server.httpUrl, CASE, { id: original.id }, h.world.tokens.securityAdmin);
    expect(followed.body.data.case).toMatchObject({ id: original.id, viewerSeesInternal: false });
    expect(followed.body.data.case.timeline.nodes.map((n: { type: string }) => n.type)).toEqual(['REPORTED']);
  });

  test('given a duplicate merged into a case that is itself merged, then both earlier reporters follow the final case', async () => {
    const first = await report(h.world.tokens.securityAdmin);
    const second = await report(h.world.tokens.resident);
    const final = await caseIn('TRIAGED');
    expect((await step(MERGE, 'caseMerge', { duplicateId: first.id, originalId: second.id }, h.world.tokens.policeLiaison)).userErrors).toEqual([]);
    expect((await step(MERGE, 'caseMerge', { duplicateId: second.id, originalId: final }, h.world.tokens.policeLiaison)).userErrors).toEqual([]);
    const seen = await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { id viewerSeesInternal } }`, { id: final }, h.world.tokens.securityAdmin);
    expect(seen.body.data.case).toEqual({ id: final, viewerSeesInternal: false });
    const unrelated = await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { id } }`, { id: final }, h.world.tokens.outsider);
    expect(unrelated.body.data.case).toBeNull();
  });

  test('given an overdue supervised case, when the scheduler runs twice, then exactly one escalation reaches leader and supervisor', async () => {
    clock.freeze(new Date(Date.now() + 1000));
    // A grid of its own: the scheduler escalates every overdue case, and other tests' cases the security company supervises must not reach this subscription.
    const grid = await newGrid('communityA');
    const id = await caseIn('ASSIGNED', { areaId: grid.gid });
    await step(SUPERVISE, 'caseSupervise', { caseId: id, supervisingOrganizationId: h.world.gid.org('security') }, h.world.tokens.policeLiaison);
    const client = wsClient(h.server.wsUrl, h.world.tokens.securityAdmin);
    const sub = subscribe(client, `subscription ($area: ID!) { caseUpdates(areaId: $area) { type case { id overdue } } }`, { area: grid.gid });
    await sleep(300);
    clock.advance(169 * 3_600_000);
    await h.server.scheduler.runAll();
    await h.server.scheduler.runAll();
    const [update] = await sub.waitFor(1);
    expect(update.data).toEqual({ caseUpdates: { type: 'case.escalated', case: { id, overdue: true } } });
    const dbId = Buffer.from(id, 'base64url').toString('utf8').split(':')[1];
    const events = await h.server.services.db.query(`SELECT organization_ids FROM event WHERE type = 'case.escalated' AND subject_id = $1`, [dbId]);
    expect(events).toHaveLength(1);
    expect(events[0].organization_ids).toEqual(expect.arrayContaining([h.world.orgs.community.id, h.world.orgs.security.id]));
    const overdue = await gql(h.server.httpUrl, CASES, { overdue: true, supervised: true }, h.world.tokens.policeAdmin);
    expect(overdue.body.data.cases.nodes.map((n: { id: string }) => n.id)).toContain(id);
    const timeline = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    expect(timeline.body.data.case.timeline.nodes.filter((n: { type: string }) => n.type === 'ESCALATED')).toHaveLength(1);
    await sleep(300);
    expect(sub.received).toHaveLength(1);
    await client.dispose();
  });
});

describe('lists', () => {
  test('given several cases, when paging through cases newest first, then pages do not overlap and follow report time', async () => {
    for (let i = 0; i < 4; i++) await report(h.world.tokens.resident, { title: `paging ${i}` });
    const PAGE = `query ($after: String) { cases(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id reportedAt } } }`;
    const first = await gql(h.server.httpUrl, PAGE, {}, h.world.tokens.resident);
    const second = await gql(h.server.httpUrl, PAGE, { after: first.body.data.cases.pageInfo.endCursor }, h.world.tokens.resident);
    const all = [...first.body.data.cases.nodes, ...second.body.data.cases.nodes];
    expect(new Set(all.map((n) => n.id)).size).toBe(4);
    const times = all.map((n) => Date.parse(n.reportedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(first.body.data.cases.pageInfo.hasNextPage).toBe(true);
  });

  test('given a case waiting for triage and one assigned to the handler, then each sees it in their queue and an outsider sees neither', async () => {
    const waiting = await caseIn('REPORTED');
    const assigned = await caseIn('ASSIGNED');
    const QUEUE = `{ myCaseQueue(first: 100) { nodes { id status } } }`;
    const ids = async (token: string) => (await gql(h.server.httpUrl, QUEUE, {}, token)).body.data.myCaseQueue.nodes.map((n: { id: string }) => n.id);
    const police = await ids(h.world.tokens.policeLiaison);
    const handler = await ids(h.world.tokens.communityMember);
    const outsider = await ids(h.world.tokens.outsider);
    expect(police).toContain(waiting);
    expect(police).not.toContain(assigned);
    expect(handler).toContain(assigned);
    expect(outsider).not.toContain(waiting);
    expect(outsider).not.toContain(assigned);
  });
});

describe('batching', () => {
  test('given 5 and then 50 cases with timelines, when listing them with nested fields, then the SQL statement count stays the same', async () => {
    const db = h.server.services.db;
    // A grid of its own in community B: the list holds these cases only, whatever other tests reported in community B.
    const grid = await newGrid('communityB');
    const bulk = (from: number, n: number) =>
      db.query(
        `WITH c AS (
           INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, reporter_user_id,
                                    responsible_organization_id, leader_user_id, handler_user_id, due_at, reported_at)
           SELECT 'BATCH-2026-' || lpad(i::text, 6, '0'), 'OTHER', 'HOTLINE', 'LOW', 'ASSIGNED', 'batch', 'batch', $1, $2, $3, $4, $4, now() + interval '1 day', now() - i * interval '1 minute'
             FROM generate_series($5::int, $6::int) AS i
           RETURNING id)
         INSERT INTO case_event (case_id, type, visibility, actor_user_id, status_after, occurred_at)
         SELECT id, t, 'PUBLIC', $2, 'ASSIGNED', now() FROM c CROSS JOIN unnest(ARRAY['REPORTED','TRIAGED']) AS t`,
        [grid.id, h.world.users.resident.id, h.world.orgs.outsider.id, h.world.users.outsider.id, from, from + n - 1],
      );
    const LIST = `query ($area: ID) { cases(first: 100, withinAreaId: $area) { totalCount nodes {
      reference overdue viewerSeesInternal area { name } responsibleOrganization { name } reporter { id } leader { id } handler { id } reporterContact
      timeline(first: 5) { totalCount nodes { type actor { id } } } } } }`;
    await bulk(1, 5);
    const small = await gql(h.server.httpUrl, LIST, { area: grid.gid }, h.world.tokens.outsider);
    await bulk(6, 45);
    const large = await gql(h.server.httpUrl, LIST, { area: grid.gid }, h.world.tokens.outsider);
    expect(small.body.data.cases.totalCount).toBe(5);
    expect(large.body.data.cases.totalCount).toBe(50);
    expect(large.body.data.cases.nodes[49].timeline.totalCount).toBe(2);
    expect(large.body.data.cases.nodes[0]).toMatchObject({ viewerSeesInternal: true, leader: { id: h.world.gid.user('outsider') } });
    expectSameStatementCount(small, large);
  });
});

describe('subscription', () => {
  test('given the reporter subscribed, when the handler comments internally and then publicly, then only the public comment arrives', async () => {
    const id = await caseIn('IN_PROGRESS');
    const client = wsClient(h.server.wsUrl, h.world.tokens.resident);
    const sub = subscribe(client, `subscription ($area: ID!) { caseUpdates(areaId: $area) { type case { id } timelineEntry { body visibility } } }`, { area: h.world.gid.area('gridA') });
    await sleep(300);
    await step(COMMENT, 'caseComment', { caseId: id, body: 'secret', visibleToReporter: false }, h.world.tokens.communityMember);
    await step(COMMENT, 'caseComment', { caseId: id, body: 'public', visibleToReporter: true }, h.world.tokens.communityMember);
    const [got] = await sub.waitFor(1);
    expect(got.data.caseUpdates).toEqual({ type: 'case.commented', case: { id }, timelineEntry: { body: 'public', visibility: 'PUBLIC' } });
    await sleep(300);
    expect(sub.received).toHaveLength(1);
    await client.dispose();
  });

  test('given the police station and an outsider subscribed to the street, when a case is reported there, then only the police station receives it', async () => {
    const police = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const doc = `subscription ($area: ID!) { caseUpdates(areaId: $area) { type cursor case { reference } timelineEntry { type } } }`;
    const policeSub = subscribe(police, doc, { area: h.world.gid.area('streetA') });
    const outsiderSub = subscribe(outsider, doc, { area: h.world.gid.area('streetA') });
    await sleep(300);
    const c = await report(h.world.tokens.resident);
    const [got] = await policeSub.waitFor(1);
    expect(got.data.caseUpdates).toMatchObject({ type: 'case.reported', case: { reference: c.reference }, timelineEntry: { type: 'REPORTED' } });
    await sleep(400);
    expect(outsiderSub.received).toEqual([]);
    await police.dispose();
    await outsider.dispose();
  });
});

describe('ledger and dispute screening', () => {
  test('given an illegal-construction case with a ledger record and a three-phase plan, when one phase is done, then the ledger shows a third of progress', async () => {
    const c = await report(h.world.tokens.policeLiaison, { category: 'ILLEGAL_CONSTRUCTION', title: '樓頂違建', channel: 'DRONE' });
    const ledger = await gql(
      h.server.httpUrl,
      `mutation ($input: CaseLedgerSetInput!) { caseLedgerSet(input: $input) { userErrors { code } } }`,
      { input: { caseId: c.id, structureType: '樓頂加建彩鋼房', floorAreaM2: 45.5, discoveredBy: '無人機巡查', foundHow: 'DRONE', classification: 'EXISTING', safetyHazard: true } },
      h.world.tokens.policeLiaison,
    );
    expect(ledger.body.data.caseLedgerSet.userErrors).toEqual([]);
    await gql(
      h.server.httpUrl,
      `mutation ($input: CaseDisposalPlanSetInput!) { caseDisposalPlanSet(input: $input) { userErrors { code } } }`,
      { input: { caseId: c.id, phases: [{ title: '下達限期拆除通知', dueOn: '2026-01-10' }, { title: '自行拆除', dueOn: '2099-02-10' }, { title: '場地恢復', dueOn: '2099-03-10' }] } },
      h.world.tokens.policeLiaison,
    );
    const LEDGER = `query ($area: ID!) { illegalConstructionLedger(areaId: $area) { totalCount nodes { floorAreaM2 classification safetyHazard phaseCount completedPhaseCount progress overduePhaseCount nextDueOn case { id } disposalPlan { nodes { id title } } } } }`;
    const before = await gql(h.server.httpUrl, LEDGER, { area: h.world.gid.area('streetA') }, h.world.tokens.policeAdmin);
    const entry = before.body.data.illegalConstructionLedger.nodes.find((n: { case: { id: string } }) => n.case.id === c.id);
    expect(entry).toMatchObject({ floorAreaM2: 45.5, phaseCount: 3, completedPhaseCount: 0, overduePhaseCount: 1, nextDueOn: '2026-01-10' });
    await gql(
      h.server.httpUrl,
      `mutation ($input: CaseDisposalPhaseCompleteInput!) { caseDisposalPhaseComplete(input: $input) { userErrors { code } } }`,
      { input: { phaseId: entry.disposalPlan.nodes[0].id } },
      h.world.tokens.policeLiaison,
    );
    const after = await gql(h.server.httpUrl, LEDGER, { area: h.world.gid.area('streetA') }, h.world.tokens.policeAdmin);
    expect(after.body.data.illegalConstructionLedger.nodes.find((n: { case: { id: string } }) => n.case.id === c.id)).toMatchObject({ completedPhaseCount: 1, overduePhaseCount: 0, nextDueOn: '2099-02-10' });
    expect(after.body.data.illegalConstructionLedger.nodes.find((n: { case: { id: string } }) => n.case.id === c.id).progress).toBeCloseTo(1 / 3);
    const reporterView = await gql(h.server.httpUrl, LEDGER, { area: h.world.gid.area('streetA') }, h.world.tokens.resident);
    expect(reporterView.body.data.illegalConstructionLedger.totalCount).toBe(0);
    const outsiderView = await gql(h.server.httpUrl, LEDGER, { area: h.world.gid.area('streetA') }, h.world.tokens.outsider);
    expect(outsiderView.body.data.illegalConstructionLedger.totalCount).toBe(0);

    const NODE = `query ($id: ID!) { node(id: $id) { ... on DisposalPlanPhase { title } } }`;
    const phaseId = entry.disposalPlan.nodes[0].id;
    const asPolice = await gql(h.server.httpUrl, NODE, { id: phaseId }, h.world.tokens.policeAdmin);
    expect(asPolice.body.data.node).toEqual({ title: '下達限期拆除通知' });
    const asReporter = await gql(h.server.httpUrl, NODE, { id: phaseId }, h.world.tokens.resident);
    expect(asReporter.body).toEqual({ data: { node: null } });
  });

  test('given a dispute and an environment case this week, when screening disputes, then only the dispute is listed', async () => {
    const dispute = await report(h.world.tokens.resident, { category: 'DISPUTE', title: '鄰里噪音糾紛' });
    const other = await report(h.world.tokens.resident, { category: 'ENVIRONMENT' });
    const res = await gql(
      h.server.httpUrl,
      `query ($area: ID!, $week: LocalDate!) { disputeScreening(areaId: $area, weekOf: $week, first: 100) { nodes { id category } } }`,
      { area: h.world.gid.area('communityA'), week: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()) },
      h.world.tokens.policeLiaison,
    );
    const ids = res.body.data.disputeScreening.nodes.map((n: { id: string }) => n.id);
    expect(ids).toContain(dispute.id);
    expect(ids).not.toContain(other.id);
    expect(res.body.data.disputeScreening.nodes.every((n: { category: string }) => n.category === 'DISPUTE')).toBe(true);
  });
});

// ---------- the rules of each step (issue 18: case.transitions.ts under mutation) ----------

/** A well-formed id of a case that does not exist: a step that got past its input checks answers NOT_FOUND for it. */
const UNKNOWN_CASE = toGlobalId('Case', '00000000-0000-4000-8000-000000000001');
const dbId = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];
const fieldCodes = (errors: { field: string[]; code: string }[]) => errors.map((e) => [e.field[1], e.code]);

/** The audit trail's latest entry for a case, as the database keeps it. */
async function lastAudit(caseId: string): Promise<{ action: string; details: Record<string, any> }> {
  const [row] = await h.server.services.db.query(`SELECT action, details FROM audit_entry WHERE record_type = 'Case' AND record_id = $1 ORDER BY id DESC LIMIT 1`, [dbId(caseId)]);
  return row;
}

/** The case's latest timeline step with the data the timeline keeps beside it (pushed to subscribers and webhooks). */
async function lastStep(caseId: string): Promise<{ type: string; visibility: string; body: string | null; data: Record<string, any> }> {
  const [row] = await h.server.services.db.query(`SELECT type, visibility, body, data FROM case_event WHERE case_id = $1 ORDER BY id DESC LIMIT 1`, [dbId(caseId)]);
  return row;
}

function securityAssignment() {
  return { responsibleOrganizationId: h.world.gid.org('security'), leaderUserId: h.world.gid.user('securityAdmin'), handlerUserId: h.world.gid.user('securityAdmin') };
}

describe('what each step refuses before it reads the case', () => {
  const past = (max: number) => 'x'.repeat(max + 1);
  const rows: [what: string, doc: string, field: string, input: () => Record<string, unknown>, expected: string[][]][] = [
    ['a triage without a case id', TRIAGE, 'caseTriage', () => ({ caseId: '', category: 'OTHER', severity: 'LOW' }), [['caseId', 'REQUIRED']]],
    ['a triage note past NOTE_MAX', TRIAGE, 'caseTriage', () => ({ caseId: UNKNOWN_CASE, category: 'OTHER', severity: 'LOW', note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
    ['a triage naming a responsible unit but no leader or handler', TRIAGE, 'caseTriage', () => ({ caseId: UNKNOWN_CASE, category: 'OTHER', severity: 'LOW', responsibleOrganizationId: h.world.gid.org('community') }), [['leaderUserId', 'REQUIRED'], ['handlerUserId', 'REQUIRED']]],
    ['a triage due date in the past', TRIAGE, 'caseTriage', () => ({ caseId: UNKNOWN_CASE, category: 'OTHER', severity: 'LOW', dueAt: new Date(Date.now() - 60_000).toISOString() }), [['dueAt', 'OUT_OF_RANGE']]],
    ['an assignment without a leader', ASSIGN, 'caseAssign', () => ({ caseId: UNKNOWN_CASE, responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: '', handlerUserId: h.world.gid.user('communityMember') }), [['leaderUserId', 'REQUIRED']]],
    ['an assignment note past NOTE_MAX', ASSIGN, 'caseAssign', () => ({ caseId: UNKNOWN_CASE, responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: h.world.gid.user('communityAdmin'), handlerUserId: h.world.gid.user('communityMember'), note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
    ['a start note past NOTE_MAX', START, 'caseStart', () => ({ caseId: UNKNOWN_CASE, note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
    ['a blank resolution', RESOLVE, 'caseResolve', () => ({ caseId: UNKNOWN_CASE, resolution: '   ' }), [['resolution', 'REQUIRED']]],
    ['a resolution past 5000 characters', RESOLVE, 'caseResolve', () => ({ caseId: UNKNOWN_CASE, resolution: past(5000) }), [['resolution', 'TOO_LONG']]],
    ['a closing note past NOTE_MAX', CLOSE, 'caseClose', () => ({ caseId: UNKNOWN_CASE, note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
    ['a rating given by the closing organisation', CLOSE, 'caseClose', () => ({ caseId: UNKNOWN_CASE, satisfaction: 5 }), [['satisfaction', 'NOT_PERMITTED_HERE']]],
    ['a blank reason to reopen', REOPEN, 'caseReopen', () => ({ caseId: UNKNOWN_CASE, reason: ' ' }), [['reason', 'REQUIRED']]],
    ['a reason to reopen past NOTE_MAX', REOPEN, 'caseReopen', () => ({ caseId: UNKNOWN_CASE, reason: past(NOTE_MAX) }), [['reason', 'TOO_LONG']]],
    ['a supervision without a supervising organisation', SUPERVISE, 'caseSupervise', () => ({ caseId: UNKNOWN_CASE, supervisingOrganizationId: '' }), [['supervisingOrganizationId', 'REQUIRED']]],
    ['a supervision note past NOTE_MAX', SUPERVISE, 'caseSupervise', () => ({ caseId: UNKNOWN_CASE, supervisingOrganizationId: h.world.gid.org('security'), note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
    ['a comment without a case id', COMMENT, 'caseComment', () => ({ caseId: '', body: 'x' }), [['caseId', 'REQUIRED']]],
    ['a blank comment', COMMENT, 'caseComment', () => ({ caseId: UNKNOWN_CASE, body: ' ' }), [['body', 'REQUIRED']]],
    ['a comment past 5000 characters', COMMENT, 'caseComment', () => ({ caseId: UNKNOWN_CASE, body: past(5000) }), [['body', 'TOO_LONG']]],
    ['a merge without ids', MERGE, 'caseMerge', () => ({ duplicateId: '', originalId: '' }), [['duplicateId', 'REQUIRED'], ['originalId', 'REQUIRED']]],
    ['a case merged into itself', MERGE, 'caseMerge', () => ({ duplicateId: UNKNOWN_CASE, originalId: UNKNOWN_CASE }), [['originalId', 'SELF_REFERENCE']]],
    ['a merge note past NOTE_MAX', MERGE, 'caseMerge', () => ({ duplicateId: UNKNOWN_CASE, originalId: toGlobalId('Case', '00000000-0000-4000-8000-000000000002'), note: past(NOTE_MAX) }), [['note', 'TOO_LONG']]],
  ];

  test.each(rows)('given %s, when the police station sends it, then exactly that field and code come back (not NOT_FOUND: the case is never read)', async (_what, doc, field, input, expected) => {
    const res = await gql(h.server.httpUrl, doc, { input: input() }, h.world.tokens.policeAdmin);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data[field].case).toBeNull();
    expect(fieldCodes(res.body.data[field].userErrors)).toEqual(expected);
  });
});

describe('refusals that explain themselves', () => {
  // Codes are the contract; these two messages carry what the code cannot: which step, and why the fields are required.
  test('given a reported case, when started, then INVALID_TRANSITION whose message names the status and the step', async () => {
    const id = await caseIn('REPORTED');
    const res = await gql(h.server.httpUrl, START, { input: { caseId: id } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseStart.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', message: 'A REPORTED case cannot be started.' })]);
  });

  test.each([
    ['a major dispute without responsible unit, leader and handler, and a note past NOTE_MAX', () => ({ category: 'DISPUTE', severity: 'CRITICAL', note: 'x'.repeat(NOTE_MAX + 1) }), ['responsibleOrganizationId', 'leaderUserId', 'handlerUserId'], true],
    ['a major dispute without responsible unit, leader and handler', () => ({ category: 'DISPUTE', severity: 'HIGH' }), ['responsibleOrganizationId', 'leaderUserId', 'handlerUserId'], true],
    ['an ordinary case naming a responsible unit only', () => ({ category: 'OTHER', severity: 'LOW', responsibleOrganizationId: h.world.gid.org('community') }), ['leaderUserId', 'handlerUserId'], false],
  ])('given %s, when triaged, then each missing field is REQUIRED, and only a major dispute says the dispute is why', async (_what, extra, missing, major) => {
    const input = { caseId: UNKNOWN_CASE, ...extra() };
    const res = await gql(h.server.httpUrl, TRIAGE, { input }, h.world.tokens.policeAdmin);
    const errors: { field: string[]; code: string; message: string }[] = res.body.data.caseTriage.userErrors;
    const required = errors.filter((e) => e.code === 'REQUIRED');
    expect(required.map((e) => e.field[1])).toEqual(missing);
    for (const e of required) expect(e.message.includes('major dispute')).toBe(major);
    // Other problems keep their own message.
    for (const e of errors.filter((e) => e.code !== 'REQUIRED')) expect(e.message).not.toContain('major dispute');
  });
});

describe('a refused comment says why', () => {
  // The reporter is told how it may comment; anyone else who may see the case but not comment is told just that.
  test.each([
    ['the reporter', 'internally', false, 'Reporters write comments visible to the handling organisations and themselves only (visibleToReporter: true).', () => h.world.tokens.resident],
    ['an OBSERVER of the organisation with jurisdiction', 'publicly', true, 'You may not comment on this case.', () => h.world.tokens.communityObserver],
  ])('given %s, when commenting %s, then FORBIDDEN with the reason', async (_who, _how, visibleToReporter, message, token) => {
    const id = await caseIn('IN_PROGRESS');
    const res = await gql(h.server.httpUrl, COMMENT, { input: { caseId: id, body: '能否加快處理？', visibleToReporter } }, token());
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0].message).toBe(message);
  });
});

describe('who may take each step (the case.policy rule each transition calls)', () => {
  /** A case the security company handles (responsible, without jurisdiction in the area): it works and closes, but does not dispatch. */
  async function handledBySecurity(status: 'ASSIGNED' | 'IN_PROGRESS' | 'RESOLVED') {
    const c = await report(h.world.tokens.resident);
    const police = h.world.tokens.policeLiaison;
    await step(TRIAGE, 'caseTriage', { caseId: c.id, category: 'ENVIRONMENT', severity: 'MEDIUM', ...securityAssignment() }, police);
    if (status !== 'ASSIGNED') await step(START, 'caseStart', { caseId: c.id }, police);
    if (status === 'RESOLVED') await step(RESOLVE, 'caseResolve', { caseId: c.id, resolution: '已處理' }, police);
    return c.id as string;
  }
  /** A case the community handles and the security company supervises: it closes and reopens, but neither works nor dispatches. */
  async function supervisedBySecurity(status: 'REPORTED' | 'TRIAGED' | 'ASSIGNED' | 'IN_PROGRESS' | 'RESOLVED') {
    const id = await caseIn(status);
    await step(SUPERVISE, 'caseSupervise', { caseId: id, supervisingOrganizationId: h.world.gid.org('security') }, h.world.tokens.policeLiaison);
    return id;
  }
  type Row = [who: string, op: string, outcome: string, given: () => Promise<string>, doc: string, field: string, input: (id: string) => Record<string, unknown>, token: () => string];
  const security = () => h.world.tokens.securityAdmin;
  const rows: Row[] = [
    ['the responsible organisation without jurisdiction', 'start', 'IN_PROGRESS', () => handledBySecurity('ASSIGNED'), START, 'caseStart', (id) => ({ caseId: id }), security],
    ['the responsible organisation without jurisdiction', 'resolve', 'RESOLVED', () => handledBySecurity('IN_PROGRESS'), RESOLVE, 'caseResolve', (id) => ({ caseId: id, resolution: '已處理' }), security],
    ['the responsible organisation without jurisdiction', 'close', 'CLOSED', () => handledBySecurity('RESOLVED'), CLOSE, 'caseClose', (id) => ({ caseId: id }), security],
    ['the responsible organisation without jurisdiction', 'reassign', 'FORBIDDEN', () => handledBySecurity('ASSIGNED'), REASSIGN, 'caseReassign', (id) => ({ caseId: id, ...assignment() }), security],
    ['the supervising organisation', 'close', 'CLOSED', () => supervisedBySecurity('RESOLVED'), CLOSE, 'caseClose', (id) => ({ caseId: id }), security],
    ['the supervising organisation', 'reopen', 'REOPENED', () => supervisedBySecurity('RESOLVED'), REOPEN, 'caseReopen', (id) => ({ caseId: id, reason: '督辦複查未通過' }), security],
    ['the supervising organisation', 'start', 'FORBIDDEN', () => supervisedBySecurity('ASSIGNED'), START, 'caseStart', (id) => ({ caseId: id }), security],
    ['the supervising organisation', 'resolve', 'FORBIDDEN', () => supervisedBySecurity('IN_PROGRESS'), RESOLVE, 'caseResolve', (id) => ({ caseId: id, resolution: '已處理' }), security],
    ['the supervising organisation', 'triage', 'FORBIDDEN', () => supervisedBySecurity('REPORTED'), TRIAGE, 'caseTriage', (id) => ({ caseId: id, category: 'OTHER', severity: 'LOW' }), security],
    ['the supervising organisation', 'assign', 'FORBIDDEN', () => supervisedBySecurity('TRIAGED'), ASSIGN, 'caseAssign', (id) => ({ caseId: id, ...assignment() }), security],
    ['the supervising organisation', 'hand on supervision of', 'FORBIDDEN', () => supervisedBySecurity('ASSIGNED'), SUPERVISE, 'caseSupervise', (id) => ({ caseId: id, supervisingOrganizationId: h.world.gid.org('outsider') }), security],
    ['the reporter', 'close', 'FORBIDDEN', () => caseIn('RESOLVED'), CLOSE, 'caseClose', (id) => ({ caseId: id }), () => h.world.tokens.resident],
    ['the reporter', 'reopen', 'FORBIDDEN', () => caseIn('CLOSED'), REOPEN, 'caseReopen', (id) => ({ caseId: id, reason: '問題仍在' }), () => h.world.tokens.resident],
  ];

  test.each(rows)('given %s, when it tries to %s the case, then the answer is %s', async (_who, _op, outcome, given, doc, field, input, token) => {
    const id = await given();
    const read = async () => (await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { status version } }`, { id }, h.world.tokens.policeAdmin)).body.data.case;
    const before = await read();
    const res = await gql(h.server.httpUrl, doc, { input: input(id) }, token());
    if (outcome === 'FORBIDDEN') {
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(await read()).toEqual(before);
    } else {
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data[field].userErrors).toEqual([]);
      expect(res.body.data[field].case.status).toBe(outcome);
    }
  });
});

describe('a refused dispatch says what stands in the way', () => {
  // The message is the point of dispatchRefusal: an OBSERVER of the jurisdiction is told its role is the obstacle.
  // (A read-only API client never gets this far: @Access(WRITE) refuses it first.)
  const rows: [who: string, op: string, obstacle: string, given: () => Promise<string>, doc: string, field: string, input: (id: string) => Record<string, unknown>, token: () => string][] = [
    ['an OBSERVER of the organisation with jurisdiction', 'triage', '(OBSERVER)', () => caseIn('REPORTED'), TRIAGE, 'caseTriage', (id) => ({ caseId: id, category: 'OTHER', severity: 'LOW' }), () => h.world.tokens.communityObserver],
    ['an OBSERVER of the organisation with jurisdiction', 'assign', '(OBSERVER)', () => caseIn('TRIAGED'), ASSIGN, 'caseAssign', (id) => ({ caseId: id, ...assignment() }), () => h.world.tokens.communityObserver],
    ['an OBSERVER of the organisation with jurisdiction', 'supervise', '(OBSERVER)', () => caseIn('ASSIGNED'), SUPERVISE, 'caseSupervise', (id) => ({ caseId: id, supervisingOrganizationId: h.world.gid.org('security') }), () => h.world.tokens.communityObserver],
    ['an organisation without jurisdiction (the responsible one)', 'reassign', 'Only organisations whose jurisdiction covers the area', async () => {
      const c = await report(h.world.tokens.resident);
      await step(TRIAGE, 'caseTriage', { caseId: c.id, category: 'ENVIRONMENT', severity: 'MEDIUM', ...securityAssignment() }, h.world.tokens.policeLiaison);
      return c.id;
    }, REASSIGN, 'caseReassign', (id) => ({ caseId: id, ...assignment() }), () => h.world.tokens.securityAdmin],
  ];

  test.each(rows)('given %s, when it tries to %s, then FORBIDDEN naming the obstacle: %s', async (_who, _op, obstacle, given, doc, _field, input, token) => {
    const id = await given();
    const res = await gql(h.server.httpUrl, doc, { input: input(id) }, token());
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0].message).toContain(obstacle);
  });
});

describe('assignment', () => {
  test('given a triaged case, when assigned with a leader who is not a member of the responsible organisation, then NOT_PERMITTED_HERE on the leader only', async () => {
    const id = await caseIn('TRIAGED');
    const res = await gql(h.server.httpUrl, ASSIGN, { input: { caseId: id, ...assignment(), leaderUserId: h.world.gid.user('securityAdmin') } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseAssign.userErrors)).toEqual([['leaderUserId', 'NOT_PERMITTED_HERE']]);
  });

  test('given a triaged case, when assigned to an organisation that does not exist, then NOT_FOUND on it (not a complaint about its members)', async () => {
    const id = await caseIn('TRIAGED');
    const res = await gql(h.server.httpUrl, ASSIGN, { input: { caseId: id, ...assignment(), responsibleOrganizationId: toGlobalId('Organization', '00000000-0000-4000-8000-000000000003') } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseAssign.userErrors)).toEqual([['responsibleOrganizationId', 'NOT_FOUND']]);
  });

  test('given a major dispute, when triaged with a handler who is not a member of the responsible organisation, then NOT_PERMITTED_HERE and it stays REPORTED', async () => {
    const id = await caseIn('REPORTED');
    const res = await gql(h.server.httpUrl, TRIAGE, { input: { caseId: id, category: 'DISPUTE', severity: 'HIGH', ...assignment(), handlerUserId: h.world.gid.user('securityAdmin') } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseTriage.userErrors)).toEqual([['handlerUserId', 'NOT_PERMITTED_HERE']]);
    const after = await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin);
    expect(after.body.data.case.status).toBe('REPORTED');
  });

  test('given a reported case, when triaged with a responsible unit, leader and handler, then it is ASSIGNED with both steps and the assignment in step and audit trail', async () => {
    const id = await caseIn('REPORTED');
    const payload = await step(TRIAGE, 'caseTriage', { caseId: id, category: 'ENVIRONMENT', severity: 'LOW', ...assignment() }, h.world.tokens.policeAdmin);
    expect(payload.case.status).toBe('ASSIGNED');
    expect(payload.case.timeline.nodes.map((n: { type: string }) => n.type)).toEqual(['REPORTED', 'TRIAGED', 'ASSIGNED']);
    const community = { responsibleOrganizationId: h.world.orgs.community.id, leaderUserId: h.world.users.communityAdmin.id, handlerUserId: h.world.users.communityMember.id };
    expect(await lastStep(id)).toMatchObject({ type: 'ASSIGNED', data: community });
    expect(await lastAudit(id)).toMatchObject({ action: 'caseTriage', details: { status: 'ASSIGNED', category: 'ENVIRONMENT', severity: 'LOW', ...community } });
  });
});

describe('reassignment', () => {
  /** Member of both the community and the security company, so an assignment can change its organisation alone. */
  let twoHats: { id: string; gid: string };
  beforeAll(async () => {
    const user = await addMember(h, 'TwoHats', h.world.orgs.community.id, MemberRole.MEMBER);
    await h.server.services.db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, 'MEMBER')`, [user.id, h.world.orgs.security.id]);
    twoHats = { id: user.id, gid: toGlobalId('User', user.id) };
  });

  async function assignedToTwoHats(): Promise<string> {
    const id = await caseIn('TRIAGED');
    await step(ASSIGN, 'caseAssign', { caseId: id, responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: twoHats.gid, handlerUserId: twoHats.gid }, h.world.tokens.policeLiaison);
    await step(START, 'caseStart', { caseId: id }, h.world.tokens.policeLiaison);
    return id;
  }

  test('given a case in progress, when reassigned to the organisation, leader and handler it already has, then ALREADY_DONE and nothing changes', async () => {
    const id = await assignedToTwoHats();
    const res = await gql(h.server.httpUrl, REASSIGN, { input: { caseId: id, responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: twoHats.gid, handlerUserId: twoHats.gid } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseReassign.userErrors)).toEqual([['caseId', 'ALREADY_DONE']]);
    expect(await lastStep(id)).toMatchObject({ type: 'STARTED' });
  });

  const changes: [what: string, change: () => Record<string, string>][] = [
    ['the organisation', () => ({ responsibleOrganizationId: h.world.gid.org('security') })],
    ['the leader', () => ({ leaderUserId: h.world.gid.user('communityAdmin') })],
    ['the handler', () => ({ handlerUserId: h.world.gid.user('communityMember') })],
  ];
  test.each(changes)('given a case in progress, when reassigned changing only %s, then it is ASSIGNED afresh and step and audit trail name the previous assignment', async (_what, change) => {
    const id = await assignedToTwoHats();
    const payload = await step(REASSIGN, 'caseReassign', { caseId: id, responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: twoHats.gid, handlerUserId: twoHats.gid, ...change() }, h.world.tokens.policeAdmin);
    expect(payload.userErrors).toEqual([]);
    expect(payload.case.status).toBe('ASSIGNED');
    const previous = { responsibleOrganizationId: h.world.orgs.community.id, leaderUserId: twoHats.id, handlerUserId: twoHats.id };
    expect(await lastStep(id)).toMatchObject({ type: 'REASSIGNED', data: { previous } });
    expect(await lastAudit(id)).toMatchObject({ action: 'caseReassign', details: { status: 'ASSIGNED', previous } });
  });
});

describe('due dates at triage', () => {
  const TRIAGE_DUE = `mutation ($input: CaseTriageInput!) { caseTriage(input: $input) { case { status dueAt escalatedAt } userErrors { field code } } }`;

  test('given the clock stopped, when a triage sets the due date to this very moment, then OUT_OF_RANGE: a due date must lie in the future', async () => {
    const now = new Date();
    clock.freeze(now);
    const res = await gql(h.server.httpUrl, TRIAGE_DUE, { input: { caseId: UNKNOWN_CASE, category: 'OTHER', severity: 'LOW', dueAt: now.toISOString() } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseTriage.userErrors)).toEqual([['dueAt', 'OUT_OF_RANGE']]);
  });

  test('given an escalated case, when triaged with a due date in the future, then that is its due date (also on the public step) and it may be escalated again', async () => {
    const id = await caseIn('REPORTED');
    await h.server.services.db.query(`UPDATE case_record SET escalated_at = now() WHERE id = $1`, [dbId(id)]);
    const dueAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const res = await gql(h.server.httpUrl, TRIAGE_DUE, { input: { caseId: id, category: 'OTHER', severity: 'LOW', dueAt } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseTriage).toEqual({ case: { status: 'TRIAGED', dueAt, escalatedAt: null }, userErrors: [] });
    expect(await lastStep(id)).toMatchObject({ type: 'TRIAGED', visibility: 'PUBLIC', data: { category: 'OTHER', severity: 'LOW', dueAt } });
  });

  test('given an escalated case whose default due date falls due right now, when triaged, then it stays escalated (a due date that is now is not in the future)', async () => {
    const now = new Date();
    clock.freeze(now);
    const id = await caseIn('REPORTED');
    // DISPUTE/MEDIUM is due 168 hours after the report.
    await h.server.services.db.query(`UPDATE case_record SET reported_at = $2, escalated_at = $3 WHERE id = $1`, [dbId(id), new Date(now.getTime() - 168 * 3_600_000), new Date(now.getTime() - 1000)]);
    const res = await gql(h.server.httpUrl, TRIAGE_DUE, { input: { caseId: id, category: 'DISPUTE', severity: 'MEDIUM' } }, h.world.tokens.policeAdmin);
    expect(res.body.data.caseTriage.userErrors).toEqual([]);
    expect(res.body.data.caseTriage.case).toMatchObject({ status: 'TRIAGED', dueAt: now.toISOString() });
    expect(res.body.data.caseTriage.case.escalatedAt).not.toBeNull();
  });
});

describe('notes, guards and supervision', () => {
  test('given an assigned case, when the handler starts it with a note, then the note follows the public STARTED step as an internal comment', async () => {
    const id = await caseIn('ASSIGNED');
    const payload = await step(START, 'caseStart', { caseId: id, note: '明早上門' }, h.world.tokens.communityMember);
    expect(payload.case.timeline.nodes.slice(-2)).toEqual([
      expect.objectContaining({ type: 'STARTED', visibility: 'PUBLIC' }),
      expect.objectContaining({ type: 'COMMENTED', visibility: 'INTERNAL', body: '明早上門' }),
    ]);
  });

  test('given a resolved case, when the police station closes it with a note, then the note follows the public CLOSED step as an internal comment', async () => {
    const id = await caseIn('RESOLVED');
    const payload = await step(CLOSE, 'caseClose', { caseId: id, note: '回訪滿意' }, h.world.tokens.policeLiaison);
    expect(payload.case.timeline.nodes.slice(-2)).toEqual([
      expect.objectContaining({ type: 'CLOSED', visibility: 'PUBLIC' }),
      expect.objectContaining({ type: 'COMMENTED', visibility: 'INTERNAL', body: '回訪滿意' }),
    ]);
  });

  test('given a reopened case that has no handler, when started, then INVALID_TRANSITION: it must be assigned first', async () => {
    const id = await caseIn('REPORTED');
    // No step reopens a case without a handler (a merged duplicate cannot be reopened, not even by its reporter); the guard holds regardless.
    await h.server.services.db.query(`UPDATE case_record SET status = 'REOPENED' WHERE id = $1`, [dbId(id)]);
    const res = await gql(h.server.httpUrl, START, { input: { caseId: id } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseStart.userErrors)).toEqual([['caseId', 'INVALID_TRANSITION']]);
  });

  test('given a case in progress, when resolved, then the audit trail keeps the resolution', async () => {
    const id = await caseIn('IN_PROGRESS');
    await step(RESOLVE, 'caseResolve', { caseId: id, resolution: '已清理完畢' }, h.world.tokens.communityMember);
    expect(await lastAudit(id)).toEqual({ action: 'caseResolve', details: { status: 'RESOLVED', resolution: '已清理完畢' } });
  });

  test('given a closed case, when reopened, then its new due date is in the public step and, with the reason, in the audit trail', async () => {
    const id = await caseIn('CLOSED');
    await step(REOPEN, 'caseReopen', { caseId: id, reason: '問題復發' }, h.world.tokens.policeLiaison);
    const reopened = await lastStep(id);
    expect(reopened).toMatchObject({ type: 'REOPENED', visibility: 'PUBLIC', body: '問題復發', data: { dueAt: expect.any(String) } });
    expect(await lastAudit(id)).toEqual({ action: 'caseReopen', details: { status: 'REOPENED', reason: '問題復發', dueAt: reopened.data.dueAt } });
  });

  test('given a duplicate merged into another case, when the police station reopens the duplicate, then INVALID_TRANSITION (reopen the original)', async () => {
    const original = await caseIn('TRIAGED');
    const duplicate = await caseIn('REPORTED');
    await step(MERGE, 'caseMerge', { duplicateId: duplicate, originalId: original }, h.world.tokens.policeLiaison);
    const res = await gql(h.server.httpUrl, REOPEN, { input: { caseId: duplicate, reason: '重新處理' } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseReopen.userErrors)).toEqual([['caseId', 'INVALID_TRANSITION']]);
  });

  test('given an assigned case, when put under supervision, then the public SUPERVISED step and the audit trail name the supervisor', async () => {
    const id = await caseIn('ASSIGNED');
    const payload = await step(SUPERVISE, 'caseSupervise', { caseId: id, supervisingOrganizationId: h.world.gid.org('security') }, h.world.tokens.policeLiaison);
    expect(payload.case.supervisingOrganization).toEqual({ id: h.world.gid.org('security') });
    expect(await lastStep(id)).toMatchObject({ type: 'SUPERVISED', visibility: 'PUBLIC', data: { supervisingOrganizationId: h.world.orgs.security.id, previous: null } });
    expect(await lastAudit(id)).toEqual({ action: 'caseSupervise', details: { status: 'ASSIGNED', supervisingOrganizationId: h.world.orgs.security.id } });
  });

  test('given a case supervised by the security company, when put under its supervision again, then ALREADY_DONE', async () => {
    const id = await caseIn('ASSIGNED');
    await step(SUPERVISE, 'caseSupervise', { caseId: id, supervisingOrganizationId: h.world.gid.org('security') }, h.world.tokens.policeLiaison);
    const res = await gql(h.server.httpUrl, SUPERVISE, { input: { caseId: id, supervisingOrganizationId: h.world.gid.org('security') } }, h.world.tokens.policeLiaison);
    expect(fieldCodes(res.body.data.caseSupervise.userErrors)).toEqual([['supervisingOrganizationId', 'ALREADY_DONE']]);
  });

  test('given a case, when put under the supervision of an organisation that does not exist, then NOT_FOUND on it', async () => {
    const id = await caseIn('ASSIGNED');
    const res = await gql(h.server.httpUrl, SUPERVISE, { input: { caseId: id, supervisingOrganizationId: toGlobalId('Organization', '00000000-0000-4000-8000-000000000004') } }, h.world.tokens.policeLiaison);
    expect(fieldCodes(res.body.data.caseSupervise.userErrors)).toEqual([['supervisingOrganizationId', 'NOT_FOUND']]);
  });

  test('given a case in progress, when the handler comments for the reporter, then the audit trail records a public comment', async () => {
    const id = await caseIn('IN_PROGRESS');
    await step(COMMENT, 'caseComment', { caseId: id, body: '已派人處理', visibleToReporter: true }, h.world.tokens.communityMember);
    expect(await lastAudit(id)).toEqual({ action: 'caseComment', details: { visibility: 'PUBLIC' } });
  });
});

describe('merging duplicates', () => {
  test('given a closed case, when a duplicate is merged into it, then INVALID_TRANSITION on the original and the duplicate stays open', async () => {
    const original = await caseIn('CLOSED');
    const duplicate = await caseIn('REPORTED');
    const res = await gql(h.server.httpUrl, MERGE, { input: { duplicateId: duplicate, originalId: original } }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseMerge.userErrors)).toEqual([['originalId', 'INVALID_TRANSITION']]);
    expect((await gql(h.server.httpUrl, CASE, { id: duplicate }, h.world.tokens.policeAdmin)).body.data.case.status).toBe('REPORTED');
  });

  // The two cases are locked in id order, whichever is the duplicate: both orders must merge the same way.
  test.each([['higher', 'lower'], ['lower', 'higher']])('given two open cases, when the one with the %s id is merged into the one with the %s id, then that one is closed into the other, as step and audit trail say', async (duplicateRank) => {
    const [low, high] = [await caseIn('REPORTED'), await caseIn('TRIAGED')].sort((a, b) => (dbId(a) < dbId(b) ? -1 : 1));
    const [duplicate, original] = duplicateRank === 'higher' ? [high, low] : [low, high];
    const payload = await step(MERGE, 'caseMerge', { duplicateId: duplicate, originalId: original, note: '同一處堆物' }, h.world.tokens.policeLiaison);
    expect(payload.userErrors).toEqual([]);
    expect(payload.case.id).toBe(original);
    const read = async (id: string) => (await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin)).body.data.case;
    const [dup, orig] = [await read(duplicate), await read(original)];
    expect(dup).toMatchObject({ status: 'CLOSED', mergedInto: { id: original } });
    expect(orig).toMatchObject({ mergedInto: null });
    expect(orig.status).not.toBe('CLOSED');
    expect(await lastStep(duplicate)).toMatchObject({ type: 'MERGED', visibility: 'PUBLIC', data: { originalId: dbId(original), originalReference: orig.reference } });
    expect(await lastStep(original)).toMatchObject({ type: 'DUPLICATE_MERGED', visibility: 'INTERNAL', body: '同一處堆物', data: { duplicateId: dbId(duplicate), duplicateReference: dup.reference } });
    expect(await lastAudit(duplicate)).toEqual({ action: 'caseMerge', details: { originalId: dbId(original) } });
  });

  // Unknown ids are reported on the field they came in, whether they are locked first (all zeros) or second (all f's).
  const FIRST = toGlobalId('Case', '00000000-0000-4000-8000-000000000005');
  const LAST = toGlobalId('Case', 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  test.each([
    ['duplicate', 'first', FIRST, 'duplicateId'],
    ['duplicate', 'last', LAST, 'duplicateId'],
    ['original', 'first', FIRST, 'originalId'],
    ['original', 'last', LAST, 'originalId'],
  ])('given an unknown %s id that sorts %s, when merging, then NOT_FOUND on that field', async (role, _sorts, unknown, field) => {
    const known = await caseIn('REPORTED');
    const input = role === 'duplicate' ? { duplicateId: unknown, originalId: known } : { duplicateId: known, originalId: unknown };
    const res = await gql(h.server.httpUrl, MERGE, { input }, h.world.tokens.policeAdmin);
    expect(fieldCodes(res.body.data.caseMerge.userErrors)).toEqual([[field, 'NOT_FOUND']]);
  });

  // The community dispatches cases in community A; it handles, but may not dispatch, a case in community B assigned to it.
  test.each([['community A', 'community B'], ['community B', 'community A']])('given a case in %s merged into one in %s, when the community (dispatching in A only) merges them, then FORBIDDEN', async (duplicateIn) => {
    const inA = await caseIn('REPORTED');
    const b = await report(h.world.tokens.resident, {}, 'communityB');
    await step(TRIAGE, 'caseTriage', { caseId: b.id, category: 'ENVIRONMENT', severity: 'MEDIUM', ...assignment() }, h.world.tokens.outsider);
    const input = duplicateIn === 'community A' ? { duplicateId: inA, originalId: b.id } : { duplicateId: b.id, originalId: inA };
    const res = await gql(h.server.httpUrl, MERGE, { input }, h.world.tokens.communityAdmin);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });

  test("given a duplicate with a follower of its own and an unrelated merge elsewhere, when merged, then the original gains exactly the duplicate's reporter and follower", async () => {
    const [first, second, unrelatedDuplicate, unrelatedOriginal] = [
      await report(h.world.tokens.securityAdmin), await report(h.world.tokens.resident), await report(h.world.tokens.policeLiaison), await caseIn('REPORTED'),
    ];
    await step(MERGE, 'caseMerge', { duplicateId: first.id, originalId: second.id }, h.world.tokens.policeLiaison);
    await step(MERGE, 'caseMerge', { duplicateId: unrelatedDuplicate.id, originalId: unrelatedOriginal }, h.world.tokens.policeLiaison);
    const final = await caseIn('TRIAGED');
    await step(MERGE, 'caseMerge', { duplicateId: second.id, originalId: final }, h.world.tokens.policeLiaison);
    const rows: { user_id: string }[] = await h.server.services.db.query(`SELECT user_id FROM case_follower WHERE case_id = $1 ORDER BY user_id`, [dbId(final)]);
    expect(rows.map((r) => r.user_id)).toEqual([h.world.users.resident.id, h.world.users.securityAdmin.id].sort());
  });

  test('given an anonymous hotline report, when merged as a duplicate, then it closes into the original and no one is added as a follower', async () => {
    const anonymous = await report(h.world.tokens.policeLiaison, { anonymous: true, reporterContact: '139 0000 0000', channel: 'HOTLINE' });
    const original = await caseIn('REPORTED');
    const payload = await step(MERGE, 'caseMerge', { duplicateId: anonymous.id, originalId: original }, h.world.tokens.policeLiaison);
    expect(payload.userErrors).toEqual([]);
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM case_follower WHERE case_id = $1`, [dbId(original)]);
    expect(n).toBe(0);
  });
});

describe('steps racing for the same case', () => {
  // Each step locks the case it reads: concurrent steps queue instead of failing on each other's version.
  test('given an assigned case, when three organisations are made its supervisor at the same moment, then all three succeed one after another', async () => {
    const id = await caseIn('ASSIGNED');
    const before = (await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin)).body.data.case.version;
    const results = await Promise.all(
      (['security', 'outsider', 'community'] as const).map((org) => gql(h.server.httpUrl, SUPERVISE, { input: { caseId: id, supervisingOrganizationId: h.world.gid.org(org) } }, h.world.tokens.policeLiaison)),
    );
    expect(results.map((r) => r.body.data.caseSupervise.userErrors)).toEqual([[], [], []]);
    const after = (await gql(h.server.httpUrl, CASE, { id }, h.world.tokens.policeAdmin)).body.data.case;
    expect(after.version).toBe(before + 3);
  });

  // Cases are locked in id order, so two opposite merges queue instead of deadlocking: the second finds its original closed.
  test('given two open cases, when each is merged into the other at the same moment (three such pairs), then one merge of each pair succeeds and the other is INVALID_TRANSITION, with no deadlock', async () => {
    const pairs = await Promise.all([0, 1, 2].map(async () => [await caseIn('REPORTED'), await caseIn('REPORTED')]));
    const results = await Promise.all(
      pairs.flatMap(([a, b]) => [
        gql(h.server.httpUrl, MERGE, { input: { duplicateId: a, originalId: b } }, h.world.tokens.policeLiaison),
        gql(h.server.httpUrl, MERGE, { input: { duplicateId: b, originalId: a } }, h.world.tokens.policeLiaison),
      ]),
    );
    expect(results.map((r) => r.body.errors)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    for (let i = 0; i < 6; i += 2) {
      const codes = [results[i], results[i + 1]].map((r) => r.body.data.caseMerge.userErrors.map((e: { code: string }) => e.code).join()).sort();
      expect(codes).toEqual(['', 'INVALID_TRANSITION']);
    }
  });
});

describe('what the case lock lets through', () => {
  // lockVisibleCase with need FULL: a disposal phase is the handling organisations' business, so to the reporter (who sees the
  // public part of the case) a phase id is as unknown as a made-up one, not a step it is forbidden to take.
  test('given a disposal phase of a case the resident reported, when the resident completes it, then the answer equals that for an unknown phase id', async () => {
    const c = await report(h.world.tokens.resident, { category: 'ILLEGAL_CONSTRUCTION', title: '院內違建' });
    const police = h.world.tokens.policeLiaison;
    const ledger = await gql(h.server.httpUrl, `mutation ($input: CaseLedgerSetInput!) { caseLedgerSet(input: $input) { userErrors { code } } }`,
      { input: { caseId: c.id, structureType: '院內搭建棚屋', floorAreaM2: 12, discoveredBy: '居民舉報', foundHow: 'RESIDENT_REPORT', classification: 'EXISTING', safetyHazard: false } }, police);
    expect(ledger.body.data.caseLedgerSet.userErrors).toEqual([]);
    const plan = await gql(h.server.httpUrl, `mutation ($input: CaseDisposalPlanSetInput!) { caseDisposalPlanSet(input: $input) { userErrors { code } } }`,
      { input: { caseId: c.id, phases: [{ title: '限期拆除', dueOn: '2099-01-10' }] } }, police);
    expect(plan.body.data.caseDisposalPlanSet.userErrors).toEqual([]);
    const [phase] = await h.server.services.db.query(`SELECT id FROM disposal_plan_phase WHERE case_id = $1`, [dbId(c.id)]);
    const COMPLETE = `mutation ($input: CaseDisposalPhaseCompleteInput!) { caseDisposalPhaseComplete(input: $input) { case { id } userErrors { field message code } } }`;
    const hidden = await gql(h.server.httpUrl, COMPLETE, { input: { phaseId: toGlobalId('DisposalPlanPhase', phase.id) } }, h.world.tokens.resident);
    const unknown = await gql(h.server.httpUrl, COMPLETE, { input: { phaseId: toGlobalId('DisposalPlanPhase', randomUUID()) } }, h.world.tokens.resident);
    expect(hidden.body).toEqual(unknown.body);
    expect(hidden.body.data.caseDisposalPhaseComplete.userErrors).toEqual([{ field: ['input', 'phaseId'], message: 'No DisposalPlanPhase with this id.', code: 'NOT_FOUND' }]);
  });
});
