import { randomUUID } from 'node:crypto';
import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';
import { MemberRole } from '../src/shared/auth/roles';
import { idOf } from '../src/shared/relay/global-id';
import { Membership } from '../src/modules/membership/membership.entity';
import { Organization, OrganizationKind } from '../src/modules/organization/organization.entity';
import { Relationship, RelationshipType } from '../src/modules/relationship/relationship.entity';
import { User } from '../src/modules/user/user.entity';

/**
 * Proof of patrol: what a team records about itself cannot make its figures
 * better than what it did. The world's security company runs a contracted
 * team in community A for a property manager (its client, CONTRACTS_WITH);
 * three gates on one route.
 */
let h: Harness;
let teamId: string;
let routeId: string;
let cp: string[];
let clientToken: string;
const LAT = 30.31;
const LON = 112.25;
const HOUR = 3_600_000;

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string, field: string): Promise<T> {
  const response = await gql(h.server.httpUrl, query, variables, token);
  if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
  const payload = response.body.data[field];
  if (payload.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload;
}

const PLAN = `mutation ($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id } userErrors { code } } }`;
const RECORD = `mutation ($input: PatrolEventsRecordInput!) {
  patrolEventsRecord(input: $input) {
    acceptedCount duplicateCount rejectedCount
    results { clientEventId outcome code message event { id flagged flags proof flagReason } }
  }
}`;
const PATROL = `query ($id: ID!) {
  patrol(id: $id) {
    status startedAt endedAt missedAlertOpen
    events(first: 50) { nodes { clientEventId flags proof } }
    coverage { visitedCheckpointCount flaggedCheckInCount missedCheckpoints { name } }
  }
}`;

const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000).toISOString();

async function plan(start: Date, hours = 2): Promise<string> {
  const payload = await ok(PLAN, { input: { teamId, routeId, plannedStart: start.toISOString(), plannedEnd: new Date(start.getTime() + hours * HOUR).toISOString() } }, h.world.tokens.securityAdmin, 'patrolPlan');
  return payload.patrols[0].id;
}

function record(patrolId: string, events: Record<string, unknown>[], deviceId = 'gate-phone') {
  return gql(h.server.httpUrl, RECORD, { input: { deviceId, patrolId, events } }, h.world.tokens.securityAdmin);
}

const checkIn = (id: string, i: number, time: string, extra: Record<string, unknown> = { latitude: LAT + i * 0.001, longitude: LON }) => ({ clientEventId: id, kind: 'CHECKPOINT', checkpointId: cp[i], deviceTime: time, ...extra });

beforeAll(async () => {
  h = await startHarness();
  const w = h.world;
  const db = h.server.services.db;
  const property = randomUUID();
  await db.getRepository(Organization).insert({ id: property, name: '三板橋物業', kind: OrganizationKind.PROPERTY_MANAGER, homeAreaId: w.areas.communityA.id, description: null, parentId: null });
  const user = randomUUID();
  await db.getRepository(User).insert({ id: user, email: `property-${user.slice(0, 8)}@test.gongzhi`, displayName: 'Property', passwordHash: 'x', isPlatformAdmin: false });
  await db.getRepository(Membership).insert({ userId: user, organizationId: property, role: MemberRole.ADMIN });
  await db.getRepository(Relationship).insert({ fromOrganizationId: property, toOrganizationId: w.orgs.security.id, type: RelationshipType.CONTRACTS_WITH, startsOn: '2026-01-01' });
  clientToken = h.server.services.tokens.issue(`user:${user}`).token;

  const security = w.gid.org('security');
  const token = w.tokens.securityAdmin;
  const team = await ok(
    `mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { code } } }`,
    { input: { organizationId: security, name: '三板橋保安巡邏隊', kind: 'CONTRACTED', areaId: w.gid.area('communityA') } },
    token,
    'patrolTeamCreate',
  );
  teamId = team.patrolTeam.id;
  cp = [];
  for (const [i, name] of ['東門', '車庫', '西門'].entries()) {
    const created = await ok(
      `mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code } } }`,
      { input: { organizationId: security, name, kind: 'GATE', latitude: LAT + i * 0.001, longitude: LON, areaId: w.gid.area('gridA') } },
      token,
      'checkpointCreate',
    );
    cp.push(created.checkpoint.id);
  }
  const route = await ok(
    `mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id } userErrors { code } } }`,
    { input: { organizationId: security, name: '大門巡邏線', areaId: w.gid.area('communityA'), checkpointIds: cp } },
    token,
    'routeCreate',
  );
  routeId = route.route.id;
});
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

