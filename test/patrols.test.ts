import { randomUUID } from 'node:crypto';
import { errorCodes, gql, sleep, subscribe, wsClient } from './support/graphql';
import { addMember, type Harness, startHarness, stopHarness } from './support/harness';
import { until } from './support/wait';
import { clock } from '../src/shared/clock';
import { MemberRole } from '../src/shared/auth/roles';
import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { Organization, OrganizationKind } from '../src/modules/organization/organization.entity';
import { Relationship, RelationshipType } from '../src/modules/relationship/relationship.entity';
import { failIfMutantKilled, test } from './support/mutation-run';
import { subscribeListening } from './support/listening';

/**
 * The world plus: a volunteer patrol organisation in community A with a
 * coordinator and two patrollers; a second security company whose zone is
 * street B (contracted by the outsider's community) with a contracted team
 * there; a property manager in community A that contracts the world's
 * security company, which runs a contracted team in community A.
 */
let h: Harness;
const tokens: Record<'coordinator' | 'patrollerA' | 'patrollerB' | 'securityB' | 'property', string> = {} as never;
const ids: Record<string, string> = {};
let teamId: string;
let routeId: string;
let cp: string[];

const LAT = 30.31;
const LON = 112.25;

async function addOrg(name: string, kind: OrganizationKind, homeAreaId: string): Promise<string> {
  const id = randomUUID();
  await h.server.services.db.getRepository(Organization).insert({ id, name, kind, homeAreaId, description: null, parentId: null });
  return id;
}

const addUser = (name: string, organizationId: string, role: MemberRole) => addMember(h, name, organizationId, role);

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string, field: string): Promise<T> {
  const response = await gql(h.server.httpUrl, query, variables, token);
  if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
  const payload = response.body.data[field];
  if (payload.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload;
}

const TEAM_CREATE = `mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { code field message } } }`;
const MEMBER_ADD = `mutation ($input: PatrolTeamMemberAddInput!) { patrolTeamMemberAdd(input: $input) { patrolTeam { id } userErrors { code field message } } }`;
const CHECKPOINT_CREATE = `mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code field message } } }`;
const ROUTE_CREATE = `mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id checkpoints { name } } userErrors { code field message } } }`;
const PLAN = `mutation ($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id status plannedStart leader { displayName } } userErrors { code field message } } }`;
const RECORD = `mutation ($input: PatrolEventsRecordInput!) {
  patrolEventsRecord(input: $input) {
    acceptedCount duplicateCount rejectedCount
    results { clientEventId outcome code message event { id kind deviceTime flagged flagReason distanceMeters } }
    userErrors { code field message }
  }
}`;
const PATROL = `query ($id: ID!) {
  patrol(id: $id) {
    id status startedAt endedAt
    events(first: 50) { totalCount nodes { clientEventId kind deviceTime checkpoint { name } } }
    coverage { plannedCheckpointCount visitedCheckpointCount ratio timeOnRouteSeconds flaggedCheckInCount
               missedCheckpoints { name } visits { visitedAt checkpoint { name } } }
  }
}`;
const UPDATES = `subscription ($areaId: ID, $teamId: ID) {
  patrolUpdates(areaId: $areaId, teamId: $teamId) {
    cursor type status patrol { id } events { clientEventId kind recordedBy { displayName } checkpoint { name } }
  }
}`;

const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000).toISOString();

async function planPatrol(options: { start?: Date; end?: Date; token?: string; team?: string; route?: string | null; area?: string } = {}): Promise<string> {
  const start = options.start ?? new Date(Date.now() - 30 * 60_000);
  const end = options.end ?? new Date(Date.now() + 3 * 3_600_000);
  const input: Record<string, unknown> = { teamId: options.team ?? teamId, plannedStart: start.toISOString(), plannedEnd: end.toISOString() };
  if (options.route !== null) input.routeId = options.route ?? routeId;
  if (options.area) input.areaId = options.area;
  const payload = await ok(PLAN, { input }, options.token ?? tokens.coordinator, 'patrolPlan');
  return payload.patrols[0].id;
}

function record(token: string | null, patrolId: string | null, events: Record<string, unknown>[], deviceId = 'phone-a') {
  return gql(h.server.httpUrl, RECORD, { input: { deviceId, ...(patrolId ? { patrolId } : {}), events } }, token);
}

