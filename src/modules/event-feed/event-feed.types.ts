import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { valueObject, WHY } from '../../shared/relay/value-object';
import type { EventRecord } from '../../shared/events/event.entity';

/** The event log's streams; each is also the topic of a subscription. */
export enum EventTopic {
  CASE = 'case',
  PATROL = 'patrol',
  MEETING = 'meeting',
  CONTRACT = 'contract',
  CONSULTATION = 'consultation',
  NETWORK = 'network',
  SCREENING = 'screening',
  EDUCATION = 'education',
  FUND = 'fund',
  BULLETIN = 'bulletin',
  ROSTER = 'roster',
  PUBLICATION = 'publication',
}

registerEnumType(EventTopic, {
  name: 'EventTopic',
  description: 'A stream of the event log; the same streams the subscriptions follow.',
  valuesConfig: {
    CASE: { description: 'Cases: reports, triage, assignment, progress, resolution (as `caseUpdates`).' },
    PATROL: { description: 'Patrols: plans, status changes, check-ins, missed checkpoints (as `patrolUpdates`).' },
    MEETING: { description: 'Joint meetings, agendas, minutes, decisions and action items (as `meetingAgenda` and `meetingsFeed`).' },
    CONTRACT: { description: 'Contracts: drafts, proposals, signatures, status changes (as `contractUpdates`).' },
    CONSULTATION: { description: 'Consultations: positions, proposals, closing (as `consultationUpdates`).' },
    NETWORK: { description: 'Organisations, memberships, relations, API clients and webhook endpoints (as `networkChanges`).' },
    SCREENING: { description: 'Dispute screening: returns filed and special periods declared (polling and webhooks; no subscription of its own).' },
    PUBLICATION: { description: 'Records put on or taken off the public board, with the reason (polling and webhooks; no subscription of its own).' },
    BULLETIN: { description: 'Bulletins and risk alerts issued and acknowledged (as `bulletinsFeed`).' },
    EDUCATION: { description: 'Legal education: activities planned, held, corrected and cancelled, annual plans set, legal-service rooms, duties and consultations (polling and webhooks; no subscription of its own).' },
    FUND: { description: 'Security funds: entries recorded, approved and rejected, statements published (as `fundUpdates`). Amounts and categories, never names or phones.' },
    ROSTER: { description: 'Patrol rosters: people added, changed or leaving, who took part in patrols, recognition given (as `rosterUpdates`). Ids and figures, never names or phones.' },
  },
});

@ObjectType('Event', { description: valueObject('One entry of the event log, as a partner sees it when polling (`events`) and in webhook bodies.', WHY.event) })
export class FeedEvent {
  @Field({ description: 'Position in the event log: the same cursor the subscriptions use, and the `webhook-id` of its webhook deliveries.' })
  cursor!: string;

  @Field(() => EventTopic, { description: 'The stream it belongs to.' })
  topic!: EventTopic;

  @Field({ description: 'What happened, e.g. `case.reported`, `meeting.scheduled`, `membership.added`.' })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => ID, { nullable: true, description: 'Global id of the record the event is about (a case, meeting, contract, consultation), when there is one.' })
  subjectId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Global id of the area concerned, when there is one.' })
  areaId!: string | null;

  @Field(() => GraphQLJSONObject, {
    description: 'The facts of the change. Record ids in it are global ids (fetch the records with `node`/`nodes` for their current state); ids of records without a global id are left out.',
  })
  data!: Record<string, unknown>;
}

/** The JSON a partner receives for an event, over the feed and in webhook bodies. */
export type FeedEventJson = Omit<FeedEvent, 'occurredAt'> & { occurredAt: string };

export type { EventRecord };
