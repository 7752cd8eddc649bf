import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';

/**
 * The resident's say (完善群眾舉報和反饋制度): the reporter, and only the
 * reporter, confirms or disputes a resolution, rates it, and may have the
 * case reopened within 15 days. Plus who may report by which channel, and
 * what an OBSERVER is told when refused.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});
afterEach(() => clock.reset());

const FIELDS = `id status satisfaction reporterVerdict reporterComment reporterFeedbackAt dueAt timeline(first: 50) { nodes { type visibility } }`;
const FEEDBACK = `mutation ($input: CaseFeedbackInput!) { caseFeedback(input: $input) { case { ${FIELDS} } userErrors { field code message } } }`;

async function run(doc: string, input: Record<string, unknown>, token: string | null, field: string) {
  const res = await gql(h.server.httpUrl, doc, { input }, token);
  return { errors: res.body.errors, payload: res.body.data?.[field] };
}

/** A case reported by the resident, dispatched by the police station, resolved by the community. */
async function resolvedCase(channel = 'WECHAT'): Promise<string> {
  const w = h.world;
  const reported = await run(
    `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } userErrors { code } } }`,
    { areaId: w.gid.area('gridA'), title: '路燈不亮', description: '三板橋路12號門前路燈壞了一週。', channel },
    w.tokens.resident,
    'caseReport',
  );
  const id = reported.payload.case.id;
  const police = w.tokens.policeLiaison;
  const member = w.tokens.communityMember;
  await run(`mutation ($input: CaseTriageInput!) { caseTriage(input: $input) { userErrors { code } } }`, { caseId: id, category: 'ENVIRONMENT', severity: 'MEDIUM' }, police, 'caseTriage');
  await run(
    `mutation ($input: CaseAssignInput!) { caseAssign(input: $input) { userErrors { code } } }`,
    { caseId: id, responsibleOrganizationId: w.gid.org('community'), leaderUserId: w.gid.user('communityAdmin'), handlerUserId: w.gid.user('communityMember') },
    police,
    'caseAssign',
  );
  await run(`mutation ($input: CaseStepInput!) { caseStart(input: $input) { userErrors { code } } }`, { caseId: id }, member, 'caseStart');
  const resolved = await run(`mutation ($input: CaseResolveInput!) { caseResolve(input: $input) { case { status } userErrors { code } } }`, { caseId: id, resolution: '已更換燈泡' }, member, 'caseResolve');
  expect(resolved.payload.case.status).toBe('RESOLVED');
  return id;
}

