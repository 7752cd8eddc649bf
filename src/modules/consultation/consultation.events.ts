import { Field, ObjectType } from 'type-graphql';
import type { EventRecord } from '../../shared/events/event.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

export const CONSULTATION_EVENT_TYPES = ['consultation.opened', 'consultation.positionStated', 'consultation.proposalAdded', 'consultation.closed', 'consultation.openedToResidents', 'consultation.residentPositionStated'] as const;

@ObjectType({ description: valueObject('A change to one consultation.', WHY.event) })
export class ConsultationUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: `What happened: ${CONSULTATION_EVENT_TYPES.join(', ')}.` })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toConsultationUpdate(event: EventRecord): ConsultationUpdate {
  return Object.assign(new ConsultationUpdate(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
