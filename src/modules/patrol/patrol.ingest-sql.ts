import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import type { Tx } from '../../shared/transaction';
import type { Viewer } from '../../shared/auth/viewer';
import { queryPrepared } from '../../shared/database/prepared';
import { sqlStringLiteral } from '../../shared/database/sql-literal';
import { Area } from '../area/area.entity';
import { CheckInProof, Checkpoint, IncidentSeverity, Patrol, PatrolEvent, PatrolEventFlag, PatrolEventKind, PatrolTeam } from './patrol.entity';
import { canRecordPatrolEvents, canSeePatrolRecord } from './patrol.policy';

/*
 * The statements of one check-in batch. A batch is a phone's upload, and at
 * 10,000 events/s the server's time went into round trips, not work: the
 * facts are read in one statement and the events inserted and matched to
 * earlier copies in another, whatever the batch size. The device times the
 * status is derived from are kept on the patrol (patrol.ingest.ts), not
 * gathered again from all of its check-ins.
 */

export interface Candidate {
  index: number;
  id: string;
  clientEventId: string;
  patrolId: string;
  kind: PatrolEventKind;
  deviceTime: Date;
  checkpointId: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracyMeters: number | null;
  distanceMeters: number | null;
  flags: PatrolEventFlag[];
  reasons: string[];
  proof: CheckInProof | null;
  token: string | null;
  text: string | null;
  severity: IncidentSeverity | null;
}

export interface PatrolFacts {
  patrol: Patrol;
  team: PatrolTeam;
  area: Area;
  audience: string[];
  /** Those of the group's users who are members of the patrol's team. */
  members: Set<string>;
  plannedCheckpointIds: Set<string>;
}

export interface CheckpointFacts {
  checkpoint: Checkpoint;
  path: string;
  tokenHash: string | null;
}

/**
 * A row (from the driver, or from to_jsonb with snake_case keys and times as
 * text) as the entity TypeORM would have loaded: the answer and the
 * subscription resolve fields on real entities.
 */
function fromRow<T extends ObjectLiteral>(em: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const entity = em.create(target);
  for (const column of em.connection.getMetadata(target).columns) {
    if (!(column.databaseName in row)) continue;
    let value = row[column.databaseName];
    if (typeof value === 'string' && (column.type === 'timestamptz' || column.type === 'timestamp')) value = new Date(value);
    column.setEntityValue(entity, value);
  }
  return entity;
}

/**
 * Locks the patrols of a group of batches (in id order, so concurrent groups
 * cannot deadlock) and gathers, in the same statement, what the checks need:
 * team, area, audience, which of the group's users are members of the team,
 * planned checkpoints and the named checkpoints. Who may see or report on
 * each patrol is decided per batch, by factsVisibleTo.
 */
export async function loadFacts(
  tx: Tx,
  patrolIds: string[],
  checkpointIds: string[],
  userIds: string[],
): Promise<{ facts: Map<string, PatrolFacts>; checkpoints: Map<string, CheckpointFacts> }> {
  const facts = new Map<string, PatrolFacts>();
  const checkpoints = new Map<string, CheckpointFacts>();
  if (patrolIds.length === 0) return { facts, checkpoints };
  const rows: { patrol: Record<string, unknown>; team: Record<string, unknown>; area: Record<string, unknown>; audience: string[] | null; members: string[]; planned: string[]; checkpoints: { checkpoint: Record<string, unknown>; path: string }[] }[] =
    // The statement is a function (migration PatrolBatchFacts) that keeps its plan: planned anew for each batch, its
    // planning cost more than its execution. It is the batch's first statement and travels with START TRANSACTION.
    await tx.firstRead(
      `SELECT * FROM patrol_batch_facts(${uuidArray([...patrolIds].sort())}, ${sqlStringLiteral(today())}::date, ${uuidArray(userIds)}, ${uuidArray(checkpointIds)})`,
    );
  for (const row of rows) {
    const patrol = fromRow(tx.em, Patrol, row.patrol);
    const team = fromRow(tx.em, PatrolTeam, row.team);
    const audience = row.audience ?? [team.organizationId];
    facts.set(patrol.id, { patrol, team, area: fromRow(tx.em, Area, row.area), audience, members: new Set(row.members), plannedCheckpointIds: new Set(row.planned) });
  }
  for (const c of rows[0]?.checkpoints ?? []) {
    const checkpoint = fromRow(tx.em, Checkpoint, c.checkpoint);
    const tokenHash = (c.checkpoint.token_hash as string | null) ?? null;
    // The entity never carries the hash (the column is not selected elsewhere either).
    delete (checkpoint as Partial<Checkpoint>).tokenHash;
    checkpoints.set(checkpoint.id, { checkpoint, path: c.path, tokenHash });
  }
  return { facts, checkpoints };
}

