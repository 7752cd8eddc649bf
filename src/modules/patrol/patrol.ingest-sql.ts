import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import type { Tx } from '../../shared/transaction';
import type { Viewer } from '../../shared/auth/viewer';
import { queryPrepared } from '../../shared/database/prepared';
import { Area } from '../area/area.entity';
import { CheckInProof, Checkpoint, IncidentSeverity, Patrol, PatrolEvent, PatrolEventFlag, PatrolEventKind, PatrolTeam, PatrolTeamKind, TIME_FLAGS } from './patrol.entity';
import { canRecordPatrolEvents, canSeePatrolRecord } from './patrol.policy';

/*
 * The statements of one check-in batch. A batch is a phone's upload, and at
 * 10,000 events/s the server's time went into round trips, not work: the
 * facts are read in one statement and the events inserted, matched to
 * earlier copies and aggregated for the status in another, whatever the
 * batch size.
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
  plannedCheckpointIds: Set<string>;
}

export interface CheckpointFacts {
  checkpoint: Checkpoint;
  path: string;
  tokenHash: string | null;
}

/** What status derivation needs from all of a patrol's events, flagged times left out. */
export interface EventTimes {
  firstStarted: Date | null;
  firstAny: Date | null;
  lastEnded: Date | null;
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
 * Locks the batch's patrols (in id order, so concurrent batches cannot
 * deadlock) and gathers, in the same statement, what the checks need: team,
 * area, audience, the viewer's team membership, planned checkpoints and the
 * named checkpoints. Patrols the viewer may not see are left out: their
 * events are rejected as unknown. A patrol the viewer sees but may not
 * report on refuses the request.
 */