beforeAll(async () => {
  failIfMutantKilled();
  h = await startHarness();
  const w = h.world;
  ids.volunteers = await addOrg('三板橋義務巡防隊', OrganizationKind.VOLUNTEER_PATROL, w.areas.communityA.id);
  const coordinator = await addUser('Coordinator', ids.volunteers, MemberRole.COORDINATOR);
  const patrollerA = await addUser('PatrollerA', ids.volunteers, MemberRole.MEMBER);
  const patrollerB = await addUser('PatrollerB', ids.volunteers, MemberRole.MEMBER);
  ids.securityB = await addOrg('便河保安公司', OrganizationKind.SECURITY_COMPANY, w.areas.streetB.id);
  const securityB = await addUser('SecurityB', ids.securityB, MemberRole.ADMIN);
  ids.property = await addOrg('三板橋物業', OrganizationKind.PROPERTY_MANAGER, w.areas.communityA.id);
  const property = await addUser('Property', ids.property, MemberRole.ADMIN);
  await h.server.services.db.getRepository(Relationship).insert([
    { fromOrganizationId: w.orgs.outsider.id, toOrganizationId: ids.securityB, type: RelationshipType.CONTRACTS_WITH, startsOn: '2026-01-01' },
    { fromOrganizationId: ids.property, toOrganizationId: w.orgs.security.id, type: RelationshipType.CONTRACTS_WITH, startsOn: '2026-01-01' },
  ]);
  Object.assign(tokens, { coordinator: coordinator.token, patrollerA: patrollerA.token, patrollerB: patrollerB.token, securityB: securityB.token, property: property.token });

  const team = await ok(TEAM_CREATE, { input: { organizationId: toGlobalId('Organization', ids.volunteers), name: '三板橋義務巡防一隊', kind: 'VOLUNTEER', areaId: w.gid.area('communityA') } }, tokens.coordinator, 'patrolTeamCreate');
  teamId = team.patrolTeam.id;
  await ok(MEMBER_ADD, { input: { teamId, userId: toGlobalId('User', patrollerA.id), role: 'LEADER' } }, tokens.coordinator, 'patrolTeamMemberAdd');
  await ok(MEMBER_ADD, { input: { teamId, userId: toGlobalId('User', patrollerB.id) } }, tokens.coordinator, 'patrolTeamMemberAdd');
  cp = [];
  for (const [i, name] of ['一號門棟', '二號門店', '三號大門'].entries()) {
    const created = await ok(
      CHECKPOINT_CREATE,
      { input: { organizationId: toGlobalId('Organization', ids.volunteers), name, kind: i === 1 ? 'SHOP' : 'DOOR', latitude: LAT + i * 0.001, longitude: LON, areaId: w.gid.area('gridA') } },
      tokens.coordinator,
      'checkpointCreate',
    );
    cp.push(created.checkpoint.id);
  }
  const route = await ok(ROUTE_CREATE, { input: { organizationId: toGlobalId('Organization', ids.volunteers), name: '門店巡查線', areaId: w.gid.area('communityA'), checkpointIds: cp } }, tokens.coordinator, 'routeCreate');
  routeId = route.route.id;
  expect(route.route.checkpoints.map((c: { name: string }) => c.name)).toEqual(['一號門棟', '二號門店', '三號大門']);
});
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

