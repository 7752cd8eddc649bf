import { randomUUID } from 'node:crypto';
import { errorCodes, expectSameStatementCount, gql, okPayload, type GraphQLResponse } from './support/graphql';
import { until } from './support/wait';
import { clock } from '../src/shared/clock';
import { addMember, type Harness, startHarness, stopHarness } from './support/harness';
import { MemberRole } from '../src/shared/auth/roles';
import type { AppContext } from '../src/shared/context';
import { EventRecord } from '../src/shared/events/event.entity';
import type { EventBus } from '../src/shared/events/event-bus';
import { In } from 'typeorm';
import { loadersForEvent } from '../src/shared/events/event-stream';
import { PatrolEvent, PatrolEventKind } from '../src/modules/patrol/patrol.entity';
import { insertEventsStatement, type Candidate } from '../src/modules/patrol/patrol.ingest-sql';
import { patrolEventsById } from '../src/modules/patrol/patrol.loaders';
import { checkInBatchesQueued, GROUPS_IN_FLIGHT } from '../src/modules/patrol/patrol.ingest-group';
import { keepRecordedCheckIns } from '../src/modules/patrol/patrol.subscription';
import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { Organization, OrganizationKind } from '../src/modules/organization/organization.entity';
import { failIfMutantKilled, test } from './support/mutation-run';
import { planNodes, type PlanNode } from './support/explain';

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
let organization: string;

const LAT = 30.31;
const LON = 112.25;

/**
 * The viewer, START TRANSACTION with the facts in one message (patrols locked, team, area, audience, membership, planned and named
 * checkpoints), the insert (with earlier copies and the status times), the status update, the audit
 * row, the event rows (with the event-log lock and the notify), COMMIT.
 */
const FIRST_BATCH_STATEMENTS = 8;
/** A pure retry: the same minus the status update and the event log (nothing changed, nobody is told). */
const RETRY_STATEMENTS = 6;
/** A batch that changes neither the patrol's status nor its times: the first batch's minus the status update. */
const NO_CHANGE_STATEMENTS = 7;
/** Every event refused on its own: the viewer only. No facts are read and nothing is written, so no transaction begins. */
const ALL_INVALID_STATEMENTS = 1;
/** Every event names a patrol that does not exist: the viewer, START, the facts, COMMIT; no insert. */
const NO_PATROL_STATEMENTS = 4;
/** Every event is for a cancelled patrol: the same plus the audit row; no insert. */
const CANCELLED_STATEMENTS = 5;

/** When a group's transaction counts as stalled on a lock (CHECKIN_GROUP_STALLED_MS) in these tests. */
const STALLED_MS = 5_000;

const ok = (query: string, variables: Record<string, unknown>, token: string, field: string) => okPayload(h.server.httpUrl, query, variables, token, field);

const addUser = (name: string, organizationId: string, role: MemberRole) => addMember(h, name, organizationId, role);

const RECORD = `mutation ($input: PatrolEventsRecordInput!) {
  patrolEventsRecord(input: $input) {
    acceptedCount duplicateCount rejectedCount
    results { clientEventId outcome code event { id clientEventId kind deviceTime receivedAt flagged flagReason flags distanceMeters proof latitude longitude accuracyMeters } }
    userErrors { code field }
  }
}`;

async function planPatrol(options: { start?: Date; end?: Date; areaId?: string } = {}): Promise<string> {
  const plannedStart = (options.start ?? new Date(Date.now() - 30 * 60_000)).toISOString();
  const plannedEnd = (options.end ?? new Date(Date.now() + 3 * 3_600_000)).toISOString();
  // An area patrol (no route, so no planned checkpoints) when an area is given.
  const input = options.areaId ? { teamId, areaId: options.areaId, plannedStart, plannedEnd } : { teamId, routeId, plannedStart, plannedEnd };
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

/** patrolId null: each event names its own patrol. */
function record(patrolId: string | null, events: Record<string, unknown>[], deviceId: string) {
  return gql(h.server.httpUrl, RECORD, { input: { deviceId, ...(patrolId ? { patrolId } : {}), events } }, patroller);
}

beforeAll(async () => {
  failIfMutantKilled();
  // Long enough for the tests of shared transactions to queue batches behind busy ones (see busyTransactions).
  h = await startHarness({ checkInGroupStalledMs: STALLED_MS });
  const w = h.world;
  const orgId = randomUUID();
  await h.server.services.db.getRepository(Organization).insert({ id: orgId, name: '三板橋義務巡防二隊', kind: OrganizationKind.VOLUNTEER_PATROL, homeAreaId: w.areas.communityA.id, description: null, parentId: null });
  const c = await addUser('IngestCoordinator', orgId, MemberRole.COORDINATOR);
  const p = await addUser('IngestPatroller', orgId, MemberRole.MEMBER);
  coordinator = c.token;
  patroller = p.token;
  const org = toGlobalId('Organization', orgId);
  organization = org;
  teamId = (await ok(`mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { code message } } }`, { input: { organizationId: org, name: '巡防二隊', kind: 'VOLUNTEER', areaId: w.gid.area('communityA') } }, coordinator, 'patrolTeamCreate')).patrolTeam.id;
  await ok(`mutation ($input: PatrolTeamMemberAddInput!) { patrolTeamMemberAdd(input: $input) { patrolTeam { id } userErrors { code message } } }`, { input: { teamId, userId: toGlobalId('User', p.id) } }, coordinator, 'patrolTeamMemberAdd');
  checkpointId = (await ok(`mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code message } } }`, { input: { organizationId: org, name: '四號門', kind: 'DOOR', latitude: LAT, longitude: LON, areaId: w.gid.area('gridA') } }, coordinator, 'checkpointCreate')).checkpoint.id;
  routeId = (await ok(`mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id } userErrors { code message } } }`, { input: { organizationId: org, name: '四號線', areaId: w.gid.area('communityA'), checkpointIds: [checkpointId] } }, coordinator, 'routeCreate')).route.id;
});
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

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
      `SELECT id, client_event_id, kind, device_time, received_at, flagged, flag_reason, flags, distance_meters, proof, latitude, longitude, accuracy_meters FROM patrol_event WHERE patrol_id = $1 ORDER BY device_time`,
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
      latitude: r.latitude,
      longitude: r.longitude,
      accuracyMeters: r.accuracy_meters,
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

const HOUR = 3_600_000;
const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000).toISOString();
const dbId = (globalId: string) => fromGlobalId(globalId)!.id;
const lines = (response: { body: any }) => response.body.data.patrolEventsRecord.results.map((r: any) => [r.clientEventId, r.outcome, r.code]);

