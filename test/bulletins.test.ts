import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { toGlobalId } from '../src/shared/relay/global-id';
import { subscribeListening } from './support/listening';

let h: Harness;
let patrolOrgId: string;
let gridCheckpoint: string;
let otherStreetCheckpoint: string;
let communityGate: string;

beforeAll(async () => {
  h = await startHarness();
  const db = h.server.services.db;
  // A volunteer patrol at home in community A: in the area, but not of the kinds addressed below.
  const [patrolOrg] = await db.query(`INSERT INTO organization (name, kind, home_area_id) VALUES ('三板橋義務巡防隊', 'VOLUNTEER_PATROL', $1) RETURNING id`, [h.world.areas.communityA.id]);
  patrolOrgId = patrolOrg.id;
  const [c1] = await db.query(`INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, '三板橋小區北門', 'GATE', 30.3, 112.2) RETURNING id`, [h.world.orgs.community.id, h.world.areas.gridA.id]);
  const [c2] = await db.query(`INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, '便河菜市場', 'HOTSPOT', 30.3, 112.2) RETURNING id`, [h.world.orgs.outsider.id, h.world.areas.communityB.id]);
  const [c3] = await db.query(`INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, '三板橋社區大門', 'GATE', 30.3, 112.2) RETURNING id`, [h.world.orgs.community.id, h.world.areas.communityA.id]);
  gridCheckpoint = toGlobalId('Checkpoint', c1.id);
  otherStreetCheckpoint = toGlobalId('Checkpoint', c2.id);
  communityGate = toGlobalId('Checkpoint', c3.id);
}, 120_000);
afterAll(() => stopHarness(h));

const ISSUE = `mutation ($input: BulletinIssueInput!) {
  bulletinIssue(input: $input) { bulletin { id kind issuer { name } recipients { organization { name } acknowledgedAt } watches { note checkpoint { name } } } userErrors { field code } }
}`;
const ACK = `mutation ($input: BulletinAcknowledgeInput!) { bulletinAcknowledge(input: $input) { bulletin { recipients { organization { name } acknowledgedAt acknowledgementNote } } userErrors { field code } } }`;

const burglaryAlert = (overrides: Record<string, unknown> = {}) => ({
  issuerOrganizationId: h.world.gid.org('police'),
  kind: 'RISK_ALERT',
  severity: 'WARNING',
  title: '近期夜間入室盜竊風險提示',
  body: '近兩週轄區發生多起夜間撬門入室盜竊，作案時段集中在凌晨1至4時，請各社區提醒居民鎖好門窗，巡防隊加強夜間巡查。',
  areaId: h.world.gid.area('streetA'),
  targetKinds: ['RESIDENT_COMMITTEE', 'SECURITY_COMPANY'],
  caseCategory: 'PUBLIC_SECURITY',
  ...overrides,
});

async function issue(overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert(overrides) }, h.world.tokens.policeLiaison);
  if (!response.body.data?.bulletinIssue?.bulletin) throw new Error(JSON.stringify(response.body));
  return response.body.data.bulletinIssue.bulletin.id;
}