export async function loadFacts(tx: Tx, patrolIds: string[], checkpointIds: string[]): Promise<{ facts: Map<string, PatrolFacts>; checkpoints: Map<string, CheckpointFacts> }> {
  const facts = new Map<string, PatrolFacts>();
  const checkpoints = new Map<string, CheckpointFacts>();
  if (patrolIds.length === 0) return { facts, checkpoints };
  const rows: { patrol: Record<string, unknown>; team: Record<string, unknown>; area: Record<string, unknown>; audience: string[] | null; member: boolean; planned: string[]; checkpoints: { checkpoint: Record<string, unknown>; path: string }[] }[] =
    await queryPrepared(
      tx.em,
      'patrol-batch-facts',
      `WITH p AS (SELECT * FROM patrol WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
       SELECT to_jsonb(p) AS patrol, to_jsonb(t) AS team, to_jsonb(a) AS area,
              patrol_audience(t.organization_id, t.kind = $5, a.path, $2::date)::text[] AS audience,
              EXISTS (SELECT 1 FROM patrol_team_member m WHERE m.user_id = $3::uuid AND m.team_id = t.id) AS member,
              ARRAY(SELECT pc.checkpoint_id::text FROM patrol_planned_checkpoint pc WHERE pc.patrol_id = p.id) AS planned,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('checkpoint', to_jsonb(c), 'path', ca.path)), '[]'::jsonb)
                 FROM checkpoint c JOIN area ca ON ca.id = c.area_id WHERE c.id = ANY($4::uuid[])) AS checkpoints
         FROM p JOIN patrol_team t ON t.id = p.team_id JOIN area a ON a.id = p.area_id
        ORDER BY p.id`,
      [[...patrolIds].sort(), today(), tx.ctx.viewer.userId, checkpointIds, PatrolTeamKind.CONTRACTED],
    );
  const viewer = tx.ctx.viewer;
  for (const row of rows) {
    const patrol = fromRow(tx.em, Patrol, row.patrol);
    const team = fromRow(tx.em, PatrolTeam, row.team);
    const audience = row.audience ?? [team.organizationId];
    if (!canSeePatrolRecord(viewer, audience)) continue;
    if (!canRecordPatrolEvents(viewer, { teamOrganizationId: team.organizationId, viewerIsTeamMember: row.member })) {
      throw forbidden("Only the team's members, its organisation's coordinators and its organisation's API clients report its patrols.");
    }
    facts.set(patrol.id, { patrol, team, area: fromRow(tx.em, Area, row.area), audience, plannedCheckpointIds: new Set(row.planned) });
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

export interface Inserted {
  /** Rows this batch inserted, as entities. */
  accepted: Map<string, PatrolEvent>;
  /** Earlier copies of the rest, by `patrolId|clientEventId`. */
  earlier: Map<string, PatrolEvent>;
  /** For each patrol that got new rows: its event times after this batch. */
  times: Map<string, EventTimes>;
}

/**
 * One statement: a multi-row INSERT ... ON CONFLICT DO NOTHING, the earlier
 * copies of the rows that conflicted (a retry answers with the first ids),
 * and, for patrols that got new rows, the device times status is derived
 * from. The statement cannot see its own inserts, so the times are taken
 * over the patrol's earlier events plus the inserted ones; the patrol lock
 * taken by loadFacts means no other batch adds events in between. Rows come
 * back as jsonb: the statement stays prepared on its connection
 * (queryPrepared), and a prepared statement whose columns a migration
 * changed would fail rather than answer with the new ones.
 */
export async function insertEvents(tx: Tx, rows: Candidate[], deviceId: string, receivedAt: Date, facts: Map<string, PatrolFacts>): Promise<Inserted> {
  const result: Inserted = { accepted: new Map(), earlier: new Map(), times: new Map() };
  if (rows.length === 0) return result;
  const { sql, params } = insertEventsStatement(rows, { deviceId, receivedAt, viewer: tx.ctx.viewer, teamOf: (patrolId) => facts.get(patrolId)!.team.id });
  const found = await queryPrepared<{ inserted: boolean; event: Record<string, unknown>; agg_first_started: Date | null; agg_first_any: Date | null; agg_last_ended: Date | null }>(
    tx.em,
    'patrol-insert-events',
    sql,
    params,
  );
  for (const row of found) {
    const event = fromRow(tx.em, PatrolEvent, row.event);
    if (row.inserted) {
      result.accepted.set(event.id, event);
      result.times.set(event.patrolId, { firstStarted: row.agg_first_started, firstAny: row.agg_first_any, lastEnded: row.agg_last_ended });
    } else {
      result.earlier.set(`${event.patrolId}|${event.clientEventId}`, event);
    }
  }
  return result;
}

/** The statement of insertEvents, apart so that its plan can be checked on a grown table. */
export function insertEventsStatement(
  rows: Candidate[],
  batch: { deviceId: string; receivedAt: Date; viewer: Pick<Viewer, 'userId' | 'clientId'>; teamOf: (patrolId: string) => string },
): { sql: string; params: unknown[] } {
  return {
    sql: `WITH u AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::uuid[], $8::float8[], $9::float8[],
                            $10::float8[], $11::float8[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
            AS u(id, patrol_id, team_id, client_event_id, kind, device_time, checkpoint_id, latitude, longitude,
                 accuracy_meters, distance_meters, flag_reason, text, severity, flags, proof)
     ), ins AS (
       INSERT INTO patrol_event (id, patrol_id, team_id, client_event_id, kind, device_time, checkpoint_id, latitude, longitude,
                                 accuracy_meters, distance_meters, flagged, flag_reason, flags, proof, text, severity,
                                 device_id, received_at, recorded_by_user_id, recorded_by_client_id)
       SELECT u.id, u.patrol_id, u.team_id, u.client_event_id, u.kind, u.device_time, u.checkpoint_id, u.latitude, u.longitude,
              u.accuracy_meters, u.distance_meters, u.flag_reason IS NOT NULL, u.flag_reason,
              CASE WHEN u.flags = '' THEN '{}'::text[] ELSE string_to_array(u.flags, ',') END, u.proof, u.text, u.severity,
              $12::text, $13::timestamptz, $14::uuid, $15::uuid
         FROM u
       ON CONFLICT ON CONSTRAINT patrol_event_client_id_key DO NOTHING
       RETURNING *
     ), agg AS (
       -- Per patrol, by its index: a semi-join of all events against the batch's patrols was planned as a scan of
       -- the whole table once it grew (35 ms a batch at 50,000 events), work that grew with the city.
       SELECT p.patrol_id, t.first_started, t.first_any, t.last_ended
         FROM (SELECT DISTINCT patrol_id FROM ins) p
        CROSS JOIN LATERAL (
          SELECT min(x.device_time) FILTER (WHERE x.kind = 'STARTED') AS first_started, min(x.device_time) AS first_any,
                 max(x.device_time) FILTER (WHERE x.kind = 'ENDED') AS last_ended
            FROM (SELECT e.kind, e.device_time, e.flags FROM patrol_event e WHERE e.patrol_id = p.patrol_id
                  UNION ALL
                  SELECT ins.kind, ins.device_time, ins.flags FROM ins WHERE ins.patrol_id = p.patrol_id) x
           WHERE NOT (x.flags && $21::text[])
        ) t
     )
     SELECT true AS inserted, to_jsonb(ins) AS event, agg.first_started AS agg_first_started, agg.first_any AS agg_first_any, agg.last_ended AS agg_last_ended
       FROM ins LEFT JOIN agg ON agg.patrol_id = ins.patrol_id
     UNION ALL
     -- Earlier copies only of the rows that were not inserted (a retry's), each by the unique key's index: a join of
     -- the whole batch was planned as a scan of patrol_event while the table's statistics lagged behind its growth.
     SELECT false, to_jsonb(e), NULL, NULL, NULL
       FROM u
      CROSS JOIN LATERAL (
        SELECT x.* FROM patrol_event x
         WHERE x.patrol_id = u.patrol_id AND x.device_id = $12::text AND x.client_event_id = u.client_event_id
      ) e
      WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = u.id)`,
    params: [
      rows.map((r) => r.id),
      rows.map((r) => r.patrolId),
      rows.map((r) => batch.teamOf(r.patrolId)),
      rows.map((r) => r.clientEventId),
      rows.map((r) => r.kind),
      rows.map((r) => r.deviceTime.toISOString()),
      rows.map((r) => r.checkpointId),
      rows.map((r) => r.latitude),
      rows.map((r) => r.longitude),
      rows.map((r) => r.accuracyMeters),
      rows.map((r) => r.distanceMeters),
      batch.deviceId,
      batch.receivedAt.toISOString(),
      batch.viewer.userId,
      batch.viewer.clientId,
      rows.map((r) => (r.reasons.length ? r.reasons.join('; ') : null)),
      rows.map((r) => r.text),
      rows.map((r) => r.severity),
      rows.map((r) => r.flags.join(',')),
      rows.map((r) => r.proof),
      TIME_FLAGS,
    ],
  };
}