/** What the batch published about a patrol, as stored in the event log (what subscribers and webhooks are sent). */
async function published(patrolId: string): Promise<{ type: string; payload: Record<string, any> }[]> {
  return h.server.services.db.query(`SELECT type, payload FROM event WHERE topic = 'patrol' AND subject_id = $1 ORDER BY id`, [dbId(patrolId)]);
}

async function stored(patrolId: string): Promise<{ status: string; startedAt: string | null; endedAt: string | null; version: number; missedAlertOpen: boolean }> {
  const [row] = await h.server.services.db.query(`SELECT status, started_at, ended_at, version, missed_alert_open FROM patrol WHERE id = $1`, [dbId(patrolId)]);
  return { status: row.status, startedAt: row.started_at?.toISOString() ?? null, endedAt: row.ended_at?.toISOString() ?? null, version: row.version, missedAlertOpen: row.missed_alert_open };
}

async function audited(patrolId: string, action: string): Promise<Record<string, unknown>[]> {
  const rows = await h.server.services.db.query(`SELECT details FROM audit_entry WHERE record_type = 'Patrol' AND record_id = $1 AND action = $2 ORDER BY id`, [dbId(patrolId), action]);
  return rows.map((r: { details: Record<string, unknown> }) => r.details);
}

async function addCheckpoint(name: string, area: 'gridA' | 'communityB'): Promise<string> {
  const doc = `mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code message } } }`;
  return (await ok(doc, { input: { organizationId: organization, name, kind: 'DOOR', latitude: LAT, longitude: LON, areaId: h.world.gid.area(area) } }, coordinator, 'checkpointCreate')).checkpoint.id;
}

describe('live delivery of check-in batches', () => {
  /** Three batches recorded through the API, and their patrol.eventsRecorded events as stored in the log. */
  async function recordThreeBatches(prefix: string, extra: Record<string, unknown>[] = []): Promise<EventRecord[]> {
    const patrols = [await planPatrol(), await planPatrol(), await planPatrol()];
    for (const [i, patrolId] of patrols.entries()) {
      const events = [...batch(`${prefix}${i}`, 5).reverse(), ...extra.map((e) => ({ ...e, clientEventId: `${prefix}${i}-${e.clientEventId}` }))];
      expect((await record(patrolId, events, `phone-${prefix}-${i}`)).body.data.patrolEventsRecord.acceptedCount).toBe(events.length);
    }
    return h.server.services.realtimeDb
      .getRepository(EventRecord)
      .createQueryBuilder('e')
      .where(`e.type = 'patrol.eventsRecorded'`)
      .andWhere('e.subject_id = ANY(:ids)', { ids: patrols.map((p) => fromGlobalId(p)!.id) })
      .orderBy('e.id')
      .getMany();
  }

  /** Prepares the run for delivery as the given process's event bus would, then reads each batch's check-ins as its deliveries do; counts the statements that read check-ins. */
  async function prepareAndDeliver(bus: EventBus, events: EventRecord[]): Promise<{ checkInReads: number; delivered: PatrolEvent[][] }> {
    const services = h.server.services;
    const statements: string[] = [];
    const logger = services.realtimeDb.logger;
    const logQuery = logger.logQuery;
    logger.logQuery = function (query, ...rest) {
      statements.push(query);
      return logQuery.call(this, query, ...rest);
    };
    try {
      await keepRecordedCheckIns(services.realtimeDb, bus, events);
      const delivered: PatrolEvent[][] = [];
      for (const event of events) {
        // As a subscriber's delivery of the event reads them: on the realtime pool, through the loaders every delivery of this event shares.
        const asDelivered = { app: { ...services, db: services.realtimeDb }, loaders: loadersForEvent(event.id) } as AppContext;
        delivered.push((await patrolEventsById(asDelivered).loadMany(event.payload.eventIds as string[])) as PatrolEvent[]);
      }
      // The reads of check-ins: the event bus polls the log on the same pool, and under load a poll lands in this window.
      return { checkInReads: statements.filter((query) => query.includes('"patrol_event"')).length, delivered };
    } finally {
      logger.logQuery = logQuery;
    }
  }

  test("given three batches another process recorded, when their run is prepared for delivery, then their check-ins are read in one statement and each batch's deliveries find its own, in device-time order, without another", async () => {
    const events = await recordThreeBatches('live');
    expect(events).toHaveLength(3);
    // This process's bus holds the rows it recorded; another process's bus holds none of them.
    const anotherProcess = {} as EventBus;
    const { checkInReads, delivered } = await prepareAndDeliver(anotherProcess, events);
    expect(checkInReads).toBe(1);
    expect(delivered.map((rows) => rows.map((row) => row.clientEventId))).toEqual([0, 1, 2].map((i) => [0, 1, 2, 3, 4].map((k) => `live${i}-${k}`)));
  });

  test('given three batches this process recorded (an incident and a doubly doubtful check-in among them), when their run is prepared for delivery, then no statement reads them back and the deliveries get the rows exactly as committed, case link and flags included', async () => {
    const incident = { clientEventId: 'incident', kind: 'INCIDENT', deviceTime: new Date(Date.now() - 60_000).toISOString(), text: '四號門有人翻牆', severity: 'HIGH', latitude: LAT, longitude: LON };
    // A token where none was issued, sent from about a kilometre away: two reasons, and an accuracy.
    const doubtful = { clientEventId: 'doubtful', kind: 'CHECKPOINT', checkpointId, checkpointToken: 'not-issued', deviceTime: new Date(Date.now() - 30_000).toISOString(), latitude: LAT + 0.01, longitude: LON, accuracyMeters: 12.5 };
    const events = await recordThreeBatches('held', [incident, doubtful]);
    expect(events).toHaveLength(3);
    const { checkInReads, delivered } = await prepareAndDeliver(h.server.services.events, events);
    expect(checkInReads).toBe(0);
    const ids = events.flatMap((e) => e.payload.eventIds as string[]);
    const stored = await h.server.services.db.getRepository(PatrolEvent).findBy({ id: In(ids) });
    const byId = new Map(stored.map((row) => [row.id, row]));
    expect(delivered.flat().map((row) => row.id)).toEqual(ids);
    expect(delivered.flat()).toEqual(ids.map((id) => byId.get(id)));
    expect(delivered.flat().filter((row) => row.kind === PatrolEventKind.INCIDENT).map((row) => Boolean(row.caseId))).toEqual([true, true, true]);
    expect(delivered.flat().filter((row) => row.clientEventId.endsWith('-doubtful')).map((row) => row.flags)).toEqual(Array(3).fill(['WRONG_CHECKPOINT_TOKEN', 'FAR_FROM_CHECKPOINT']));
  });
});

