import { randomUUID } from 'node:crypto';
import { gql, okPayload } from './support/graphql';
import { addMember, type Harness, startHarness, stopHarness } from './support/harness';
import { MemberRole } from '../src/shared/auth/roles';
import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { Organization, OrganizationKind } from '../src/modules/organization/organization.entity';

/**
 * Check-in ingestion's cost in round trips: at 10,000 events/s a batch's
 * time went into statements sent, not work, so a batch costs a fixed number
 * of statements whatever its size, and its answer is the rows it wrote.
 */
let h: Harness;
let coordinator: string;
let patroller: string;
let teamId: string;
let routeId: string;
let checkpointId: string;

const LAT = 30.31;
const LON = 112.25;

/**
 * The viewer, START TRANSACTION, the facts (patrols locked, team, area, audience, membership, planned and named
 * checkpoints), the insert (with earlier copies and the status times), the status update, the audit
 * row, the event rows (with the event-log lock and the notify), COMMIT.
 */
const FIRST_BATCH_STATEMENTS = 8;
/** A pure retry: the same minus the status update and the event log (nothing changed, nobody is told). */
const RETRY_STATEMENTS = 6;

const ok = (query: string, variables: Record<string, unknown>, token: string, field: string) => okPayload(h.server.httpUrl, query, variables, token, field);

const addUser = (name: string, organizationId: string, role: MemberRole) => addMember(h, name, organizationId, role);

const RECORD = `mutation ($input: PatrolEventsRecordInput!) {
  patrolEventsRecord(input: $input) {
    acceptedCount duplicateCount rejectedCount
    results { clientEventId outcome code event { id clientEventId kind deviceTime receivedAt flagged flagReason flags distanceMeters proof } }
    userErrors { code message }
  }
}`;

async function planPatrol(): Promise<string> {
  const input = { teamId, routeId, plannedStart: new Date(Date.now() - 30 * 60_000).toISOString(), plannedEnd: new Date(Date.now() + 3 * 3_600_000).toISOString() };
  const payload = await ok(`mutation ($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id } userErrors { code message } } }`, { input }, coordinator, 'patrolPlan');
  return payload.patrols[0].id;
}

/** A phone's upload: every tenth a check-in at the checkpoint (one of them 300 m off), the rest positions. */
function batch(prefix: string, size: number): Record<string, unknown>[] {
  const t0 = Date.now() - 10 * 60_000;
  return Array.from({ length: size }, (_, k) => {
    const deviceTime = new Date(t0 + k * 1000).toISOString();
    if (k % 10 === 0) return { clientEventId: `${prefix}-${k}`, kind: 'CHECKPOINT', checkpointId, deviceTime, latitude: k === 10 ? LAT + 0.0027 : LAT, longitude: LON };
    return { clientEventId: `${prefix}-${k}`, kind: 'POSITION', deviceTime, latitude: LAT + k * 1e-5, longitude: LON };
  });
}

function record(patrolId: string, events: Record<string, unknown>[], deviceId: string) {
  return gql(h.server.httpUrl, RECORD, { input: { deviceId, patrolId, events } }, patroller);
}

beforeAll(async () => {
  h = await startHarness();
  const w = h.world;
  const orgId = randomUUID();
  await h.server.services.db.getRepository(Organization).insert({ id: orgId, name: '三板橋義務巡防二隊', kind: OrganizationKind.VOLUNTEER_PATROL, homeAreaId: w.areas.communityA.id, description: null, parentId: null });
  const c = await addUser('IngestCoordinator', orgId, MemberRole.COORDINATOR);
  const p = await addUser('IngestPatroller', orgId, MemberRole.MEMBER);
  coordinator = c.token;
  patroller = p.token;
  const org = toGlobalId('Organization', orgId);
  teamId = (await ok(`mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { code message } } }`, { input: { organizationId: org, name: '巡防二隊', kind: 'VOLUNTEER', areaId: w.gid.area('communityA') } }, coordinator, 'patrolTeamCreate')).patrolTeam.id;
  await ok(`mutation ($input: PatrolTeamMemberAddInput!) { patrolTeamMemberAdd(input: $input) { patrolTeam { id } userErrors { code message } } }`, { input: { teamId, userId: toGlobalId('User', p.id) } }, coordinator, 'patrolTeamMemberAdd');
  checkpointId = (await ok(`mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code message } } }`, { input: { organizationId: org, name: '四號門', kind: 'DOOR', latitude: LAT, longitude: LON, areaId: w.gid.area('gridA') } }, coordinator, 'checkpointCreate')).checkpoint.id;
  routeId = (await ok(`mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id } userErrors { code message } } }`, { input: { organizationId: org, name: '四號線', areaId: w.gid.area('communityA'), checkpointIds: [checkpointId] } }, coordinator, 'routeCreate')).route.id;
});
afterAll(() => stopHarness(h));

describe('patrolEventsRecord round trips', () => {
  test('given batches of 5 and of 50 check-ins, then each costs the same fixed number of statements, and a pure retry fewer', async () => {
    const small = await record(await planPatrol(), batch('s', 5), 'phone-small');
    const largePatrol = await planPatrol();
    const large = await record(largePatrol, batch('l', 50), 'phone-large');
    const retry = await record(largePatrol, batch('l', 50), 'phone-large');
    expect(small.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 5, rejectedCount: 0 });
    expect(large.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 50, rejectedCount: 0 });
    expect(retry.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 0, duplicateCount: 50 });
    expect([small.sqlStatements, large.sqlStatements, retry.sqlStatements]).toEqual([FIRST_BATCH_STATEMENTS, FIRST_BATCH_STATEMENTS, RETRY_STATEMENTS]);
  });

  test('given a batch, then its answer (built from the inserted rows) and its retry (the earlier copies) both show the rows as stored', async () => {
    const patrolId = await planPatrol();
    const first = (await record(patrolId, batch('a', 12), 'phone-answer')).body.data.patrolEventsRecord;
    const retry = (await record(patrolId, batch('a', 12), 'phone-answer')).body.data.patrolEventsRecord;
    const stored = await h.server.services.db.query(
      `SELECT id, client_event_id, kind, device_time, received_at, flagged, flag_reason, flags, distance_meters, proof FROM patrol_event WHERE patrol_id = $1 ORDER BY device_time`,
      [fromGlobalId(patrolId)!.id],
    );
    const asStored = stored.map((r: any) => ({
      clientEventId: r.client_event_id,
      kind: r.kind,
      deviceTime: r.device_time.toISOString(),
      receivedAt: r.received_at.toISOString(),
      flagged: r.flagged,
      flagReason: r.flag_reason,
      flags: r.flags,
      distanceMeters: r.distance_meters,
      proof: r.proof,
    }));
    const strip = (results: any[]) => results.map((x) => ({ ...x.event, id: fromGlobalId(x.event.id)!.id }));
    expect(strip(first.results).map(({ id: _, ...rest }) => rest)).toEqual(asStored);
    expect(strip(first.results).map((e) => e.id)).toEqual(stored.map((r: any) => r.id));
    expect(retry.results.map((x: any) => x.outcome)).toEqual(Array(12).fill('DUPLICATE'));
    expect(retry.results.map((x: any) => x.event)).toEqual(first.results.map((x: any) => x.event));
    // The 300 m check-in is recorded, flagged and said so in the answer.
    expect(first.results[10].event).toMatchObject({ flagged: true, flags: ['FAR_FROM_CHECKPOINT'], proof: null });
    expect(first.results[0].event).toMatchObject({ flagged: false, flags: [], proof: 'LOCATION', distanceMeters: 0 });
  });
});