describe('patrolEventsRecord', () => {
  test('given a NUL in one event among valid ones, then that event is refused on its own line and the valid ones are stored, on every retry', async () => {
    const patrolId = await planPatrol();
    const t0 = new Date(Date.now() - 20 * 60_000);
    const events = [
      { clientEventId: 'nul-1', kind: 'STARTED', deviceTime: minutes(t0, 0) },
      { clientEventId: 'nul-2', kind: 'OBSERVATION', deviceTime: minutes(t0, 1), text: 'broken\u0000note' },
      { clientEventId: 'nul-3', kind: 'OBSERVATION', deviceTime: minutes(t0, 2), text: 'Shop door open\n\tchecked' },
    ];
    const first = await record(tokens.patrollerA, patrolId, events, 'phone-nul');
    const retry = await record(tokens.patrollerA, patrolId, events, 'phone-nul');
    const lines = (r: typeof first) => r.body.data.patrolEventsRecord.results.map((x: any) => [x.clientEventId, x.outcome, x.code]);
    expect(lines(first)).toEqual([['nul-1', 'ACCEPTED', null], ['nul-2', 'REJECTED', 'INVALID_CHARACTERS'], ['nul-3', 'ACCEPTED', null]]);
    expect(lines(retry)).toEqual([['nul-1', 'DUPLICATE', null], ['nul-2', 'REJECTED', 'INVALID_CHARACTERS'], ['nul-3', 'DUPLICATE', null]]);
    const patrol = await gql(h.server.httpUrl, PATROL, { id: patrolId }, tokens.coordinator);
    expect(patrol.body.data.patrol.events.nodes.map((e: any) => e.clientEventId).sort()).toEqual(['nul-1', 'nul-3']);
  });

  test('given a batch sent twice, when the phone retries, then each event is recorded once and the retry reports duplicates', async () => {
    const patrolId = await planPatrol();
    const t0 = new Date(Date.now() - 20 * 60_000);
    const events = [
      { clientEventId: 'e1', kind: 'STARTED', deviceTime: minutes(t0, 0) },
      { clientEventId: 'e2', kind: 'CHECKPOINT', checkpointId: cp[0], deviceTime: minutes(t0, 5), latitude: LAT, longitude: LON },
      { clientEventId: 'e3', kind: 'POSITION', deviceTime: minutes(t0, 6), latitude: LAT + 0.0005, longitude: LON },
    ];
    const first = await record(tokens.patrollerA, patrolId, events);
    const second = await record(tokens.patrollerA, patrolId, events);
    expect(first.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 3, duplicateCount: 0, rejectedCount: 0 });
    expect(second.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 0, duplicateCount: 3, rejectedCount: 0 });
    expect(second.body.data.patrolEventsRecord.results.map((r: any) => r.event.id)).toEqual(first.body.data.patrolEventsRecord.results.map((r: any) => r.event.id));
    const patrol = await gql(h.server.httpUrl, PATROL, { id: patrolId }, tokens.coordinator);
    expect(patrol.body.data.patrol.events.totalCount).toBe(3);
    expect(patrol.body.data.patrol.status).toBe('ACTIVE');
    // A pure retry changes nothing, so it tells nobody anything: one eventsRecorded, from the first send.
    const published = await h.server.services.db.query(`SELECT type FROM event WHERE topic = 'patrol' AND subject_id = $1 ORDER BY id`, [fromGlobalId(patrolId)!.id]);
    expect(published.map((e: { type: string }) => e.type).filter((t: string) => t === 'patrol.eventsRecorded')).toHaveLength(1);
  });

  test('given a batch with bad events, when recorded, then the good ones are accepted and each bad one is rejected with a reason', async () => {
    const patrolId = await planPatrol();
    const t0 = new Date(Date.now() - 10 * 60_000);
    const response = await record(tokens.patrollerB, patrolId, [
      { clientEventId: 'ok-1', kind: 'STARTED', deviceTime: minutes(t0, 0) },
      { clientEventId: 'bad-1', kind: 'CHECKPOINT', deviceTime: minutes(t0, 1) },
      { clientEventId: 'bad-2', kind: 'POSITION', deviceTime: minutes(t0, 2) },
      { clientEventId: 'bad-3', kind: 'OBSERVATION', deviceTime: new Date(Date.now() + 3 * 86_400_000).toISOString(), text: '未來' },
      { clientEventId: 'ok-2', kind: 'OBSERVATION', deviceTime: minutes(t0, 3), text: '二號門店卷簾門未鎖' },
    ], 'phone-b');
    const payload = response.body.data.patrolEventsRecord;
    expect(payload).toMatchObject({ acceptedCount: 2, duplicateCount: 0, rejectedCount: 3, userErrors: [] });
    expect(payload.results.map((r: any) => [r.clientEventId, r.outcome, r.code])).toEqual([
      ['ok-1', 'ACCEPTED', null],
      ['bad-1', 'REJECTED', 'REQUIRED'],
      ['bad-2', 'REJECTED', 'REQUIRED'],
      ['bad-3', 'REJECTED', 'OUT_OF_RANGE'],
      ['ok-2', 'ACCEPTED', null],
    ]);
    expect(payload.results[1].message).toMatch(/checkpointId/);
  });

  test('given events arriving late and out of order, then they are placed by device time and coverage follows device time', async () => {
    const t0 = new Date(Date.now() - 2 * 3_600_000);
    const patrolId = await planPatrol({ start: t0, end: new Date(t0.getTime() + 2.5 * 3_600_000) });
    // The phone was offline: the end arrives first, the start an hour later from another upload.
    await record(tokens.patrollerA, patrolId, [
      { clientEventId: 'end', kind: 'ENDED', deviceTime: minutes(t0, 60) },
      { clientEventId: 'c3', kind: 'CHECKPOINT', checkpointId: cp[2], deviceTime: minutes(t0, 50), latitude: LAT + 0.002, longitude: LON },
    ]);
    const late = await record(tokens.patrollerA, patrolId, [
      { clientEventId: 'c2-after-end', kind: 'CHECKPOINT', checkpointId: cp[1], deviceTime: minutes(t0, 70), latitude: LAT + 0.001, longitude: LON },
      { clientEventId: 'c1', kind: 'CHECKPOINT', checkpointId: cp[0], deviceTime: minutes(t0, 10), latitude: LAT, longitude: LON },
      { clientEventId: 'start', kind: 'STARTED', deviceTime: minutes(t0, 0) },
    ]);
    expect(late.body.data.patrolEventsRecord.acceptedCount).toBe(3);
    const { body } = await gql(h.server.httpUrl, PATROL, { id: patrolId }, tokens.coordinator);
    const patrol = body.data.patrol;
    expect(patrol.status).toBe('COMPLETED');
    expect(patrol.startedAt).toBe(minutes(t0, 0));
    expect(patrol.endedAt).toBe(minutes(t0, 60));
    expect(patrol.events.nodes.map((e: any) => e.clientEventId)).toEqual(['start', 'c1', 'c3', 'end', 'c2-after-end']);
    expect(patrol.coverage).toMatchObject({
      plannedCheckpointCount: 3,
      visitedCheckpointCount: 2,
      timeOnRouteSeconds: 3600,
      missedCheckpoints: [{ name: '二號門店' }],
    });
    expect(patrol.coverage.visits).toEqual([
      { visitedAt: minutes(t0, 10), checkpoint: { name: '一號門棟' } },
      { visitedAt: minutes(t0, 50), checkpoint: { name: '三號大門' } },
    ]);
  });

  test('given a check-in 300 m from its checkpoint and one without a position, then neither is a visit and coverage matches the hand-computed figures', async () => {
    const t0 = new Date(Date.now() - 90 * 60_000);
    const patrolId = await planPatrol({ start: t0, end: new Date(t0.getTime() + 2 * 3_600_000) });
    const response = await record(tokens.patrollerA, patrolId, [
      { clientEventId: 's', kind: 'STARTED', deviceTime: minutes(t0, 0) },
      { clientEventId: 'c1', kind: 'CHECKPOINT', checkpointId: cp[0], deviceTime: minutes(t0, 5), latitude: LAT + 0.0005, longitude: LON },
      // 0.0027° of latitude = 0.0027 × π/180 × 6,371,008.8 m = 300.2 m north of checkpoint 2: recorded, flagged, not a visit.
      { clientEventId: 'c2-far', kind: 'CHECKPOINT', checkpointId: cp[1], deviceTime: minutes(t0, 15), latitude: LAT + 0.001 + 0.0027, longitude: LON },
      { clientEventId: 'c3', kind: 'CHECKPOINT', checkpointId: cp[2], deviceTime: minutes(t0, 25) },
      { clientEventId: 'e', kind: 'ENDED', deviceTime: new Date(t0.getTime() + 45.5 * 60_000).toISOString() },
    ], 'phone-coverage');
    const results = response.body.data.patrolEventsRecord.results;
    expect(results[1].event).toMatchObject({ flagged: false, distanceMeters: 55.6 });
    expect(results[2].event.flagged).toBe(true);
    expect(results[2].event.flagReason).toMatch(/^FAR_FROM_CHECKPOINT/);
    expect(results[2].event.distanceMeters).toBeCloseTo(300.2, 0);
    const { body } = await gql(h.server.httpUrl, PATROL, { id: patrolId }, tokens.coordinator);
    // No position and no token: nothing shows anyone was at checkpoint 3, so it is flagged too.
    expect(results[3].event).toMatchObject({ flagged: true, distanceMeters: null });
    expect(results[3].event.flagReason).toMatch(/^NO_PROOF_OF_PRESENCE/);
    expect(body.data.patrol.coverage).toMatchObject({
      plannedCheckpointCount: 3,
      visitedCheckpointCount: 1,
      timeOnRouteSeconds: 2730,
      flaggedCheckInCount: 2,
      missedCheckpoints: [{ name: '二號門店' }, { name: '三號大門' }],
    });
    expect(body.data.patrol.coverage.ratio).toBeCloseTo(1 / 3, 6);
  });

  test('given an INCIDENT check-in, then a PATROL case is opened in the same transaction and the police station of the area sees it', async () => {
    const patrolId = await planPatrol();
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: PatrolEventsRecordInput!) { patrolEventsRecord(input: $input) { acceptedCount results { event { caseId severity text } } } }`,
      { input: { deviceId: 'phone-incident', patrolId, events: [{ clientEventId: 'i1', kind: 'INCIDENT', severity: 'HIGH', text: '三號大門有人撬鎖', deviceTime: new Date().toISOString(), latitude: LAT + 0.002, longitude: LON }] } },
      tokens.patrollerA,
    );
    const event = response.body.data.patrolEventsRecord.results[0].event;
    expect(event).toMatchObject({ severity: 'HIGH', text: '三號大門有人撬鎖' });
    expect(event.caseId).toEqual(expect.any(String));
    const seen = await gql(h.server.httpUrl, `query ($id: ID!) { case(id: $id) { channel category severity } }`, { id: event.caseId }, h.world.tokens.policeLiaison);
    expect(seen.body.data.case).toEqual({ channel: 'PATROL', category: 'PUBLIC_SECURITY', severity: 'HIGH' });
  });

  test('given a member of the community (who sees the patrol but is not in the team), when reporting, then FORBIDDEN', async () => {
    const patrolId = await planPatrol();
    const response = await record(h.world.tokens.communityMember, patrolId, [{ clientEventId: 'x', kind: 'STARTED', deviceTime: new Date().toISOString() }]);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  test('given an outsider, when reporting on the patrol, then every event is rejected as unknown', async () => {
    const patrolId = await planPatrol();
    const response = await record(h.world.tokens.outsider, patrolId, [{ clientEventId: 'x', kind: 'STARTED', deviceTime: new Date().toISOString() }]);
    expect(response.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 0, rejectedCount: 1, results: [{ outcome: 'REJECTED', code: 'NOT_FOUND' }] });
  });

  test('given a signed-out viewer, when recording or listing, then UNAUTHENTICATED', async () => {
    const recorded = await record(null, toGlobalId('Patrol', randomUUID()), [{ clientEventId: 'x', kind: 'STARTED', deviceTime: new Date().toISOString() }]);
    const listed = await gql(h.server.httpUrl, `{ patrols(first: 5) { totalCount } }`);
    expect(errorCodes(recorded)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(listed)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('visibility', () => {
  test('given an outsider, when asking for a patrol by id or listing, then null and nothing, while the police station of the area sees it', async () => {
    const patrolId = await planPatrol();
    const query = `query ($id: ID!, $area: ID!) { patrol(id: $id) { id } patrols(withinAreaId: $area, first: 100) { nodes { id } } patrolTeam(id: "${teamId}") { name } }`;
    const outsider = await gql(h.server.httpUrl, query, { id: patrolId, area: h.world.gid.area('communityA') }, h.world.tokens.outsider);
    const police = await gql(h.server.httpUrl, query, { id: patrolId, area: h.world.gid.area('communityA') }, h.world.tokens.policeLiaison);
    expect(outsider.body.data).toEqual({ patrol: null, patrols: { nodes: [] }, patrolTeam: null });
    expect(police.body.data.patrol).toEqual({ id: patrolId });
    expect(police.body.data.patrols.nodes.map((p: any) => p.id)).toContain(patrolId);
  });

  test("given a contracted team's patrol, then the contracting client in its zone sees it and another zone's security company does not", async () => {
    const team = await ok(TEAM_CREATE, { input: { organizationId: h.world.gid.org('security'), name: '三板橋保安巡邏隊', kind: 'CONTRACTED', areaId: h.world.gid.area('communityA') } }, h.world.tokens.securityAdmin, 'patrolTeamCreate');
    const patrolId = await planPatrol({ token: h.world.tokens.securityAdmin, team: team.patrolTeam.id, route: null, area: h.world.gid.area('gridA') });
    const query = `query ($id: ID!) { patrol(id: $id) { id team { name } } }`;
    const client = await gql(h.server.httpUrl, query, { id: patrolId }, tokens.property);
    const otherCompany = await gql(h.server.httpUrl, query, { id: patrolId }, tokens.securityB);
    expect(client.body.data.patrol).toEqual({ id: patrolId, team: { name: '三板橋保安巡邏隊' } });
    expect(otherCompany.body.data.patrol).toBeNull();
  });
});

describe('patrolUpdates subscription', () => {
  test("given the coordinator and the area's police station subscribed, when a team member checks in, then both receive it and another zone's security company does not", async () => {
    const patrolId = await planPatrol();
    // The other company runs a team in its own zone, so it may watch the district, but sees only what it may see.
    await ok(TEAM_CREATE, { input: { organizationId: toGlobalId('Organization', ids.securityB), name: '便河保安隊', kind: 'CONTRACTED', areaId: h.world.gid.area('communityB') } }, tokens.securityB, 'patrolTeamCreate');
    const coordinatorWs = wsClient(h.server.wsUrl, tokens.coordinator);
    const policeWs = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const otherWs = wsClient(h.server.wsUrl, tokens.securityB);
    const before = h.server.services.events.subscriberCount();
    const coordinator = subscribe(coordinatorWs, UPDATES, { areaId: h.world.gid.area('communityA') });
    const police = subscribe(policeWs, UPDATES, { areaId: h.world.gid.area('streetA') });
    const other = subscribe(otherWs, UPDATES, { areaId: h.world.gid.area('district') });
    // All three listen before the check-in (a fixed pause was too short on a loaded machine: nothing arrived).
    await until(() => h.server.services.events.subscriberCount() === before + 3, 15_000);
    const sent = await record(tokens.patrollerB, patrolId, [
      { clientEventId: 'live-1', kind: 'CHECKPOINT', checkpointId: cp[0], deviceTime: new Date().toISOString(), latitude: LAT, longitude: LON },
    ], 'phone-live');
    expect(sent.body.data.patrolEventsRecord.acceptedCount).toBe(1);
    const expected = { patrol: { id: patrolId }, events: [{ clientEventId: 'live-1', kind: 'CHECKPOINT', recordedBy: { displayName: 'PatrollerB' }, checkpoint: { name: '一號門棟' } }] };
    const forCoordinator = (await coordinator.waitFor(2, 10_000)).map((r) => r.data!.patrolUpdates);
    const forPolice = (await police.waitFor(2, 10_000)).map((r) => r.data!.patrolUpdates);
    expect(forCoordinator.map((u: any) => [u.type, u.status])).toEqual([['patrol.statusChanged', 'ACTIVE'], ['patrol.eventsRecorded', 'ACTIVE']]);
    expect(forCoordinator[1]).toMatchObject(expected);
    expect(forPolice[1]).toMatchObject(expected);
    await sleep(500);
    expect(other.received).toEqual([]);
    await Promise.all([coordinatorWs.dispose(), policeWs.dispose(), otherWs.dispose()]);
  });

  test("given another zone's security company, when subscribing to community A or to the volunteer team, then FORBIDDEN and NOT_FOUND", async () => {
    const client = wsClient(h.server.wsUrl, tokens.securityB);
    const byArea = subscribe(client, UPDATES, { areaId: h.world.gid.area('communityA') });
    const byTeam = subscribe(client, UPDATES, { teamId });
    const [area] = await byArea.waitFor(1);
    const [team] = await byTeam.waitFor(1);
    expect((area.errors as any[])[0].extensions.code).toBe('FORBIDDEN');
    expect((team.errors as any[])[0].extensions.code).toBe('NOT_FOUND');
    await client.dispose();
  });

  test('given a platform admin with no organisation, when watching an area, then the patrols planned there arrive', async () => {
    const client = wsClient(h.server.wsUrl, h.world.tokens.platformAdmin);
    const sub = await subscribeListening(h.server, client, UPDATES, { areaId: h.world.gid.area('communityA') });
    const patrolId = await planPatrol();
    const [first] = await sub.waitFor(1);
    expect(first.errors).toBeUndefined();
    expect(first.data!.patrolUpdates.patrol.id).toBe(patrolId);
    await client.dispose();
  });

  test('given a signed-out viewer, when subscribing, then UNAUTHENTICATED', async () => {
    const client = wsClient(h.server.wsUrl, null);
    const sub = subscribe(client, UPDATES, { areaId: h.world.gid.area('communityA') });
    const [result] = await sub.waitFor(1);
    expect((result.errors as any[])[0].extensions.code).toBe('UNAUTHENTICATED');
    await client.dispose();
  });
});

describe('patrol plans and the clock', () => {
  test('given a patrol nobody starts, when its planned end passes, then it becomes MISSED without anyone acting', async () => {
    const now = new Date();
    clock.freeze(now);
    const due = await planPatrol({ start: new Date(now.getTime() + 3_600_000), end: new Date(now.getTime() + 2 * 3_600_000) });
    const later = await planPatrol({ start: new Date(now.getTime() + 5 * 3_600_000), end: new Date(now.getTime() + 6 * 3_600_000) });
    const watcher = wsClient(h.server.wsUrl, tokens.coordinator);
    const sub = await subscribeListening(h.server, watcher, UPDATES, { teamId });
    clock.advance(2 * 3_600_000 + 60_000);
    await h.server.scheduler.runAll();
    const query = `query ($a: ID!, $b: ID!) { a: patrol(id: $a) { status } b: patrol(id: $b) { status } }`;
    const { body } = await gql(h.server.httpUrl, query, { a: due, b: later }, tokens.coordinator);
    expect(body.data).toEqual({ a: { status: 'MISSED' }, b: { status: 'PLANNED' } });
    const updates = (await sub.waitFor(1)).map((r) => r.data!.patrolUpdates);
    expect(updates.find((u: any) => u.patrol.id === due)).toMatchObject({ type: 'patrol.statusChanged', status: 'MISSED' });
    await watcher.dispose();
  });

  test('given a daily plan for a week, when the third is cancelled with the later ones, then five patrols are cancelled and two remain planned', async () => {
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCHours(0, 0, 0, 0); // 08:00 China Standard Time
    const end = new Date(start.getTime() + 4 * 3_600_000);
    const untilDate = new Date(start.getTime() + 6 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    const plan = await ok(PLAN, { input: { teamId, routeId, plannedStart: start.toISOString(), plannedEnd: end.toISOString(), repeat: { frequency: 'DAILY', until: untilDate } } }, tokens.coordinator, 'patrolPlan');
    expect(plan.patrols).toHaveLength(7);
    expect(plan.patrols[0].leader).toEqual({ displayName: 'PatrollerA' });
    expect(new Date(plan.patrols[6].plannedStart).getTime() - start.getTime()).toBe(6 * 86_400_000);
    const cancel = await gql(
      h.server.httpUrl,
      `mutation ($input: PatrolCancelInput!) { patrolCancel(input: $input) { cancelledCount patrol { status cancelReason } userErrors { code } } }`,
      { input: { id: plan.patrols[2].id, reason: '暴雨', includeLaterInSeries: true } },
      tokens.coordinator,
    );
    expect(cancel.body.data.patrolCancel).toEqual({ cancelledCount: 5, patrol: { status: 'CANCELLED', cancelReason: '暴雨' }, userErrors: [] });
    const again = await gql(
      h.server.httpUrl,
      `mutation ($input: PatrolCancelInput!) { patrolCancel(input: $input) { cancelledCount userErrors { code } } }`,
      { input: { id: plan.patrols[2].id } },
      tokens.coordinator,
    );
    expect(again.body.data.patrolCancel).toEqual({ cancelledCount: 0, userErrors: [{ code: 'INVALID_TRANSITION' }] });
  });

  test('given a patrol planned to end before it starts, then DATE_ORDER and nothing is planned', async () => {
    const start = new Date(Date.now() + 3_600_000);
    const response = await gql(h.server.httpUrl, PLAN, { input: { teamId, routeId, plannedStart: start.toISOString(), plannedEnd: new Date(start.getTime() - 60_000).toISOString() } }, tokens.coordinator);
    expect(response.body.data.patrolPlan).toEqual({ patrols: null, userErrors: [{ code: 'DATE_ORDER', field: ['input', 'plannedEnd'], message: expect.any(String) }] });
  });
});