describe('patrolEventsRecord batch checks', () => {
  test('given a blank device id, no events or 501 events, then the batch is refused as a whole with codes; 500 events are judged one by one', async () => {
    const patrolId = await planPatrol();
    const refusedOnItsOwn = Array.from({ length: 500 }, () => ({ clientEventId: ' ', kind: 'POSITION', deviceTime: new Date().toISOString(), latitude: LAT, longitude: LON }));
    const blank = await record(patrolId, [{ clientEventId: 'd1', kind: 'POSITION', deviceTime: new Date().toISOString(), latitude: LAT, longitude: LON }], '  ');
    const none = await record(patrolId, [], 'phone-none');
    const tooMany = await record(patrolId, [...refusedOnItsOwn, refusedOnItsOwn[0]], 'phone-many');
    const most = await record(patrolId, refusedOnItsOwn, 'phone-many');
    const refusal = (r: { body: any }) => [r.body.data.patrolEventsRecord.results, r.body.data.patrolEventsRecord.userErrors];
    expect(refusal(blank)).toEqual([null, [{ code: 'REQUIRED', field: ['input', 'deviceId'] }]]);
    expect(refusal(none)).toEqual([null, [{ code: 'REQUIRED', field: ['input', 'events'] }]]);
    expect(refusal(tooMany)).toEqual([null, [{ code: 'OUT_OF_RANGE', field: ['input', 'events'] }]]);
    expect(most.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 0, duplicateCount: 0, rejectedCount: 500, userErrors: [] });
    expect(most.sqlStatements).toBe(ALL_INVALID_STATEMENTS);
  });

  test('given batches with nothing to write (for a patrol that does not exist, for a cancelled patrol), then each event is refused with its code and the batch skips the insert', async () => {
    const cancelled = await planPatrol({ start: new Date(Date.now() + 2 * HOUR), end: new Date(Date.now() + 4 * HOUR) });
    await ok(`mutation ($input: PatrolCancelInput!) { patrolCancel(input: $input) { cancelledCount userErrors { code message } } }`, { input: { id: cancelled } }, coordinator, 'patrolCancel');
    const position = (id: string) => ({ clientEventId: id, kind: 'POSITION', deviceTime: new Date().toISOString(), latitude: LAT, longitude: LON });
    const nowhere = await record(toGlobalId('Patrol', randomUUID()), [position('n1')], 'phone-nothing');
    const onCancelled = await record(cancelled, [position('c1')], 'phone-nothing');
    expect([lines(nowhere), lines(onCancelled)]).toEqual([[['n1', 'REJECTED', 'NOT_FOUND']], [['c1', 'REJECTED', 'INVALID_TRANSITION']]]);
    expect([nowhere.sqlStatements, onCancelled.sqlStatements]).toEqual([NO_PATROL_STATEMENTS, CANCELLED_STATEMENTS]);
  });

  test('given one batch for two patrols with a resend inside it, a resend of an earlier batch and a refused event sent twice, then each line says so and each patrol is audited with its own counts', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const [a, b] = [await planPatrol({ start: t0 }), await planPatrol({ start: t0 })];
    const earlier = await record(b, [{ clientEventId: 'b1', kind: 'POSITION', deviceTime: at(t0, 1), latitude: LAT, longitude: LON }], 'phone-two');
    const response = await record(null, [
      { patrolId: a, clientEventId: 'a1', kind: 'STARTED', deviceTime: at(t0, 0) },
      { patrolId: a, clientEventId: 'a2', kind: 'POSITION', deviceTime: at(t0, 2), latitude: LAT, longitude: LON, accuracyMeters: 8.5 },
      { patrolId: a, clientEventId: 'a2', kind: 'POSITION', deviceTime: at(t0, 2), latitude: LAT, longitude: LON, accuracyMeters: 8.5 },
      { patrolId: b, clientEventId: 'b1', kind: 'POSITION', deviceTime: at(t0, 1), latitude: LAT, longitude: LON },
      // 45 minutes before the planned start: outside the start window, refused.
      { patrolId: b, clientEventId: 'b-early', kind: 'STARTED', deviceTime: at(t0, -45) },
      { patrolId: b, clientEventId: 'b-early', kind: 'STARTED', deviceTime: at(t0, -45) },
    ], 'phone-two');
    const payload = response.body.data.patrolEventsRecord;
    expect(lines(response)).toEqual([
      ['a1', 'ACCEPTED', null],
      ['a2', 'ACCEPTED', null],
      ['a2', 'DUPLICATE', null],
      ['b1', 'DUPLICATE', null],
      ['b-early', 'REJECTED', 'OUT_OF_RANGE'],
      ['b-early', 'REJECTED', 'OUT_OF_RANGE'],
    ]);
    expect(payload).toMatchObject({ acceptedCount: 2, duplicateCount: 2, rejectedCount: 2 });
    expect(payload.results[2].event.id).toBe(payload.results[1].event.id);
    expect(payload.results[3].event.id).toBe(earlier.body.data.patrolEventsRecord.results[0].event.id);
    expect(payload.results[1].event).toMatchObject({ latitude: LAT, longitude: LON, accuracyMeters: 8.5 });
    expect((await audited(a, 'patrolEventsRecord')).at(-1)).toEqual({ deviceId: 'phone-two', accepted: 2, duplicates: 0, attempted: 2 });
    expect((await audited(b, 'patrolEventsRecord')).at(-1)).toEqual({ deviceId: 'phone-two', accepted: 0, duplicates: 1, attempted: 2 });
    // Patrol b got nothing new from this batch, so nothing more is published about it.
    expect((await published(a)).map((e) => e.type)).toEqual(['patrol.planned', 'patrol.statusChanged', 'patrol.eventsRecorded']);
    expect((await published(b)).map((e) => e.type)).toEqual(['patrol.planned', 'patrol.statusChanged', 'patrol.eventsRecorded']);
  });

  test('given one batch with three events for one patrol and one for another, then each patrol is audited as attempted by its own events only', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const [a, b] = [await planPatrol({ start: t0 }), await planPatrol({ start: t0 })];
    const position = (patrolId: string, clientEventId: string, minute: number) => ({ patrolId, clientEventId, kind: 'POSITION', deviceTime: at(t0, minute), latitude: LAT, longitude: LON });
    const response = await record(null, [position(a, 'a1', 1), position(a, 'a2', 2), position(a, 'a3', 3), position(b, 'b1', 1)], 'phone-counts');
    expect(response.body.data.patrolEventsRecord.acceptedCount).toBe(4);
    expect((await audited(a, 'patrolEventsRecord')).at(-1)).toEqual({ deviceId: 'phone-counts', accepted: 3, duplicates: 0, attempted: 3 });
    expect((await audited(b, 'patrolEventsRecord')).at(-1)).toEqual({ deviceId: 'phone-counts', accepted: 1, duplicates: 0, attempted: 1 });
  });

  test("given an area patrol, then a check-in at a checkpoint inside its area counts by token, one without proof is flagged and published as such, and one outside the area or unknown is refused", async () => {
    const inside = await addCheckpoint('五號門', 'gridA');
    const outside = await addCheckpoint('便河一號門', 'communityB');
    const { token } = await ok(`mutation ($input: CheckpointTokenIssueInput!) { checkpointTokenIssue(input: $input) { token userErrors { code message } } }`, { input: { checkpointId: inside } }, coordinator, 'checkpointTokenIssue');
    const t0 = new Date(Date.now() - 30 * 60_000);
    const patrolId = await planPatrol({ start: t0, areaId: h.world.gid.area('communityA') });
    const response = await record(patrolId, [
      { clientEventId: 'token', kind: 'CHECKPOINT', checkpointId: inside, checkpointToken: token, deviceTime: at(t0, 6) },
      { clientEventId: 'no-proof', kind: 'CHECKPOINT', checkpointId: inside, deviceTime: at(t0, 5) },
      { clientEventId: 'outside', kind: 'CHECKPOINT', checkpointId: outside, deviceTime: at(t0, 7), latitude: LAT, longitude: LON },
      { clientEventId: 'unknown', kind: 'CHECKPOINT', checkpointId: toGlobalId('Checkpoint', randomUUID()), deviceTime: at(t0, 8), latitude: LAT, longitude: LON },
    ], 'phone-area');
    const results = response.body.data.patrolEventsRecord.results;
    expect(lines(response)).toEqual([
      ['token', 'ACCEPTED', null],
      ['no-proof', 'ACCEPTED', null],
      ['outside', 'REJECTED', 'NOT_PERMITTED_HERE'],
      ['unknown', 'REJECTED', 'NOT_FOUND'],
    ]);
    expect([results[0].event.proof, results[0].event.flags, results[1].event.flags]).toEqual(['TOKEN', [], ['NO_PROOF_OF_PRESENCE']]);
    const recorded = (await published(patrolId)).find((e) => e.type === 'patrol.eventsRecorded')!.payload;
    // In device-time order: the check-in without proof came first.
    expect(recorded).toMatchObject({ eventIds: [dbId(results[1].event.id), dbId(results[0].event.id)], kinds: ['CHECKPOINT', 'CHECKPOINT'], flaggedEventIds: [dbId(results[1].event.id)] });
  });
});