/**
 * The facts of a batch's patrols as its viewer may use them. Patrols the
 * viewer may not see are left out: their events are rejected as unknown. A
 * patrol the viewer sees but may not report on refuses the batch.
 */
export function factsVisibleTo(viewer: Viewer, facts: Map<string, PatrolFacts>, patrolIds: string[]): Map<string, PatrolFacts> {
  const visible = new Map<string, PatrolFacts>();
  // Each patrol once, however many of the batch's check-ins name it.
  for (const id of [...new Set(patrolIds)].sort()) {
    const f = facts.get(id);
    if (!f || !canSeePatrolRecord(viewer, f.audience)) continue;
    const viewerIsTeamMember = viewer.userId !== null && f.members.has(viewer.userId);
    if (!canRecordPatrolEvents(viewer, { teamOrganizationId: f.team.organizationId, viewerIsTeamMember })) {
      throw forbidden("Only the team's members, its organisation's coordinators and its organisation's API clients report its patrols.");
    }
    visible.set(id, f);
  }
  return visible;
}

/** Ids (uuids already checked by idOf) as an SQL array literal, each element a quoted literal of its own. */
function uuidArray(ids: string[]): string {
  return `ARRAY[${ids.map(sqlStringLiteral).join(',')}]::uuid[]`;
}

export interface Inserted {
  /** Rows this group inserted, as entities. */
  accepted: Map<string, PatrolEvent>;
  /** Earlier copies of the rest, by clientKey. */
  earlier: Map<string, PatrolEvent>;
}

/** A check-in's unique key (constraint patrol_event_client_id_key): a phone's retry has the same one. */
export function clientKey(patrolId: string, deviceId: string, clientEventId: string): string {
  return `${patrolId}|${deviceId}|${clientEventId}`;
}

/** A candidate to insert, with what its batch says of it: the phone, when the batch arrived, who sent it, the team. */
export interface InsertRow {
  candidate: Candidate;
  deviceId: string;
  receivedAt: Date;
  viewer: Pick<Viewer, 'userId' | 'clientId'>;
  teamId: string;
}

/** The stored flag_reason of a candidate: one text for the statement and for the row built from it, so both agree. */
function flagReasonOf(c: Candidate): string | null {
  return c.reasons.length > 0 ? c.reasons.join('; ') : null;
}

/** The row a candidate is stored as, built from what the statement was sent: see insertEvents. */
function storedEvent({ candidate: c, deviceId, receivedAt, viewer, teamId }: InsertRow): PatrolEvent {
  return Object.assign(new PatrolEvent(), {
    id: c.id,
    patrolId: c.patrolId,
    teamId,
    deviceId,
    clientEventId: c.clientEventId,
    kind: c.kind,
    deviceTime: c.deviceTime,
    receivedAt,
    recordedByUserId: viewer.userId,
    recordedByClientId: viewer.clientId,
    checkpointId: c.checkpointId,
    latitude: c.latitude,
    longitude: c.longitude,
    accuracyMeters: c.accuracyMeters,
    distanceMeters: c.distanceMeters,
    flagged: flagReasonOf(c) !== null,
    flags: [...c.flags],
    proof: c.proof,
    flagReason: flagReasonOf(c),
    text: c.text,
    severity: c.severity,
    caseId: null,
  });
}

/**
 * One statement: a multi-row INSERT ... ON CONFLICT DO NOTHING that answers
 * with the ids it inserted, and the earlier copies of the rows that
 * conflicted (a retry answers with the first ids). The rows may come from
 * several batches (patrol.ingest-group.ts), so each carries its own device,
 * receipt time and sender; a key must be sent at most once. An inserted row
 * is built from what was sent rather than sent back: every column is the
 * batch's value as is (times to the millisecond, as JavaScript keeps them),
 * and returning each row as jsonb cost PostgreSQL more than the insert's key
 * checks. A test holds these rows equal to the stored ones. Earlier copies
 * come back as jsonb: the statement stays prepared on its connection
 * (queryPrepared), and a prepared statement whose columns a migration
 * changed would fail rather than answer with the new ones.
 */
