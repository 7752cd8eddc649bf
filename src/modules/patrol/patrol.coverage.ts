import type { EntityManager } from 'typeorm';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { valueObject, WHY } from '../../shared/relay/value-object';

/**
 * Coverage of a patrol, computed from device times only (never from when the
 * server happened to receive an event):
 * - planned checkpoints: the route's checkpoints as snapshotted when the patrol was planned;
 * - a planned checkpoint is visited when an unflagged CHECKPOINT event for it (proven by
 *   token or position, device time plausible) has a device time between the patrol's
 *   start and (once ended) its end;
 * - time on route: end minus start, or, while still under way, the latest event minus start.
 */
export interface CoverageFacts {
  plannedCheckpointIds: string[];
  visits: { checkpointId: string; visitedAt: Date }[];
  missedCheckpointIds: string[];
  flaggedCheckInCount: number;
  timeOnRouteSeconds: number | null;
}

export async function computeCoverage(em: EntityManager, patrolIds: string[]): Promise<Map<string, CoverageFacts>> {
  const result = new Map<string, CoverageFacts>();
  if (patrolIds.length === 0) return result;
  const patrols: { id: string; started_at: Date | null; ended_at: Date | null; last_event_at: Date | null; flagged: number }[] = await em.query(
    `SELECT p.id, p.started_at, p.ended_at,
            (SELECT max(e.device_time) FROM patrol_event e WHERE e.patrol_id = p.id) AS last_event_at,
            (SELECT count(*)::int FROM patrol_event e WHERE e.patrol_id = p.id AND e.kind = 'CHECKPOINT' AND e.flagged) AS flagged
       FROM patrol p WHERE p.id = ANY($1)`,
    [patrolIds],
  );
  const planned: { patrol_id: string; checkpoint_id: string; visited_at: Date | null }[] = await em.query(
    `SELECT pc.patrol_id, pc.checkpoint_id,
            (SELECT min(e.device_time) FROM patrol_event e
              WHERE e.patrol_id = pc.patrol_id AND e.kind = 'CHECKPOINT' AND e.checkpoint_id = pc.checkpoint_id AND NOT e.flagged
                AND e.device_time >= p.started_at AND (p.ended_at IS NULL OR e.device_time <= p.ended_at)) AS visited_at
       FROM patrol_planned_checkpoint pc JOIN patrol p ON p.id = pc.patrol_id
      WHERE pc.patrol_id = ANY($1)
      ORDER BY pc.patrol_id, pc.position`,
    [patrolIds],
  );
  for (const p of patrols) {
    const rows = planned.filter((r) => r.patrol_id === p.id);
    let timeOnRouteSeconds: number | null = null;
    if (p.started_at) {
      const until = p.ended_at ?? p.last_event_at ?? p.started_at;
      timeOnRouteSeconds = Math.max(0, Math.round((until.getTime() - p.started_at.getTime()) / 1000));
    }
    result.set(p.id, {
      plannedCheckpointIds: rows.map((r) => r.checkpoint_id),
      visits: rows.filter((r) => r.visited_at).map((r) => ({ checkpointId: r.checkpoint_id, visitedAt: r.visited_at! })),
      missedCheckpointIds: rows.filter((r) => !r.visited_at).map((r) => r.checkpoint_id),
      flaggedCheckInCount: p.flagged,
      timeOnRouteSeconds,
    });
  }
  return result;
}

@ObjectType({ description: valueObject('A planned checkpoint that was visited, with the device time of the first valid check-in.', WHY.computed) })
export class CheckpointVisit {
  checkpointId!: string;

  @Field({ description: 'Device time of the first unflagged check-in at the checkpoint during the patrol.' })
  visitedAt!: Date;
}

@ObjectType({ description: valueObject("How much of its route a patrol covered, from the devices' clocks.", WHY.computed) })
export class PatrolCoverage {
  facts!: CoverageFacts;

  @Field(() => Int, { description: 'Checkpoints planned (the route as it was when the patrol was planned; 0 for an area patrol).' })
  plannedCheckpointCount!: number;

  @Field(() => Int, { description: 'Planned checkpoints with at least one unflagged check-in between start and end.' })
  visitedCheckpointCount!: number;

  @Field(() => Float, { nullable: true, description: 'visited / planned, 0 to 1; null when nothing was planned.' })
  ratio!: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds from start to end (or to the latest event while under way); null before it started.' })
  timeOnRouteSeconds!: number | null;

  @Field(() => Int, { description: 'Check-ins recorded but flagged (no proof of presence, too far from their checkpoint, wrong token, device time in the future or outside the shift); they do not count as visits.' })
  flaggedCheckInCount!: number;
}

export function toPatrolCoverage(facts: CoverageFacts): PatrolCoverage {
  const planned = facts.plannedCheckpointIds.length;
  return Object.assign(new PatrolCoverage(), {
    facts,
    plannedCheckpointCount: planned,
    visitedCheckpointCount: facts.visits.length,
    ratio: planned === 0 ? null : facts.visits.length / planned,
    timeOnRouteSeconds: facts.timeOnRouteSeconds,
    flaggedCheckInCount: facts.flaggedCheckInCount,
  });
}

/** Great-circle distance in metres (haversine, mean Earth radius). */
export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const R = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}