describe('issuing: targeting by area subtree and kind', () => {
  test('given the station\'s liaison officer, when issuing a burglary alert to the resident committees and security companies of street A with a gate to watch, then only the community in street A receives it, and the gate is linked', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ watches: [{ checkpointId: gridCheckpoint, note: '凌晨重點巡查' }] }) }, h.world.tokens.policeLiaison);
    expect(response.body.data.bulletinIssue).toEqual({
      bulletin: {
        id: expect.any(String),
        kind: 'RISK_ALERT',
        issuer: { name: '中山路派出所' },
        // Not the RC of street B (outside the subtree), not the security company (at home in the district), not the volunteer patrol (another kind).
        recipients: [{ organization: { name: '三板橋社區居委會' }, acknowledgedAt: null }],
        watches: [{ note: '凌晨重點巡查', checkpoint: { name: '三板橋小區北門' } }],
      },
      userErrors: [],
    });
  });

  test('given no kinds, when issuing to community A, then every organisation there receives it, the volunteer patrol included', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ areaId: h.world.gid.area('communityA'), targetKinds: [] }) }, h.world.tokens.policeLiaison);
    const names = response.body.data.bulletinIssue.bulletin.recipients.map((r: { organization: { name: string } }) => r.organization.name).sort();
    expect(names).toEqual(['三板橋社區居委會', '三板橋義務巡防隊'].sort());
    const [row] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM bulletin_recipient WHERE organization_id = $1`, [patrolOrgId]);
    expect(row.n).toBe(1);
  });

  test('given street B outside the station\'s jurisdiction, when issuing there, then NOT_PERMITTED_HERE', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ areaId: h.world.gid.area('streetB') }) }, h.world.tokens.policeLiaison);
    expect(response.body.data.bulletinIssue).toEqual({ bulletin: null, userErrors: [{ field: ['input', 'areaId'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given a checkpoint of community A the station sees, when a bulletin for grid A asks patrols to watch it, then NOT_PERMITTED_HERE and nothing is issued', async () => {
    const before = await h.server.services.db.query(`SELECT count(*)::int AS n FROM bulletin`);
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ areaId: h.world.gid.area('gridA'), targetKinds: [], watches: [{ checkpointId: communityGate }] }) }, h.world.tokens.policeLiaison);
    expect(response.body.data.bulletinIssue).toEqual({ bulletin: null, userErrors: [{ field: ['input', 'watches', '0', 'checkpointId'], code: 'NOT_PERMITTED_HERE' }] });
    expect(await h.server.services.db.query(`SELECT count(*)::int AS n FROM bulletin`)).toEqual(before);
  });

  test('given a checkpoint in street B the station may not see, when asking patrols to watch it, then NOT_FOUND as for an unknown checkpoint', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ watches: [{ checkpointId: otherStreetCheckpoint }] }) }, h.world.tokens.policeLiaison);
    expect(response.body.data.bulletinIssue).toEqual({ bulletin: null, userErrors: [{ field: ['input', 'watches', '0', 'checkpointId'], code: 'NOT_FOUND' }] });
  });

  test('given the community ADMIN, when issuing in the name of the police station, then FORBIDDEN', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert() }, h.world.tokens.communityAdmin);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given a resident committee, when its ADMIN issues a bulletin of its own, then NOT_PERMITTED_HERE: police stations and street offices issue', async () => {
    const response = await gql(h.server.httpUrl, ISSUE, { input: burglaryAlert({ issuerOrganizationId: h.world.gid.org('community'), areaId: h.world.gid.area('communityA') }) }, h.world.tokens.communityAdmin);
    expect(response.body.data.bulletinIssue.userErrors).toEqual([{ field: ['input', 'issuerOrganizationId'], code: 'NOT_PERMITTED_HERE' }]);
  });
});

describe('watching checkpoints', () => {
  test('given a checkpoint kept by the volunteer patrol, when the station asks the resident committees to have it watched, then the patrol receives the bulletin too and sees the request on its checkpoint', async () => {
    const [gate] = await h.server.services.db.query(
      `INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, '三板橋菜市場後巷', 'HOTSPOT', 30.3, 112.2) RETURNING id`,
      [patrolOrgId, h.world.areas.gridA.id],
    );
    const [user] = await h.server.services.db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ('watch-${Date.now()}@t.test', '巡防隊長', 'x') RETURNING id`);
    await h.server.services.db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, 'COORDINATOR')`, [user.id, patrolOrgId]);
    const response = await gql(
      h.server.httpUrl,
      ISSUE,
      { input: burglaryAlert({ targetKinds: ['RESIDENT_COMMITTEE'], watches: [{ checkpointId: toGlobalId('Checkpoint', gate.id), note: '凌晨1-4時' }] }) },
      h.world.tokens.policeLiaison,
    );
    const names = response.body.data.bulletinIssue.bulletin.recipients.map((r: { organization: { name: string } }) => r.organization.name).sort();
    expect(names).toEqual(['三板橋義務巡防隊', '三板橋社區居委會'].sort());
    const token = h.server.services.tokens.issue(`user:${user.id}`).token;
    const seen = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { ... on Checkpoint { watchRequests { note bulletin { title } } } } }`, { id: toGlobalId('Checkpoint', gate.id) }, token);
    expect(seen.body.data.node.watchRequests).toEqual([{ note: '凌晨1-4時', bulletin: { title: '近期夜間入室盜竊風險提示' } }]);
  });
});

describe('acknowledgement', () => {
  test('given an alert to the community, when its member acknowledges, then the row is stamped and the note kept', async () => {
    const id = await issue();
    const response = await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community'), note: '已通知各樓棟長' } }, h.world.tokens.communityMember);
    expect(response.body.data.bulletinAcknowledge).toEqual({
      bulletin: { recipients: [{ organization: { name: '三板橋社區居委會' }, acknowledgedAt: expect.any(String), acknowledgementNote: '已通知各樓棟長' }] },
      userErrors: [],
    });
  });

  test('given an acknowledged alert, when the community acknowledges again, then ALREADY_DONE', async () => {
    const id = await issue();
    await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityMember);
    const again = await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityAdmin);
    expect(again.body.data.bulletinAcknowledge.userErrors).toEqual([{ field: ['input', 'bulletinId'], code: 'ALREADY_DONE' }]);
  });

  test('given an alert to the community, when an OBSERVER of the community acknowledges, then FORBIDDEN', async () => {
    const id = await issue();
    const response = await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityObserver);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given an alert not addressed to the outsider, when it acknowledges, then NOT_FOUND exactly as for an unknown bulletin', async () => {
    const id = await issue();
    const unknown = toGlobalId('Bulletin', '00000000-0000-4000-8000-000000000000');
    const [denied, missing] = await Promise.all([
      gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('outsider') } }, h.world.tokens.outsider),
      gql(h.server.httpUrl, ACK, { input: { bulletinId: unknown, organizationId: h.world.gid.org('outsider') } }, h.world.tokens.outsider),
    ]);
    expect(denied.body).toEqual(missing.body);
    expect(denied.body.data.bulletinAcknowledge.userErrors).toEqual([{ field: ['input', 'bulletinId'], code: 'NOT_FOUND' }]);
  });

  test('given a bulletin to the community and the patrol, when the community reads it, then it sees its own acknowledgement row only; the issuer sees both', async () => {
    const id = await issue({ areaId: h.world.gid.area('communityA'), targetKinds: [] });
    const READ = `query ($id: ID!) { bulletin(id: $id) { recipients { organization { name } } } }`;
    const [community, police] = await Promise.all([gql(h.server.httpUrl, READ, { id }, h.world.tokens.communityMember), gql(h.server.httpUrl, READ, { id }, h.world.tokens.policeLiaison)]);
    expect(community.body.data.bulletin.recipients).toEqual([{ organization: { name: '三板橋社區居委會' } }]);
    expect(police.body.data.bulletin.recipients).toHaveLength(2);
  });
});

