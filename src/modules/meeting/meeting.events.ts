import { Field, ID, ObjectType } from 'type-graphql';
import type { EventRecord } from '../../shared/events/event.entity';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

@ObjectType({ description: valueObject('A change to a meeting, its participants, agenda, minutes or action items, as pushed to subscribers.', WHY.event) })
export class MeetingChange {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({
    description:
      'What happened: meeting.scheduled, meeting.updated, meeting.cancelled, meeting.started, meeting.concluded, meeting.rsvp, agenda.itemAdded, agenda.itemUpdated, agenda.itemMoved, agenda.itemRemoved, agenda.itemAccepted, agenda.outcomeRecorded, actionItem.created, actionItem.updated, actionItem.completed.',
  })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => Boolean, { description: 'For meeting.updated: whether the meeting was moved to another time.' })
  moved!: boolean;

  @Field(() => ID, { nullable: true, description: 'Global id of the agenda item concerned, also when it has since been removed.' })
  agendaItemGlobalId!: string | null;

  event!: EventRecord;
}

export function toMeetingChange(event: EventRecord): MeetingChange {
  const itemId = event.payload.agendaItemId;
  return Object.assign(new MeetingChange(), {
    cursor: event.id,
    type: event.type,
    occurredAt: event.createdAt,
    moved: event.payload.moved === true,
    agendaItemGlobalId: typeof itemId === 'string' ? toGlobalId('AgendaItem', itemId) : null,
    event,
  });
}