describe('caseFeedback', () => {
  test('given a resolved case, when the reporter confirms it with a rating of 4, then the rating is theirs, public on the timeline, and cannot be given twice', async () => {
    const id = await resolvedCase();
    const first = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 4, comment: '修好了，謝謝。' }, h.world.tokens.resident, 'caseFeedback');
    expect(first.payload.userErrors).toEqual([]);
    expect(first.payload.case).toMatchObject({ status: 'RESOLVED', satisfaction: 4, reporterVerdict: 'CONFIRMED', reporterComment: '修好了，謝謝。' });
    expect(first.payload.case.timeline.nodes.at(-1)).toEqual({ type: 'FEEDBACK', visibility: 'PUBLIC' });
    const again = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 5 }, h.world.tokens.resident, 'caseFeedback');
    expect(again.payload.userErrors.map((e: any) => e.code)).toEqual(['ALREADY_DONE']);
  });

  test('given a resolved case, when the handling community or the police station tries to rate it, then FORBIDDEN; closing with a satisfaction is refused', async () => {
    const id = await resolvedCase();
    const community = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 5 }, h.world.tokens.communityAdmin, 'caseFeedback');
    const police = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 5 }, h.world.tokens.policeLiaison, 'caseFeedback');
    expect(community.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(police.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const close = await run(`mutation ($input: CaseCloseInput!) { caseClose(input: $input) { case { status } userErrors { field code } } }`, { caseId: id, satisfaction: 5 }, h.world.tokens.policeLiaison, 'caseClose');
    expect(close.payload).toEqual({ case: null, userErrors: [{ field: ['input', 'satisfaction'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given a resolved case the reporter disputes within 15 days, when asking to reopen, then it is REOPENED with a new due date', async () => {
    const id = await resolvedCase();
    clock.advance(14 * 86_400_000);
    const res = await run(FEEDBACK, { caseId: id, verdict: 'DISPUTED', rating: 1, comment: '還是不亮', reopen: true }, h.world.tokens.resident, 'caseFeedback');
    expect(res.payload.userErrors).toEqual([]);
    expect(res.payload.case).toMatchObject({ status: 'REOPENED', satisfaction: 1, reporterVerdict: 'DISPUTED' });
    expect(new Date(res.payload.case.dueAt).getTime()).toBeGreaterThan(clock.now().getTime());
    expect(res.payload.case.timeline.nodes.slice(-2).map((n: any) => n.type)).toEqual(['FEEDBACK', 'REOPENED']);
  });

  test('given a resolution 16 days old, when the reporter asks to reopen, then OUT_OF_RANGE and the case stays RESOLVED; confirming without reopening is refused too', async () => {
    const id = await resolvedCase();
    clock.advance(16 * 86_400_000);
    const late = await run(FEEDBACK, { caseId: id, verdict: 'DISPUTED', rating: 2, reopen: true }, h.world.tokens.resident, 'caseFeedback');
    expect(late.payload.userErrors.map((e: any) => [e.field.join('.'), e.code])).toEqual([['input.reopen', 'OUT_OF_RANGE']]);
    const mixed = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 9, reopen: true }, h.world.tokens.resident, 'caseFeedback');
    expect(mixed.payload.userErrors.map((e: any) => e.code).sort()).toEqual(['INVALID', 'OUT_OF_RANGE']);
    const { body } = await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { status satisfaction } }`, { id }, h.world.tokens.resident);
    expect(body.data.case).toEqual({ status: 'RESOLVED', satisfaction: null });
  });

  test('given the reporter of a duplicate merged into a resolved case, when disputing the duplicate and asking to reopen it, then INVALID_TRANSITION and the duplicate stays closed and unrated', async () => {
    const original = await resolvedCase();
    const duplicate = await run(
      `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } userErrors { code } } }`,
      { areaId: h.world.gid.area('gridA'), title: '路燈還是不亮', description: '三板橋路12號門前路燈。', channel: 'WECHAT' },
      h.world.tokens.resident,
      'caseReport',
    );
    const merged = await run(`mutation ($input: CaseMergeInput!) { caseMerge(input: $input) { userErrors { code } } }`, { duplicateId: duplicate.payload.case.id, originalId: original }, h.world.tokens.policeLiaison, 'caseMerge');
    expect(merged.payload.userErrors).toEqual([]);
    const res = await run(FEEDBACK, { caseId: duplicate.payload.case.id, verdict: 'DISPUTED', rating: 1, reopen: true }, h.world.tokens.resident, 'caseFeedback');
    expect(res.payload.userErrors.map((e: any) => [e.field.join('.'), e.code])).toEqual([['input.caseId', 'INVALID_TRANSITION']]);
    const { body } = await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { status satisfaction } }`, { id: duplicate.payload.case.id }, h.world.tokens.resident);
    expect(body.data.case).toEqual({ status: 'CLOSED', satisfaction: null });
  });

  test('given an outsider and a signed-out viewer, then NOT_FOUND and UNAUTHENTICATED', async () => {
    const id = await resolvedCase();
    const outsider = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 5 }, h.world.tokens.outsider, 'caseFeedback');
    const signedOut = await run(FEEDBACK, { caseId: id, verdict: 'CONFIRMED', rating: 5 }, null, 'caseFeedback');
    expect(outsider.payload.userErrors.map((e: any) => e.code)).toEqual(['NOT_FOUND']);
    expect(signedOut.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('channels and refusals', () => {
  test('given a resident, when reporting by DRONE, then NOT_PERMITTED_HERE; the police station may', async () => {
    const input = { areaId: h.world.gid.area('gridA'), title: '樓頂違建', description: '無人機巡查發現樓頂加建。', category: 'ILLEGAL_CONSTRUCTION', channel: 'DRONE' };
    const doc = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { channel } userErrors { field code } } }`;
    const resident = await run(doc, input, h.world.tokens.resident, 'caseReport');
    const police = await run(doc, input, h.world.tokens.policeLiaison, 'caseReport');
    expect(resident.payload).toEqual({ case: null, userErrors: [{ field: ['input', 'channel'], code: 'NOT_PERMITTED_HERE' }] });
    expect(police.payload).toEqual({ case: { channel: 'DRONE' }, userErrors: [] });
  });

  test("given an OBSERVER of the community (whose jurisdiction covers the case), when putting it under supervision, then FORBIDDEN saying the role is what stops it", async () => {
    const id = await resolvedCase();
    const res = await run(
      `mutation ($input: CaseSuperviseInput!) { caseSupervise(input: $input) { userErrors { code } } }`,
      { caseId: id, supervisingOrganizationId: h.world.gid.org('police') },
      h.world.tokens.communityObserver,
      'caseSupervise',
    );
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(res.errors?.[0].message).toMatch(/OBSERVER/);
    expect(res.errors?.[0].message).not.toMatch(/^Only organisations whose jurisdiction/);
  });
});