describe('bulletins query', () => {
  test('given alerts to the community only, when the outsider lists bulletins, then it sees none of them', async () => {
    await issue();
    const response = await gql(h.server.httpUrl, `{ bulletins(first: 100) { totalCount } }`, {}, h.world.tokens.outsider);
    expect(response.body.data.bulletins.totalCount).toBe(0);
  });

  test('given an unacknowledged alert, when the community lists unacknowledged bulletins, then it is there until acknowledged', async () => {
    const id = await issue({ title: '待簽收的通報' });
    const LIST = `{ bulletins(first: 100, unacknowledgedOnly: true) { nodes { id } } }`;
    const before = await gql(h.server.httpUrl, LIST, {}, h.world.tokens.communityMember);
    expect(before.body.data.bulletins.nodes.map((b: { id: string }) => b.id)).toContain(id);
    await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityMember);
    const after = await gql(h.server.httpUrl, LIST, {}, h.world.tokens.communityMember);
    expect(after.body.data.bulletins.nodes.map((b: { id: string }) => b.id)).not.toContain(id);
  });
});

const FEED = `subscription ($after: String) { bulletinsFeed(after: $after) { cursor type bulletin { title } acknowledgedBy { name } } }`;

describe('bulletinsFeed subscription', () => {
  test('given the community, the security company and the outsider subscribed, when the station issues an alert to the community, then only the community receives it', async () => {
    const community = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const security = wsClient(h.server.wsUrl, h.world.tokens.securityAdmin);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const none = [subscribe(security, FEED), subscribe(outsider, FEED)];
    const feed = await subscribeListening(h.server, community, FEED);
    await issue({ title: '推送測試：入室盜竊' });
    const [change] = await feed.waitFor(1);
    expect(change.data).toEqual({ bulletinsFeed: { cursor: expect.stringMatching(/^\d+$/), type: 'bulletin.issued', bulletin: { title: '推送測試：入室盜竊' }, acknowledgedBy: null } });
    await sleep(300);
    for (const sub of none) expect(sub.received).toEqual([]);
    await Promise.all([community.dispose(), security.dispose(), outsider.dispose()]);
  });

  test('given a cursor from before an alert and its acknowledgement, when the station resubscribes with after, then it receives both in order and nothing is lost', async () => {
    const [{ max }] = await h.server.services.db.query(`SELECT max(id)::text AS max FROM event`);
    const id = await issue({ title: '斷線重連測試' });
    await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityMember);
    const police = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const feed = subscribe(police, FEED, { after: max });
    const changes = await feed.waitFor(2);
    expect(changes.map((c) => [c.data!.bulletinsFeed.type, c.data!.bulletinsFeed.bulletin.title, c.data!.bulletinsFeed.acknowledgedBy?.name ?? null])).toEqual([
      ['bulletin.issued', '斷線重連測試', null],
      ['bulletin.acknowledged', '斷線重連測試', '三板橋社區居委會'],
    ]);
    await police.dispose();
  });

  test('given the volunteer patrol addressed together with the community, when the community acknowledges, then the patrol\'s subscriber does not receive the acknowledgement', async () => {
    const [user] = await h.server.services.db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ('patrol-${Date.now()}@t.test', '巡防隊員', 'x') RETURNING id`);
    await h.server.services.db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, 'MEMBER')`, [user.id, patrolOrgId]);
    const token = h.server.services.tokens.issue(`user:${user.id}`).token;
    const [{ max }] = await h.server.services.db.query(`SELECT max(id)::text AS max FROM event`);
    const id = await issue({ areaId: h.world.gid.area('communityA'), targetKinds: [], title: '兩家收到' });
    await gql(h.server.httpUrl, ACK, { input: { bulletinId: id, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityMember);
    const client = wsClient(h.server.wsUrl, token);
    const feed = subscribe(client, FEED, { after: max });
    await feed.waitFor(1);
    await sleep(400);
    expect(feed.received.map((c) => c.data!.bulletinsFeed.type)).toEqual(['bulletin.issued']);
    await client.dispose();
  });
});