describe('patrol status from device times', () => {
  test('given a planned patrol, when batches bring a check-in, a later STARTED, a position, an ENDED with an earlier position, and a later ENDED, then it goes PLANNED > ACTIVE > COMPLETED with start and end following device times', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const patrolId = await planPatrol({ start: t0, areaId: h.world.gid.area('communityA') });
    const position = (id: string, minutes: number) => ({ clientEventId: id, kind: 'POSITION', deviceTime: at(t0, minutes), latitude: LAT, longitude: LON });
    const after: Awaited<ReturnType<typeof stored>>[] = [];
    await record(patrolId, [position('p1', 1)], 'phone-life');
    after.push(await stored(patrolId));
    // A STARTED outranks an earlier check-in: the patrol started when the team said so.
    await record(patrolId, [{ clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 3) }], 'phone-life');
    after.push(await stored(patrolId));
    const unchanged = await record(patrolId, [position('p2', 10)], 'phone-life');
    after.push(await stored(patrolId));
    await record(patrolId, [{ clientEventId: 'e1', kind: 'ENDED', deviceTime: at(t0, 20) }, position('p3', 15)], 'phone-life');
    after.push(await stored(patrolId));
    await record(patrolId, [{ clientEventId: 'e2', kind: 'ENDED', deviceTime: at(t0, 25) }], 'phone-life');
    after.push(await stored(patrolId));
    expect(after.map((p) => [p.status, p.startedAt, p.endedAt])).toEqual([
      ['ACTIVE', at(t0, 1), null],
      ['ACTIVE', at(t0, 3), null],
      ['ACTIVE', at(t0, 3), null],
      ['COMPLETED', at(t0, 3), at(t0, 20)],
      ['COMPLETED', at(t0, 3), at(t0, 25)],
    ]);
    // A batch that moves nothing leaves the patrol row alone.
    expect(after[2].version).toBe(after[1].version);
    expect(unchanged.sqlStatements).toBe(NO_CHANGE_STATEMENTS);
    const events = await published(patrolId);
    expect(events.filter((e) => e.type === 'patrol.statusChanged').map((e) => [e.payload.previousStatus, e.payload.status])).toEqual([['PLANNED', 'ACTIVE'], ['ACTIVE', 'COMPLETED']]);
    const recorded = events.filter((e) => e.type === 'patrol.eventsRecorded').map((e) => e.payload);
    expect(recorded.map((p) => p.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'COMPLETED', 'COMPLETED']);
    expect(recorded[3].kinds).toEqual(['POSITION', 'ENDED']);
  });

  test('given patrols marked MISSED, when late events arrive, then one started by its planned end comes back (ACTIVE, or COMPLETED with an ENDED), one started after it stays MISSED, and flagged times move no patrol', async () => {
    const now = new Date();
    clock.freeze(now);
    const start = new Date(now.getTime() + 10 * 60_000);
    const end = new Date(start.getTime() + 30 * 60_000);
    const area = h.world.gid.area('communityA');
    const [atEnd, withEnd, afterEnd, flaggedOnly] = [await planPatrol({ start, end, areaId: area }), await planPatrol({ start, end, areaId: area }), await planPatrol({ start, end, areaId: area }), await planPatrol({ start, end, areaId: area })];
    clock.advance(70 * 60_000);
    await h.server.scheduler.runAll();
    const laterStart = new Date(now.getTime() + 90 * 60_000);
    const planned = await planPatrol({ start: laterStart, end: new Date(now.getTime() + 3 * HOUR), areaId: area });
    await record(null, [
      { patrolId: atEnd, clientEventId: 's', kind: 'STARTED', deviceTime: end.toISOString() },
      { patrolId: withEnd, clientEventId: 's', kind: 'STARTED', deviceTime: at(start, 5) },
      { patrolId: withEnd, clientEventId: 'e', kind: 'ENDED', deviceTime: at(start, 25) },
      { patrolId: afterEnd, clientEventId: 's', kind: 'STARTED', deviceTime: at(end, 1) },
      // 45 minutes before the planned start: outside the shift, flagged, no part in the status.
      { patrolId: flaggedOnly, clientEventId: 'p', kind: 'POSITION', deviceTime: at(start, -45), latitude: LAT, longitude: LON },
      { patrolId: planned, clientEventId: 'p', kind: 'POSITION', deviceTime: at(laterStart, -45), latitude: LAT, longitude: LON },
    ], 'phone-late');
    const patrols = [atEnd, withEnd, afterEnd, flaggedOnly, planned];
    const now_ = await Promise.all(patrols.map(stored));
    expect(now_.map((p) => [p.status, p.startedAt, p.endedAt])).toEqual([
      ['ACTIVE', end.toISOString(), null],
      ['COMPLETED', at(start, 5), at(start, 25)],
      ['MISSED', null, null],
      ['MISSED', null, null],
      ['PLANNED', null, null],
    ]);
    const events = await Promise.all(patrols.map(published));
    const changes = events.map((list) => list.filter((e) => e.type === 'patrol.statusChanged').map((e) => `${e.payload.previousStatus}>${e.payload.status}`));
    expect(changes).toEqual([['PLANNED>MISSED', 'MISSED>ACTIVE'], ['PLANNED>MISSED', 'MISSED>COMPLETED'], ['PLANNED>MISSED'], ['PLANNED>MISSED'], []]);
    expect(events.map((list) => list.find((e) => e.type === 'patrol.eventsRecorded')!.payload.status)).toEqual(['ACTIVE', 'COMPLETED', 'MISSED', 'MISSED', 'PLANNED']);
  });

  test('given a patrol marked MISSED, when an ENDED after its planned end leaves it MISSED and a later batch brings a STARTED by the planned end, then it comes back COMPLETED with that end: a batch that changes nothing visible still moves the times the next one starts from', async () => {
    const now = new Date();
    clock.freeze(now);
    const start = new Date(now.getTime() + 10 * 60_000);
    const end = new Date(start.getTime() + 30 * 60_000);
    const patrolId = await planPatrol({ start, end, areaId: h.world.gid.area('communityA') });
    clock.advance(70 * 60_000);
    await h.server.scheduler.runAll();

    await record(patrolId, [{ clientEventId: 'e', kind: 'ENDED', deviceTime: at(end, 5) }], 'phone-late');
    const between = await stored(patrolId);
    await record(patrolId, [{ clientEventId: 's', kind: 'STARTED', deviceTime: at(start, 5) }], 'phone-late');

    expect([between.status, between.startedAt, between.endedAt]).toEqual(['MISSED', null, null]);
    expect(await stored(patrolId)).toMatchObject({ status: 'COMPLETED', startedAt: at(start, 5), endedAt: at(end, 5) });
  });
});

