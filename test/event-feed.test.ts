import { errorCodes, gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { newestEventCursor } from './support/listening';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.server.services.db.query(`INSERT INTO case_reference_prefix (area_id, prefix) VALUES ($1, 'SHASHI')`, [h.world.areas.district.id]);
});
afterAll(() => stopHarness(h));

const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } replayed userErrors { code } } }`;
const UPDATE_ORG = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { userErrors { code } } }`;
const EVENTS = `query ($after: String, $first: Int, $topics: [EventTopic!], $types: [String!], $areaId: ID) {
  events(after: $after, first: $first, topics: $topics, types: $types, areaId: $areaId) {
    edges { cursor node { cursor topic type occurredAt subjectId areaId data } }
    pageInfo { endCursor hasNextPage }
  } }`;
const CASE_UPDATES = `subscription ($areaId: ID!, $after: String) { caseUpdates(areaId: $areaId, after: $after) { cursor type } }`;

async function report(token: string, area: keyof Harness['world']['areas'], extra: Record<string, unknown> = {}) {
  const res = await gql(h.server.httpUrl, REPORT, { input: { areaId: h.world.gid.area(area), title: '路燈損壞', description: '路燈不亮。', ...extra } }, token);
  expect(res.body.data.caseReport.userErrors).toEqual([]);
  return res.body.data.caseReport;
}

const headCursor = () => newestEventCursor(h.server.services.db);

/** Every event the token's viewer may see after `after`, page by page, as a polling partner would read them. */
async function pollAll(token: string, after: string, variables: Record<string, unknown> = {}, first = 2) {
  const seen: { cursor: string; topic: string; type: string; subjectId: string | null; data: Record<string, unknown> }[] = [];
  let cursor = after;
  for (let round = 0; round < 50; round += 1) {
    const res = await gql(h.server.httpUrl, EVENTS, { after: cursor, first, ...variables }, token);
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data.events;
    seen.push(...page.edges.map((e: { node: (typeof seen)[number] }) => e.node));
    cursor = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage) break;
  }
  return { seen, cursor };
}

describe('events feed', () => {
  test('given missed case changes in a district, when polling events(after:), then the sequence equals what a caseUpdates replay from the same cursor delivers', async () => {
    const start = await headCursor();
    await report(h.world.tokens.resident, 'gridA');
    await report(h.world.tokens.resident, 'communityB');
    await report(h.world.tokens.communityMember, 'communityA');
    await gql(h.server.httpUrl, UPDATE_ORG, { input: { id: h.world.gid.org('police'), description: 'not a case' } }, h.world.tokens.policeAdmin);

    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const replay = subscribe(client, CASE_UPDATES, { areaId: h.world.gid.area('district'), after: start });
    await sleep(800);
    const replayed = replay.received.map((r) => r.data!.caseUpdates.cursor as string);
    await client.dispose();

    const { seen } = await pollAll(h.world.tokens.policeAdmin, start, { topics: ['CASE'], areaId: h.world.gid.area('district') });
    expect(replayed.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((e) => e.cursor)).toEqual(replayed);
    expect(seen.every((e) => e.topic === 'CASE')).toBe(true);
  });

  test('given events of several organisations, when an unrelated organisation polls, then it sees none of them, and the cursor still moves past them', async () => {
    const start = await headCursor();
    await report(h.world.tokens.communityMember, 'communityA');
    await gql(h.server.httpUrl, UPDATE_ORG, { input: { id: h.world.gid.org('community'), description: 'private to the community' } }, h.world.tokens.communityAdmin);
    const { seen, cursor } = await pollAll(h.world.tokens.outsider, start);
    expect(seen).toEqual([]);
    expect(BigInt(cursor)).toBe(BigInt(await headCursor()));
  });

  test('given a case event, when polled, then ids in it are global ids and internal keys are left out', async () => {
    const start = await headCursor();
    const reported = await report(h.world.tokens.communityMember, 'communityA');
    const { seen } = await pollAll(h.world.tokens.communityAdmin, start, { types: ['case.reported'] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'case.reported', subjectId: reported.case.id });
    expect(seen[0].data.caseId).toBe(reported.case.id);
    expect(JSON.stringify(seen[0].data)).not.toContain(h.world.orgs.community.id);
  });

  test('given a bad cursor, then BAD_USER_INPUT; signed out, then UNAUTHENTICATED', async () => {
    expect(errorCodes(await gql(h.server.httpUrl, EVENTS, { after: 'abc' }, h.world.tokens.policeAdmin))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h.server.httpUrl, EVENTS, {}, null))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('updatedSince', () => {
  test('given cases changed before and after a moment, when listing cases updatedSince that moment, then only the later ones come', async () => {
    await report(h.world.tokens.communityMember, 'communityA');
    await sleep(50);
    const since = new Date().toISOString();
    const later = await report(h.world.tokens.communityMember, 'communityA');
    const res = await gql(h.server.httpUrl, `query ($since: DateTimeISO) { cases(first: 100, updatedSince: $since) { nodes { id updatedAt } } }`, { since }, h.world.tokens.communityAdmin);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.cases.nodes.map((c: { id: string }) => c.id)).toEqual([later.case.id]);
  });

  test('given the other lists, then they accept updatedSince', async () => {
    const since = new Date(Date.now() + 60_000).toISOString();
    const res = await gql(
      h.server.httpUrl,
      `query ($since: DateTimeISO) { patrols(updatedSince: $since) { totalCount } contracts(updatedSince: $since) { totalCount } meetings(updatedSince: $since) { totalCount } }`,
      { since },
      h.world.tokens.policeAdmin,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ patrols: { totalCount: 0 }, contracts: { totalCount: 0 }, meetings: { totalCount: 0 } });
  });
});

describe('caseReport replay', () => {
  test('given a report with an externalId, when it is sent again, then the second answer is the same case marked replayed', async () => {
    const input = { externalId: `APP-${Date.now()}` };
    const first = await report(h.world.tokens.communityMember, 'communityA', input);
    const second = await report(h.world.tokens.communityMember, 'communityA', input);
    expect(first.replayed).toBe(false);
    expect(second).toMatchObject({ replayed: true, case: { id: first.case.id } });
  });
});