describe('a check-in counts only with proof of presence', () => {
  test('given check-ins with a token, with a wrong token and with neither token nor position, then only the token one is a visit and the client sees the flags', async () => {
    const issued = await ok(
      `mutation ($input: CheckpointTokenIssueInput!) { checkpointTokenIssue(input: $input) { token checkpoint { tokenIssuedAt } userErrors { code } } }`,
      { input: { checkpointId: cp[0] } },
      h.world.tokens.securityAdmin,
      'checkpointTokenIssue',
    );
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(issued.checkpoint.tokenIssuedAt).toEqual(expect.any(String));
    const [stored] = await h.server.services.db.query(`SELECT token_hash FROM checkpoint WHERE id = $1`, [idOf(cp[0], 'Checkpoint')]);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_hash).not.toContain(issued.token);

    const t0 = new Date(Date.now() - 40 * 60_000);
    const patrolId = await plan(t0);
    const response = await record(patrolId, [
      { clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 0) },
      checkIn('token', 0, at(t0, 5), { checkpointToken: issued.token }),
      checkIn('wrong-token', 1, at(t0, 10), { checkpointToken: issued.token }),
      checkIn('nothing', 2, at(t0, 15), {}),
      { clientEventId: 'e', kind: 'ENDED', deviceTime: at(t0, 30) },
    ]);
    const results = response.body.data.patrolEventsRecord.results;
    expect(results.map((r: any) => [r.clientEventId, r.outcome, r.event.flags, r.event.proof])).toEqual([
      ['s', 'ACCEPTED', [], null],
      ['token', 'ACCEPTED', [], 'TOKEN'],
      // The token of 東門 proves nothing at 車庫: it is bound to its checkpoint.
      ['wrong-token', 'ACCEPTED', ['WRONG_CHECKPOINT_TOKEN'], null],
      ['nothing', 'ACCEPTED', ['NO_PROOF_OF_PRESENCE'], null],
      ['e', 'ACCEPTED', [], null],
    ]);
    const seen = await gql(h.server.httpUrl, PATROL, { id: patrolId }, clientToken);
    expect(seen.body.data.patrol.coverage).toEqual({ visitedCheckpointCount: 1, flaggedCheckInCount: 2, missedCheckpoints: [{ name: '車庫' }, { name: '西門' }] });
    expect(seen.body.data.patrol.events.nodes.filter((e: any) => e.flags.length).map((e: any) => e.clientEventId)).toEqual(['wrong-token', 'nothing']);
  });

  test('given a device time three hours in the future and one outside the shift, then both are flagged and neither is a visit nor ends the patrol', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const patrolId = await plan(t0, 1);
    const response = await record(patrolId, [
      { clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 0) },
      checkIn('future', 0, new Date(Date.now() + 3 * HOUR).toISOString()),
      checkIn('before-shift', 1, at(t0, -45)),
      { clientEventId: 'future-end', kind: 'ENDED', deviceTime: new Date(Date.now() + 3 * HOUR).toISOString() },
    ]);
    const results = response.body.data.patrolEventsRecord.results;
    expect(results.map((r: any) => [r.clientEventId, r.outcome, r.event.flags])).toEqual([
      ['s', 'ACCEPTED', []],
      // 3 h ahead of receipt and, for a one-hour shift that began 30 min ago, also after its end + 30 min.
      ['future', 'ACCEPTED', ['DEVICE_TIME_IN_FUTURE', 'OUTSIDE_SHIFT']],
      ['before-shift', 'ACCEPTED', ['OUTSIDE_SHIFT']],
      ['future-end', 'ACCEPTED', ['DEVICE_TIME_IN_FUTURE', 'OUTSIDE_SHIFT']],
    ]);
    const { body } = await gql(h.server.httpUrl, PATROL, { id: patrolId }, h.world.tokens.securityAdmin);
    expect(body.data.patrol).toMatchObject({ status: 'ACTIVE', startedAt: at(t0, 0), endedAt: null });
    expect(body.data.patrol.coverage).toMatchObject({ visitedCheckpointCount: 0, flaggedCheckInCount: 2 });
  });
});

describe('a patrol starts only around its planned start', () => {
  test('given a patrol planned for tomorrow, when a STARTED comes now (or dated tomorrow by a clock set ahead), then both are refused and it stays PLANNED', async () => {
    const tomorrow = new Date(Date.now() + 24 * HOUR);
    const patrolId = await plan(tomorrow);
    const response = await record(patrolId, [
      { clientEventId: 'now', kind: 'STARTED', deviceTime: new Date().toISOString() },
      { clientEventId: 'faked', kind: 'STARTED', deviceTime: tomorrow.toISOString() },
    ]);
    expect(response.body.data.patrolEventsRecord.results.map((r: any) => [r.outcome, r.code])).toEqual([
      ['REJECTED', 'OUT_OF_RANGE'],
      ['REJECTED', 'OUT_OF_RANGE'],
    ]);
    expect(response.body.data.patrolEventsRecord.results[0].message).toMatch(/can be started from/);
    const { body } = await gql(h.server.httpUrl, PATROL, { id: patrolId }, h.world.tokens.securityAdmin);
    expect(body.data.patrol.status).toBe('PLANNED');
  });

  test('given a patrol planned to start in 20 minutes, when started now, then it is accepted', async () => {
    const patrolId = await plan(new Date(Date.now() + 20 * 60_000));
    const response = await record(patrolId, [{ clientEventId: 'early-ok', kind: 'STARTED', deviceTime: new Date().toISOString() }]);
    expect(response.body.data.patrolEventsRecord.acceptedCount).toBe(1);
  });
});