export async function insertEvents(tx: Tx, rows: InsertRow[]): Promise<Inserted> {
  const result: Inserted = { accepted: new Map(), earlier: new Map() };
  if (rows.length === 0) return result;
  const { sql, params } = insertEventsStatement(rows);
  const found = await queryPrepared<{ inserted_id: string | null; earlier: Record<string, unknown> | null }>(tx.em, 'patrol-insert-events', sql, params);
  const inserted = new Set<string>();
  for (const row of found) {
    if (row.inserted_id) inserted.add(row.inserted_id);
    else if (row.earlier) {
      const event = fromRow(tx.em, PatrolEvent, row.earlier);
      result.earlier.set(clientKey(event.patrolId, event.deviceId, event.clientEventId), event);
    }
  }
  for (const row of rows) {
    if (inserted.has(row.candidate.id)) result.accepted.set(row.candidate.id, storedEvent(row));
  }
  return result;
}

/** The statement of insertEvents, apart so that its plan can be checked on a grown table. */
export function insertEventsStatement(rows: InsertRow[]): { sql: string; params: unknown[] } {
  const candidates = rows.map((r) => r.candidate);
  return {
    sql: `WITH u AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::uuid[], $8::float8[], $9::float8[],
                            $10::float8[], $11::float8[], $12::text[], $13::timestamptz[], $14::uuid[], $15::uuid[],
                            $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
            AS u(id, patrol_id, team_id, client_event_id, kind, device_time, checkpoint_id, latitude, longitude,
                 accuracy_meters, distance_meters, device_id, received_at, recorded_by_user_id, recorded_by_client_id,
                 flag_reason, text, severity, flags, proof)
     ), ins AS (
       INSERT INTO patrol_event (id, patrol_id, team_id, client_event_id, kind, device_time, checkpoint_id, latitude, longitude,
                                 accuracy_meters, distance_meters, flagged, flag_reason, flags, proof, text, severity,
                                 device_id, received_at, recorded_by_user_id, recorded_by_client_id)
       SELECT u.id, u.patrol_id, u.team_id, u.client_event_id, u.kind, u.device_time, u.checkpoint_id, u.latitude, u.longitude,
              u.accuracy_meters, u.distance_meters, u.flag_reason IS NOT NULL, u.flag_reason,
              CASE WHEN u.flags = '' THEN '{}'::text[] ELSE string_to_array(u.flags, ',') END, u.proof, u.text, u.severity,
              u.device_id, u.received_at, u.recorded_by_user_id, u.recorded_by_client_id
         FROM u
       ON CONFLICT ON CONSTRAINT patrol_event_client_id_key DO NOTHING
       RETURNING id
     )
     SELECT ins.id AS inserted_id, NULL::jsonb AS earlier FROM ins
     UNION ALL
     -- Earlier copies only of the rows that were not inserted (a retry's), each by the unique key's index: a join of
     -- the whole batch was planned as a scan of patrol_event while the table's statistics lagged behind its growth.
     SELECT NULL::uuid, to_jsonb(e)
       FROM u
      CROSS JOIN LATERAL (
        SELECT x.* FROM patrol_event x
         WHERE x.patrol_id = u.patrol_id AND x.device_id = u.device_id AND x.client_event_id = u.client_event_id
      ) e
      WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = u.id)`,
    params: [
      candidates.map((r) => r.id),
      candidates.map((r) => r.patrolId),
      rows.map((r) => r.teamId),
      candidates.map((r) => r.clientEventId),
      candidates.map((r) => r.kind),
      candidates.map((r) => r.deviceTime.toISOString()),
      candidates.map((r) => r.checkpointId),
      candidates.map((r) => r.latitude),
      candidates.map((r) => r.longitude),
      candidates.map((r) => r.accuracyMeters),
      candidates.map((r) => r.distanceMeters),
      rows.map((r) => r.deviceId),
      rows.map((r) => r.receivedAt.toISOString()),
      rows.map((r) => r.viewer.userId),
      rows.map((r) => r.viewer.clientId),
      candidates.map(flagReasonOf),
      candidates.map((r) => r.text),
      candidates.map((r) => r.severity),
      candidates.map((r) => r.flags.join(',')),
      candidates.map((r) => r.proof),
    ],
  };
}