describe('missed-checkpoints alert', () => {
  test('given a patrol that ends with its checkpoint unvisited and one that visited it, then only the first raises the alert, a later position leaves it standing, and a late check-in takes it back with the figures', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const [missed, full] = [await planPatrol({ start: t0 }), await planPatrol({ start: t0 })];
    await record(null, [
      { patrolId: missed, clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 0) },
      { patrolId: missed, clientEventId: 'e', kind: 'ENDED', deviceTime: at(t0, 20) },
      { patrolId: full, clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 0) },
      { patrolId: full, clientEventId: 'c', kind: 'CHECKPOINT', checkpointId, deviceTime: at(t0, 10), latitude: LAT, longitude: LON },
      { patrolId: full, clientEventId: 'e', kind: 'ENDED', deviceTime: at(t0, 20) },
    ], 'phone-alert');
    // A later position leaves the checkpoint unvisited: the alert stands.
    await record(missed, [{ clientEventId: 'p', kind: 'POSITION', deviceTime: at(t0, 15), latitude: LAT, longitude: LON }], 'phone-alert');
    const raised = await stored(missed);
    await record(missed, [{ clientEventId: 'c', kind: 'CHECKPOINT', checkpointId, deviceTime: at(t0, 10), latitude: LAT, longitude: LON }], 'phone-offline');
    const alerts = (list: { type: string; payload: Record<string, any> }[]) =>
      list.filter((e) => e.type.startsWith('patrol.checkpointsMissed')).map((e) => [e.type, e.payload.status, e.payload.missedCheckpointIds, e.payload.plannedCheckpointCount, e.payload.visitedCheckpointCount]);
    expect(alerts(await published(missed))).toEqual([
      ['patrol.checkpointsMissed', 'COMPLETED', [dbId(checkpointId)], 1, 0],
      ['patrol.checkpointsMissedRetracted', 'COMPLETED', [], 1, 1],
    ]);
    expect(alerts(await published(full))).toEqual([]);
    expect([raised.missedAlertOpen, (await stored(missed)).missedAlertOpen, (await stored(full)).missedAlertOpen]).toEqual([true, false, false]);
    expect(await audited(missed, 'patrolMissedAlertRetract')).toEqual([{ visitedCheckpointCount: 1 }]);
  });

  test('given a completed patrol with its route visited, when a later STARTED leaves the check-in before the start, then no alert follows: the alert is raised when a patrol ends', async () => {
    const t0 = new Date(Date.now() - 30 * 60_000);
    const patrolId = await planPatrol({ start: t0 });
    await record(patrolId, [
      { clientEventId: 'c', kind: 'CHECKPOINT', checkpointId, deviceTime: at(t0, 5), latitude: LAT, longitude: LON },
      { clientEventId: 'e', kind: 'ENDED', deviceTime: at(t0, 20) },
    ], 'phone-narrow');
    await record(patrolId, [{ clientEventId: 's', kind: 'STARTED', deviceTime: at(t0, 10) }], 'phone-narrow');
    expect(await stored(patrolId)).toMatchObject({ status: 'COMPLETED', startedAt: at(t0, 10), missedAlertOpen: false });
    expect((await published(patrolId)).map((e) => e.type)).toEqual(['patrol.planned', 'patrol.statusChanged', 'patrol.eventsRecorded', 'patrol.eventsRecorded']);
  });
});

