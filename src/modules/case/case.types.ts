import { Field, ObjectType } from 'type-graphql';
import type { EventRecord } from '../../shared/events/event.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

@ObjectType({ description: valueObject('A change to a case, pushed to the organisations that may see it (and, for public steps, to its reporter).', WHY.event) })
export class CaseUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: 'What happened: case.reported, case.triaged, case.assigned, case.reassigned, case.started, case.commented, case.resolved, case.closed, case.reopened, case.merged, case.duplicate_merged, case.supervised, case.escalated, case.ledger_recorded, case.plan_set, case.phase_completed.' })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toCaseUpdate(event: EventRecord): CaseUpdate {
  return Object.assign(new CaseUpdate(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
