import { Field, ObjectType } from 'type-graphql';
import { today } from '../../shared/clock';
import type { EventRecord } from '../../shared/events/event.entity';
import type { Tx } from '../../shared/transaction';
import { PatrolStatus } from './patrol.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

export const PATROL_TOPIC = 'patrol';

/** Event types that `patrolUpdates` delivers. Team, checkpoint and route changes share the topic but not the subscription. */
export const PATROL_UPDATE_TYPES = ['patrol.planned', 'patrol.statusChanged', 'patrol.eventsRecorded', 'patrol.checkpointsMissed', 'patrol.checkpointsMissedRetracted'];

/**
 * Who may see a patrol record of `ownerId` in the area at `areaPath`, as of
 * now: the same SQL function the lists filter by (see patrol.policy.ts).
 */
export async function audienceAt(tx: Pick<Tx, 'em'>, ownerId: string, contracted: boolean, areaPath: string): Promise<string[]> {
  const [row] = await tx.em.query(`SELECT patrol_audience($1, $2, $3, $4::date)::text[] AS ids`, [ownerId, contracted, areaPath, today()]);
  return row?.ids ?? [ownerId];
}

export interface PatrolEventScope {
  patrolId: string;
  teamId: string;
  areaPath: string;
  audience: string[];
}

/** One entry in the event log about a patrol; visible to the patrol's audience at this moment. */
export function emitPatrol(tx: Tx, scope: PatrolEventScope, type: string, payload: Record<string, unknown>): void {
  tx.emit({
    topic: PATROL_TOPIC,
    type,
    subjectId: scope.patrolId,
    areaPath: scope.areaPath,
    organizationIds: scope.audience,
    payload: { patrolId: scope.patrolId, teamId: scope.teamId, ...payload },
  });
}

@ObjectType({ description: valueObject('Something that happened to a patrol: planned, status changed, check-ins recorded, checkpoints missed.', WHY.event) })
export class PatrolUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({
    description:
      'What happened: patrol.planned, patrol.statusChanged, patrol.eventsRecorded (see `events`; `flaggedEvents` lists the doubtful ones), patrol.checkpointsMissed (a patrol ended with planned checkpoints not visited; see `missedCheckpoints`), patrol.checkpointsMissedRetracted (late check-ins completed the route: the earlier alert no longer holds).',
  })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => PatrolStatus, { description: 'Status of the patrol right after this change.' })
  status!: PatrolStatus;

  @Field(() => PatrolStatus, { nullable: true, description: 'For patrol.statusChanged: the status before.' })
  previousStatus!: PatrolStatus | null;

  event!: EventRecord;
}

export function toPatrolUpdate(event: EventRecord): PatrolUpdate {
  return Object.assign(new PatrolUpdate(), {
    cursor: event.id,
    type: event.type,
    occurredAt: event.createdAt,
    status: event.payload.status as PatrolStatus,
    previousStatus: (event.payload.previousStatus as PatrolStatus | undefined) ?? null,
    event,
  });
}