describe('work that grows with the patrol, not with the event log', () => {
  test("given an event log grown to 50,000 check-ins over 200 patrols, when a batch for two of them is planned, then its statement reads none of their earlier check-ins, only a retry's copies by the unique key", async () => {
    const db = h.server.services.db;
    const template = dbId(await planPatrol());
    const [{ user_id: recorder }] = await db.query(`SELECT user_id FROM patrol_team_member WHERE team_id = $1 LIMIT 1`, [dbId(teamId)]);
    const grown: { id: string; team_id: string }[] = await db.query(
      `INSERT INTO patrol SELECT (jsonb_populate_record(NULL::patrol, to_jsonb(p) || jsonb_build_object('id', gen_random_uuid()))).*
         FROM patrol p, generate_series(1, 200) WHERE p.id = $1 RETURNING id, team_id`,
      [template],
    );
    await db.query(
      `INSERT INTO patrol_event (patrol_id, team_id, device_id, client_event_id, kind, device_time, received_at, recorded_by_user_id, latitude, longitude)
       SELECT p, $2, 'grown-phone', 'grown-' || k, 'POSITION', now() - k * interval '1 second', now(), $3, ${LAT}, ${LON}
         FROM unnest($1::uuid[]) p, generate_series(1, 250) k`,
      [grown.map((g) => g.id), grown[0].team_id, recorder],
    );
    await db.query('ANALYZE patrol_event');
    const candidates: Candidate[] = Array.from({ length: 50 }, (_, k) => ({
      index: k,
      id: randomUUID(),
      clientEventId: `plan-${k}`,
      patrolId: grown[k % 2].id,
      kind: PatrolEventKind.POSITION,
      deviceTime: new Date(Date.now() - k * 1000),
      checkpointId: null,
      latitude: LAT,
      longitude: LON,
      accuracyMeters: null,
      distanceMeters: null,
      flags: [],
      reasons: [],
      proof: null,
      token: null,
      text: null,
      severity: null,
    }));

    const { sql, params } = insertEventsStatement(
      candidates.map((candidate) => ({ candidate, deviceId: 'plan-phone', receivedAt: new Date(), viewer: { userId: recorder, clientId: null }, teamId: grown[0].team_id })),
    );
    const nodes = await planNodes(db, sql, params);
    // The statement stays prepared on its connection and runs on a generic plan after a few executions: that plan too.
    const runner = db.createQueryRunner();
    let generic: PlanNode[];
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      generic = await planNodes(runner.manager, sql, params);
    } finally {
      await runner.query(`RESET plan_cache_mode`);
      await runner.release();
    }

    for (const plan of [nodes, generic]) {
      const reads = plan.filter((n) => n['Relation Name'] === 'patrol_event' && n['Node Type'] !== 'ModifyTable').map((n) => [n['Node Type'], n['Index Name']]);
      // The status times are kept on the patrol: the 250 check-ins each patrol already has are not read again.
      expect(reads).toEqual([['Index Scan', 'patrol_event_client_id_key']]);
    }
  });
});