describe('a missed-checkpoints alert is taken back when late check-ins complete the route', () => {
  test('given a patrol that ended with one gate unvisited, when the offline phone later syncs that check-in, then the alert is retracted with an event', async () => {
    const t0 = new Date(Date.now() - 90 * 60_000);
    const patrolId = await plan(t0);
    const watcher = wsClient(h.server.wsUrl, clientToken);
    const sub = subscribe(
      watcher,
      `subscription ($teamId: ID) { patrolUpdates(teamId: $teamId) { type status patrol { id missedAlertOpen } missedCheckpoints { name } } }`,
      { teamId },
    );
    await sleep(300);
    await record(patrolId, [
      { clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 0) },
      checkIn('c0', 0, at(t0, 10)),
      checkIn('c2', 2, at(t0, 30)),
      { clientEventId: 'e', kind: 'ENDED', deviceTime: at(t0, 40) },
    ]);
    const late = await record(patrolId, [checkIn('c1', 1, at(t0, 20))], 'second-phone');
    expect(late.body.data.patrolEventsRecord.acceptedCount).toBe(1);
    const updates = (await sub.waitFor(5)).map((r) => r.data!.patrolUpdates).filter((u: any) => u.patrol.id === patrolId);
    expect(updates.map((u: any) => u.type)).toEqual(['patrol.statusChanged', 'patrol.checkpointsMissed', 'patrol.eventsRecorded', 'patrol.checkpointsMissedRetracted', 'patrol.eventsRecorded']);
    expect(updates[1].missedCheckpoints).toEqual([{ name: '車庫' }]);
    const { body } = await gql(h.server.httpUrl, PATROL, { id: patrolId }, h.world.tokens.securityAdmin);
    expect(body.data.patrol).toMatchObject({ status: 'COMPLETED', missedAlertOpen: false, coverage: { visitedCheckpointCount: 3, missedCheckpoints: [] } });
    await watcher.dispose();
  });
});

describe('client event ids are scoped to the patrol', () => {
  test('given a phone that reuses evt-1 on a new patrol, then it is a new event, and a resend on the same patrol is a duplicate of that patrol\'s event', async () => {
    const t0 = new Date(Date.now() - 10 * 60_000);
    const first = await plan(t0);
    const second = await plan(new Date(t0.getTime() + 60_000));
    const a = await record(first, [{ clientEventId: 'evt-1', kind: 'STARTED', deviceTime: at(t0, 0) }], 'reused-phone');
    const b = await record(second, [{ clientEventId: 'evt-1', kind: 'STARTED', deviceTime: at(t0, 1) }], 'reused-phone');
    const again = await record(second, [{ clientEventId: 'evt-1', kind: 'STARTED', deviceTime: at(t0, 1) }], 'reused-phone');
    const eventId = (r: any) => r.body.data.patrolEventsRecord.results[0].event.id;
    expect(a.body.data.patrolEventsRecord.acceptedCount).toBe(1);
    expect(b.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 1, duplicateCount: 0 });
    expect(eventId(b)).not.toBe(eventId(a));
    expect(again.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 0, duplicateCount: 1 });
    expect(eventId(again)).toBe(eventId(b));
  });
});

describe('checkpointTokenIssue access', () => {
  test('given the community admin (not the maintaining organisation) and a signed-out viewer, then NOT_FOUND-or-FORBIDDEN and UNAUTHENTICATED', async () => {
    const doc = `mutation ($input: CheckpointTokenIssueInput!) { checkpointTokenIssue(input: $input) { token userErrors { code } } }`;
    const community = await gql(h.server.httpUrl, doc, { input: { checkpointId: cp[1] } }, h.world.tokens.communityAdmin);
    const signedOut = await gql(h.server.httpUrl, doc, { input: { checkpointId: cp[1] } });
    expect(community.body.errors?.[0].extensions?.code ?? community.body.data.checkpointTokenIssue.userErrors[0].code).toMatch(/FORBIDDEN|NOT_FOUND/);
    expect(signedOut.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