describe('batches that arrive together share one transaction', () => {
  const recordAs = (token: string, patrolId: string, events: Record<string, unknown>[], deviceId: string) => gql(h.server.httpUrl, RECORD, { input: { deviceId, patrolId, events } }, token);
  const queued = () => checkInBatchesQueued(h.server.services);

  /**
   * Keeps every transaction of the committer busy: a patrol's row is locked here, and GROUPS_IN_FLIGHT batches for
   * it wait on the lock inside their transactions. Batches sent meanwhile queue; `release` lets the lock go, and
   * the queued batches go together into the next transaction.
   */
  async function busyTransactions(): Promise<{ release(): Promise<GraphQLResponse[]>; answered(): boolean }> {
    const blocked = await planPatrol();
    const runner = h.server.services.db.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`SELECT id FROM patrol WHERE id = $1 FOR UPDATE`, [dbId(blocked)]);
    const blockers = Array.from({ length: GROUPS_IN_FLIGHT }, (_, k) => recordAs(patroller, blocked, batch(`busy-${k}`, 2), `busy-phone-${k}`));
    let answered = false;
    void Promise.all(blockers).then(() => (answered = true));
    await until(async () => {
      const [{ waiting }] = await h.server.services.db.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%patrol_batch_facts%'`,
      );
      return waiting === GROUPS_IN_FLIGHT;
    });
    return {
      answered: () => answered,
      async release() {
        await runner.commitTransaction();
        await runner.release();
        return Promise.all(blockers);
      },
    };
  }

  /**
   * Sends each batch once the one before it is queued: requests sent at once reach the server in any order, and the
   * group takes its batches in the order they were queued.
   */
  async function queueInOrder(sends: (() => Promise<GraphQLResponse>)[]): Promise<Promise<GraphQLResponse>[]> {
    const sent: Promise<GraphQLResponse>[] = [];
    for (const send of sends) {
      sent.push(send());
      await until(() => queued() === sent.length);
    }
    return sent;
  }

  test("given four batches queued behind busy transactions (two viewers, a resend of one batch's check-in by its phone, a member who may not report), then three are recorded in one transaction, each answered and audited as its own, the resend points at the first copy, and only the fourth is refused", async () => {
    const bystander = await addUser('IngestBystander', fromGlobalId(organization)!.id, MemberRole.MEMBER);
    const [first, second] = [await planPatrol(), await planPatrol()];
    const busy = await busyTransactions();

    const sent = await queueInOrder([
      () => recordAs(patroller, first, batch('grouped-a', 3), 'group-phone-a'),
      () => recordAs(coordinator, second, batch('grouped-b', 2), 'group-phone-b'),
      () => recordAs(patroller, first, [batch('grouped-a', 3)[1], { clientEventId: 'grouped-a-late', kind: 'POSITION', deviceTime: new Date().toISOString(), latitude: LAT, longitude: LON }], 'group-phone-a'),
      () => recordAs(bystander.token, first, batch('grouped-d', 2), 'group-phone-d'),
    ]);
    const blockers = await busy.release();
    const [a, b, resend, refused] = await Promise.all(sent);

    expect(blockers.map((r) => r.body.data.patrolEventsRecord.acceptedCount)).toEqual(blockers.map(() => 2));
    expect(a.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 3, duplicateCount: 0, rejectedCount: 0 });
    expect(b.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 2, duplicateCount: 0, rejectedCount: 0 });
    expect(resend.body.data.patrolEventsRecord.results.map((r: { clientEventId: string; outcome: string; event: { id: string } }) => [r.clientEventId, r.outcome, r.event.id])).toEqual([
      ['grouped-a-1', 'DUPLICATE', a.body.data.patrolEventsRecord.results[1].event.id],
      ['grouped-a-late', 'ACCEPTED', expect.any(String)],
    ]);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);

    const db = h.server.services.db;
    const rows: { device_id: string; transaction: string }[] = await db.query(
      `SELECT device_id, xmin::text AS transaction FROM patrol_event WHERE device_id LIKE 'group-phone-%' ORDER BY device_id`,
    );
    expect(rows.map((r) => r.device_id)).toEqual(['group-phone-a', 'group-phone-a', 'group-phone-a', 'group-phone-a', 'group-phone-b', 'group-phone-b']);
    expect(new Set(rows.map((r) => r.transaction)).size).toBe(1);
    const audits: { actor_user_id: string; request_id: string; details: { deviceId: string; accepted: number; duplicates: number } }[] = await db.query(
      `SELECT actor_user_id, request_id, details FROM audit_entry WHERE action = 'patrolEventsRecord' AND details->>'deviceId' LIKE 'group-phone-%' ORDER BY id`,
    );
    const [patrollerId, coordinatorId] = [patroller, coordinator].map((token) => h.server.services.tokens.verify(token)!.sub.split(':')[1]);
    expect(audits.map((r) => [r.actor_user_id, r.request_id, r.details.deviceId, r.details.accepted, r.details.duplicates])).toEqual([
      [patrollerId, a.headers.get('x-request-id'), 'group-phone-a', 3, 0],
      [coordinatorId, b.headers.get('x-request-id'), 'group-phone-b', 2, 0],
      [patrollerId, resend.headers.get('x-request-id'), 'group-phone-a', 1, 1],
    ]);
    // Each counted request says what its shared transaction sent.
    expectSameStatementCount(a, b, resend);
  });

  test('given a group in which one batch makes the transaction fail, then the others are recorded batch by batch and only that one fails', async () => {
    const db = h.server.services.db;
    await db.query(`
      CREATE FUNCTION refuse_poisoned_check_in() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.client_event_id LIKE 'poison-%' THEN RAISE EXCEPTION 'poisoned check-in'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poisoned_check_in BEFORE INSERT ON patrol_event FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_check_in();`);
    try {
      const [healthy, poisoned] = [await planPatrol(), await planPatrol()];
      const busy = await busyTransactions();
      const sent = await queueInOrder([() => recordAs(patroller, healthy, batch('healthy', 2), 'fallback-phone-h'), () => recordAs(patroller, poisoned, batch('poison', 2), 'fallback-phone-p')]);
      await busy.release();
      const [ok, failed] = await Promise.all(sent);

      expect(ok.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 2, rejectedCount: 0 });
      expect(errorCodes(failed)).toEqual(['INTERNAL_SERVER_ERROR']);
      const [{ events, audits }] = await db.query(
        `SELECT (SELECT count(*)::int FROM patrol_event WHERE device_id LIKE 'fallback-phone-%') AS events,
                (SELECT count(*)::int FROM audit_entry WHERE action = 'patrolEventsRecord' AND details->>'deviceId' LIKE 'fallback-phone-%') AS audits`,
      );
      expect({ events, audits }).toEqual({ events: 2, audits: 1 });
    } finally {
      await db.query(`DROP TRIGGER refuse_poisoned_check_in ON patrol_event; DROP FUNCTION refuse_poisoned_check_in()`);
    }
  });

  test('given every transaction waiting on a patrol locked elsewhere, then a batch for another patrol gets a transaction of its own once they count as stalled, before the lock is let go', async () => {
    const other = await planPatrol();
    const busy = await busyTransactions();

    const beside = await recordAs(patroller, other, batch('beside-stalled', 2), 'stalled-phone');

    expect(beside.body.data.patrolEventsRecord).toMatchObject({ acceptedCount: 2, rejectedCount: 0 });
    expect(busy.answered()).toBe(false);
    const blockers = await busy.release();
    expect(blockers.map((r) => r.body.data.patrolEventsRecord.acceptedCount)).toEqual(blockers.map(() => 2));
  }, 30_000);
});
